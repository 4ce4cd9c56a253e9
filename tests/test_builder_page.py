"""The builder page is rendered from plain values and our own input writers: it must show exactly
what WTForms would, for a fresh page and for a page shown again after a post."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from markupsafe import Markup
from wtforms.meta import DefaultMeta

from prescribe.db import get_session
from prescribe.web import auth_forms, forms
from prescribe.web.builder import forms as builder_forms
from prescribe.web.builder.page import rows_from_data
from prescribe.web.widgets import render_wtforms_field

from .conftest import builder_form, csrf_token, form_fields

DIAGNOSES = ["hip-impingement", "hip-osteoarthritis", "trochanteric-pain", "hip-replacement-early",
             "hip-labral-tear", "hip-flexor-strain", "it-band-syndrome", "hip-pain"]


class _Inputs(HTMLParser):
    """Every input, select and textarea of a page: its attributes, chosen option and text."""

    def __init__(self):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name") not in (None, "csrf_token"):
            self._open = self.inputs[attrs["name"]] = {"tag": tag, **attrs, "text": ""}
        elif tag == "option" and self._open is not None and "selected" in attrs:
            self._open["chosen"] = attrs["value"]

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self._open = None

    def handle_data(self, data):
        if self._open is not None and self._open["tag"] == "textarea":
            self._open["text"] += data


def page_inputs(html: str) -> dict[str, dict]:
    parser = _Inputs()
    parser.feed(html)
    return parser.inputs


@pytest.mark.parametrize("diagnosis", DIAGNOSES)
def test_a_fresh_builder_and_the_same_program_posted_back_show_the_same_inputs(client, diagnosis):
    fresh = client.get(f"/build/{diagnosis}").get_data(as_text=True)
    posted = client.post("/build/", data={**builder_form(client, diagnosis), "action": "update"})
    assert posted.status_code == 200
    fresh_inputs, posted_inputs = page_inputs(fresh), page_inputs(posted.get_data(as_text=True))
    assert len(fresh_inputs) > 100
    assert fresh_inputs == posted_inputs


def test_a_minutes_exercise_shows_only_minutes_and_keeps_the_other_dose_inputs_hidden(client, catalog):
    walking = next(e for e in catalog.exercises.values() if e.dose_kind == "minutes")
    form = builder_form(client, "hip-osteoarthritis")
    page = client.post("/build/", data={**form, "action": f"add:{walking.slug}"}).get_data(as_text=True)
    inputs = page_inputs(page)
    row = max(int(name.split("-")[1]) for name in inputs if name.startswith("exercises-"))
    shown = {name.rsplit("-", 1)[1] for name, attrs in inputs.items()
             if name.startswith(f"exercises-{row}-") and attrs.get("type") == "number"}
    hidden = {name.rsplit("-", 1)[1] for name, attrs in inputs.items()
              if name.startswith(f"exercises-{row}-") and attrs.get("type") == "hidden"}
    assert shown == {"minutes", "times_per_day", "days_per_week"}
    assert {"sets", "reps", "hold_seconds", "rest_seconds"} <= hidden
    assert f'<label for="exercises-{row}-minutes">Minutes</label>' in page


def test_rows_from_data_mark_a_ticked_line_and_leave_an_unticked_one_empty(catalog):
    data = {"exercises": [], "precautions": [],
            "red_flags_today": [{"text": "Fever", "included": True}, {"text": "Numb <leg>", "included": False}]}
    lines = rows_from_data(data, catalog).advice["red_flags_today"]
    assert [(line.text.value, line.included.checked) for line in lines] == [("Fever", True), ("Numb <leg>", False)]


def _every_form(app):
    """One instance of every form class of the app, filled with awkward text."""
    awkward = 'O\'Brien & "Sons" <b>'
    data = {"patient_name": awkward, "therapist_name": awkward, "handout_date": date(2026, 11, 22),
            "affected_side": "left", "paper": "a4", "include_log": True, "email": awkward, "name": awkward,
            "display_name": awkward, "reference": "R-1", "accent_colour": "#1d6fb8", "role": "admin",
            "own_red_flags_today": "one\n<two>", "diagnosis": "hip-impingement", "catalog_query": awkward}
    classes = [builder_forms.BuilderForm, forms.ClinicForm, forms.PatientForm, auth_forms.LoginForm,
               auth_forms.CodeForm, auth_forms.ChangePasswordForm, auth_forms.EnrolForm,
               auth_forms.RemoveSecondFactorForm, auth_forms.AddUserForm, auth_forms.ClinicMfaForm,
               auth_forms.AuditFilterForm]
    made = []
    for form_class in classes:
        extra = {"catalog": app.extensions["catalog"]} if form_class is builder_forms.BuilderForm else {}
        made.append(form_class(formdata=None, data=data, **extra))
    return made


@pytest.mark.parametrize("render_kw", [
    {},
    {"aria-invalid": "true", "aria-describedby": "x-error", "autofocus": True, "disabled": False},
    {"class_": "wide", "placeholder": 'say "hi" & <go>', "data_search_input": "", "autocomplete": "off"},
])
def test_our_input_writer_gives_the_same_markup_as_wtforms_for_every_field(app, render_kw):
    with app.test_request_context("/"):
        checked = 0
        for form in _every_form(app):
            for field in form:
                if field.type in ("FieldList", "FormField"):
                    continue
                ours = render_wtforms_field(field, render_kw)
                theirs = DefaultMeta().render_field(field, render_kw)  # what WTForms itself writes
                assert isinstance(ours, Markup)
                assert str(ours) == str(theirs), (type(form).__name__, field.name)
                checked += 1
        assert checked > 40


# -- the fragment cache of builder rows ---------------------------------------------------------------

def _store(app):
    return app.jinja_env.fragment_store


def test_rows_drawn_from_the_fragment_cache_are_the_rows_drawn_afresh(app, client):
    _store(app).clear()
    form = builder_form(client, "hip-impingement")  # the fresh page draws every row and keeps it
    drawn = client.post("/build/", data={**form, "action": "update"}).get_data(as_text=True)
    hits_before = _store(app).hits
    again = client.post("/build/", data={**form, "action": "update"}).get_data(as_text=True)
    assert _store(app).hits > hits_before  # the second page's rows came from the cache
    assert page_inputs(again) == page_inputs(drawn)


def _without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)  # signed with the time


@pytest.mark.parametrize("diagnosis", DIAGNOSES)
def test_a_kept_fresh_page_is_the_page_drawn_afresh(app, client, diagnosis):
    app.jinja_env.page_store.clear()
    kept_first = client.get(f"/build/{diagnosis}").get_data(as_text=True)
    hits_before = app.jinja_env.page_store.hits
    kept_again = client.get(f"/build/{diagnosis}").get_data(as_text=True)
    assert app.jinja_env.page_store.hits == hits_before + 1
    app.jinja_env.auto_reload = True  # as in debug mode: nothing is kept, every page is drawn
    try:
        drawn = client.get(f"/build/{diagnosis}").get_data(as_text=True)
    finally:
        app.jinja_env.auto_reload = False
    assert _without_csrf(kept_again) == _without_csrf(drawn) == _without_csrf(kept_first)


def test_a_kept_page_carries_each_session_its_own_csrf_token(app, client, client_for):
    from .conftest import add_user, default_clinic_id

    colleague = client_for(add_user(app, default_clinic_id(app), "second@riverside.example"))
    mine = client.get("/build/hip-impingement").get_data(as_text=True)
    theirs = colleague.get("/build/hip-impingement").get_data(as_text=True)  # the same kept form body
    assert csrf_token(mine) != csrf_token(theirs)
    for who, page in ((client, mine), (colleague, theirs)):
        answer = who.post("/build/", data={**form_fields(page), "action": "update"})
        assert answer.status_code == 200 and "CSRF" not in answer.get_data(as_text=True)
    stolen = client.post("/build/", data={**form_fields(theirs), "action": "update"})
    assert stolen.status_code == 400  # the other session's token is refused


def test_a_page_made_out_to_a_patient_is_never_kept(app, client):
    from prescribe.models import Patient

    from .conftest import default_clinic_id

    with app.app_context():
        db = get_session()
        patient = Patient(clinic_id=default_clinic_id(app), display_name="Zqx Keptnot", reference="R-77")
        db.add(patient)
        db.commit()
        patient_id = patient.id
    page = client.get(f"/build/hip-pain?patient={patient_id}").get_data(as_text=True)
    assert "Zqx Keptnot" in page
    client.get("/build/hip-pain")  # the same program for nobody in particular is kept
    kept = list(app.jinja_env.page_store._fragments.values())
    assert kept and not any("Zqx" in body or "R-77" in body for body in kept)


def test_the_zero_phi_setting_shows_at_once_on_a_kept_page(app, client):
    from sqlalchemy import update

    from prescribe.models import Clinic

    before = client.get("/build/hip-impingement").get_data(as_text=True)
    with app.app_context():
        db = get_session()
        db.execute(update(Clinic).values(zero_phi=True))
        db.commit()
    after = client.get("/build/hip-impingement").get_data(as_text=True)
    assert "never saved (zero-PHI mode)" not in before
    assert "never saved (zero-PHI mode)" in after


def test_fresh_page_key_leaves_out_anything_personal(catalog):
    from prescribe.programs import default_program
    from prescribe.web.builder.forms import form_data_from_program
    from prescribe.web.builder.page import PERSONAL_FIELDS, fresh_page_key

    def key(data, **clinic):
        return fresh_page_key(data, **{"clinic_id": 1, "accent": "#1d6fb8", "zero_phi": False, **clinic})

    data = form_data_from_program(default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21)))
    kept = key(data)
    assert kept is not None and hash(kept) == hash(key(dict(data)))
    assert key(data, accent="#aa3300") != kept
    assert key(data, zero_phi=True) != kept
    assert key(data, clinic_id=2) != kept
    assert key({**data, "handout_date": date(2026, 11, 22)}) != kept
    for name in PERSONAL_FIELDS:
        assert key({**data, name: "x"}) is None, name
    for name in ("note", "resistance"):
        rows = [dict(row) for row in data["exercises"]]
        rows[-1][name] = "red band"
        assert key({**data, "exercises": rows}) is None, name


def test_moving_a_row_renumbers_rows_that_were_cached_at_their_old_place(client):
    form = builder_form(client, "hip-impingement")  # caches every row at its place
    first, second = form["exercises-0-exercise"], form["exercises-1-exercise"]
    page = client.post("/build/", data={**form, "action": "down:0"}).get_data(as_text=True)
    inputs = page_inputs(page)
    assert inputs["exercises-0-exercise"]["value"] == second
    assert inputs["exercises-1-exercise"]["value"] == first
    # Only the new first row's Up is off.
    assert re.search(r'value="up:0"[^>]* disabled', page) and not re.search(r'value="up:1"[^>]* disabled', page)


def test_a_row_with_a_note_is_never_kept_after_its_request(app, client):
    form = builder_form(client, "hip-impingement")
    secret = "Zqx for Mr Example's left knee"
    page = client.post("/build/", data={**form, "exercises-2-note": secret, "action": "update"})
    assert secret.replace("'", "&#39;") in page.get_data(as_text=True)
    assert not any("Zqx" in fragment for fragment in _store(app)._fragments.values())


def test_a_new_clinic_colour_shows_in_the_row_pictures_at_once(app, client):
    from sqlalchemy import update

    from prescribe.models import Clinic

    client.get("/build/hip-impingement")  # rows cached in the old colour
    with app.app_context():
        db = get_session()
        db.execute(update(Clinic).values(accent_colour="#aa3300"))
        db.commit()
    page = client.get("/build/hip-impingement").get_data(as_text=True)
    rows = page[page.index('<ol class="rows"'):page.index("</ol>")]
    assert "#aa3300" in rows


def test_ticking_a_safety_rule_warns_on_a_row_that_was_cached_without_the_warning(client):
    added = client.post("/build/", data={**builder_form(client, "hip-impingement"), "action": "add:figure-4-stretch"})
    form = form_fields(added.get_data(as_text=True))
    ticked = {key for key in form if key.startswith("precautions-") and key.endswith("-included")}
    assert ticked
    unticked = {key: value for key, value in form.items() if key not in ticked}
    quiet = client.post("/build/", data={**unticked, "action": "update"}).get_data(as_text=True)
    warned = client.post("/build/", data={**form, "action": "update"}).get_data(as_text=True)
    assert "Caution for this diagnosis" not in quiet  # the row was drawn, and kept, with no warning
    assert "Caution for this diagnosis" in warned


def test_the_fragment_store_keeps_only_the_most_recently_used():
    from prescribe.web.fragments import FragmentStore

    store = FragmentStore(limit=2)
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        store.get_or_render(key, lambda key=key: f"<p>{key}</p>")
    assert set(store._fragments) == {"a", "c"}
    assert str(store.get_or_render("a", lambda: "<p>new</p>")) == "<p>a</p>"


def test_each_row_shows_the_dose_its_diagnosis_filled_in(client, catalog):
    """handout-review §7: the row said "default 2 x 10 · 5 d/wk" beside 3 x 12, 4 d/wk filled in."""
    from markupsafe import escape

    from prescribe.programs import dose_summary

    html = client.get("/build/hip-impingement").get_data(as_text=True)
    for entry in catalog.diagnoses["hip-impingement"].program:
        assert f"default {escape(dose_summary(entry.dose))}" in html, entry.exercise
