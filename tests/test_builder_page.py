"""The builder page is rendered from plain values and our own input writers: it must show exactly
what WTForms would, for a fresh page and for a page shown again after a post."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from markupsafe import Markup
from wtforms.meta import DefaultMeta

from prescribe.db import get_session
from prescribe.web import auth_forms, forms
from prescribe.web.builder_page import rows_from_data
from prescribe.web.widgets import render_wtforms_field

from .conftest import builder_form, form_fields

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
            "red_flags": [{"text": "Fever", "included": True}, {"text": "Numb <leg>", "included": False}]}
    lines = rows_from_data(data, catalog).advice["red_flags"]
    assert [(line.text.value, line.included.checked) for line in lines] == [("Fever", True), ("Numb <leg>", False)]


def _every_form(app):
    """One instance of every form class of the app, filled with awkward text."""
    awkward = 'O\'Brien & "Sons" <b>'
    data = {"patient_name": awkward, "therapist_name": awkward, "handout_date": date(2026, 11, 22),
            "affected_side": "left", "paper": "a4", "include_log": True, "email": awkward, "name": awkward,
            "display_name": awkward, "reference": "R-1", "accent_colour": "#1d6fb8", "role": "admin",
            "own_red_flags": "one\n<two>", "diagnosis": "hip-impingement", "catalog_query": awkward}
    classes = [forms.BuilderForm, forms.ClinicForm, forms.PatientForm, auth_forms.LoginForm, auth_forms.CodeForm,
               auth_forms.ChangePasswordForm, auth_forms.EnrolForm, auth_forms.RemoveSecondFactorForm,
               auth_forms.AddUserForm, auth_forms.ClinicMfaForm, auth_forms.AuditFilterForm]
    made = []
    for form_class in classes:
        extra = {"catalog": app.extensions["catalog"]} if form_class is forms.BuilderForm else {}
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
    first = page_inputs(client.get("/build/hip-impingement").get_data(as_text=True))
    hits_before = _store(app).hits
    again = page_inputs(client.get("/build/hip-impingement").get_data(as_text=True))
    assert _store(app).hits > hits_before  # the second page came from the cache
    assert again == first


def test_moving_a_row_renumbers_rows_that_were_cached_at_their_old_place(client):
    form = builder_form(client, "hip-impingement")  # caches every row at its place
    first, second = form["exercises-0-exercise"], form["exercises-1-exercise"]
    page = client.post("/build/", data={**form, "action": "down:0"}).get_data(as_text=True)
    inputs = page_inputs(page)
    assert inputs["exercises-0-exercise"]["value"] == second
    assert inputs["exercises-1-exercise"]["value"] == first
    assert 'value="up:0" disabled' in page and 'value="up:1" ' in page  # only the new first row's Up is off


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
    rows = page[page.index('<ol class="rows">'):page.index("</ol>")]
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
