"""The builder through the Flask client, CSRF on: defaults, tailoring, errors, download."""

from __future__ import annotations

import io
import json
import re

import pytest
from markupsafe import escape
from pypdf import PdfReader

from prescribe.catalog.markup import fill
from prescribe.db import get_session

from .conftest import builder_form, csrf_token, form_fields
from .test_builder_page import page_inputs


def test_start_page_lists_diagnoses_with_a_plain_description(client, catalog):
    html = client.get("/").get_data(as_text=True)
    for diagnosis in catalog.diagnoses.values():
        assert str(escape(diagnosis.name)) in html
        assert str(escape(diagnosis.summary)) in html


def test_start_page_search_filters_diagnoses(client):
    html = client.get("/?q=impingement").get_data(as_text=True)
    assert "Hip impingement" in html
    assert "Hip osteoarthritis" not in html


def test_builder_opens_with_the_default_program(client, catalog):
    html = client.get("/build/hip-impingement").get_data(as_text=True)
    for entry in catalog.diagnoses["hip-impingement"].program:
        assert catalog.exercises[entry.exercise].name in html
    for line in catalog.diagnoses["hip-impingement"].red_flags:
        assert str(escape(fill(line))) in html


def test_unknown_diagnosis_is_a_404_page(client):
    response = client.get("/build/no-such-thing")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_download_returns_the_pdf_with_a_dated_filename(client):
    form = builder_form(client, "hip-impingement")
    form["handout_date"] = "2026-11-21"
    form["action"] = "download"
    response = client.post("/build/", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=hip-impingement-2026-11-21.pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) >= 3


def test_a_post_without_csrf_token_is_refused(client):
    form = builder_form(client, "hip-impingement")
    del form["csrf_token"]
    form["action"] = "download"
    response = client.post("/build/", data=form)
    assert response.status_code == 400


@pytest.mark.parametrize(("field", "value", "message"), [
    ("exercises-0-sets", "0", "Enter a number from 1 to 10."),
    ("exercises-0-sets", "11", "Enter a number from 1 to 10."),
    ("exercises-0-reps", "101", "Enter a number from 1 to 100."),
    ("exercises-0-reps", "ten", "Enter a number"),
    ("exercises-0-times_per_day", "7", "Enter a number from 1 to 6."),
    ("exercises-0-days_per_week", "8", "Enter a number from 1 to 7."),
    ("exercises-0-days_per_week", "", "This is needed."),
    ("exercises-0-note", "x" * 201, "Keep the note under 200 characters."),
    ("exercises-0-resistance", "r" * 41, "Keep this under 40 characters."),
    ("patient_name", "N" * 81, "Keep the name under 80 characters."),
    ("exercises-0-exercise", "made-up-exercise", "This exercise is not in the catalog."),
    ("diagnosis", "made-up-diagnosis", "Unknown diagnosis."),
    ("handout_date", "31/31/2026", "Not a valid date value."),
])
def test_bad_input_gets_a_message_and_keeps_everything_typed(client, field, value, message):
    form = builder_form(client, "hip-impingement")
    form["patient_name"] = form.get("patient_name") or "Ann Example"
    if field != "patient_name":
        form["patient_name"] = "Ann Example"
    form["exercises-1-note"] = "Keep the band light this week."
    form[field] = value
    form["action"] = "download"
    response = client.post("/build/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "Keep the band light this week." in html
    if field != "patient_name":
        assert 'value="Ann Example"' in html
    if field.startswith("exercises-0-") and field != "exercises-0-exercise":
        assert value in html
    if field not in ("exercises-0-exercise", "diagnosis"):  # the message is tied to its field
        assert re.search(f'<(input|textarea)[^>]* aria-describedby="(?:[^"]+ )?{field}-error" aria-invalid="true" '
                         f'id="{field}"', html)
        assert re.search(f'<p class="error" id="{field}-error">{re.escape(message)}', html)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("exercises-5-hold_seconds", "301", "Enter a number from 1 to 300 seconds."),
    ("exercises-5-hold_seconds", "0", "Enter a number from 1 to 300 seconds."),
])
def test_hold_time_outside_1_to_300_seconds_is_refused(client, field, value, message):
    form = builder_form(client, "hip-impingement")
    form[field] = value
    form["action"] = "download"
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def _rows(form):
    return sorted({k.split("-")[1] for k in form if k.startswith("exercises-")}, key=int)


def test_a_program_needs_at_least_one_exercise(client):
    form = builder_form(client, "hip-pain")
    form = {k: v for k, v in form.items() if not k.startswith("exercises-")}
    form["action"] = "download"
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert "Add at least one exercise." in response.get_data(as_text=True)


def test_a_program_has_at_most_twenty_exercises(client):
    form = builder_form(client, "hip-pain")
    for index in range(len(_rows(form)), 21):
        for key in ("exercise", "sets", "reps", "rest_seconds", "times_per_day", "days_per_week"):
            form[f"exercises-{index}-{key}"] = form[f"exercises-0-{key}"]
    form["action"] = "download"
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert "at most 20 exercises" in response.get_data(as_text=True)


def test_adding_an_exercise_keeps_unsaved_invalid_input(client):
    form = builder_form(client, "hip-impingement")
    count = len(_rows(form))
    form["exercises-0-sets"] = "99"
    form["patient_name"] = "Ann Example"
    form["action"] = "add:figure-4-stretch"
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert 'value="99"' in html
    assert 'value="Ann Example"' in html
    assert f'name="exercises-{count}-exercise" type="hidden" value="figure-4-stretch"' in html
    assert "Caution for this diagnosis" in html


def test_removing_and_moving_rows_keeps_the_other_rows_values(client):
    form = builder_form(client, "hip-impingement")
    first, second, third = (form[f"exercises-{i}-exercise"] for i in range(3))
    form["exercises-2-note"] = "third row note"
    form["action"] = "remove:0"
    after_remove = client.post("/build/", data=form).get_data(as_text=True)
    assert f'name="exercises-0-exercise" type="hidden" value="{second}"' in after_remove
    assert first not in after_remove.split('name="exercises-0-exercise"')[1][:60]
    form = builder_form(client, "hip-impingement")
    form["exercises-2-note"] = "third row note"
    form["action"] = "up:2"
    moved = client.post("/build/", data=form).get_data(as_text=True)
    assert f'name="exercises-1-exercise" type="hidden" value="{third}"' in moved
    assert "third row note" in moved.split('name="exercises-1-note"')[1][:200]


def test_catalog_search_in_the_builder_finds_by_name_position_and_equipment(client):
    form = builder_form(client, "hip-pain")
    form["catalog_query"] = "band"
    form["action"] = "search"
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert 'value="add:banded-clamshell"' in html
    form["catalog_query"] = "kneeling"
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert 'value="add:kneeling-hip-flexor-stretch"' in html


def test_adding_an_unknown_exercise_in_a_crafted_post_is_refused(client):
    form = builder_form(client, "hip-pain")
    form["action"] = "add:../../etc/passwd"
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert "That exercise is not in the catalog." in response.get_data(as_text=True)


def test_next_visit_before_handout_date_is_refused(client):
    form = builder_form(client, "hip-pain")
    form.update(handout_date="2026-11-21", next_visit="2026-11-01", action="download")
    response = client.post("/build/", data=form)
    assert "The next visit cannot be before the handout date." in response.get_data(as_text=True)


def test_csrf_token_is_in_every_builder_form(client):
    assert csrf_token(client.get("/build/hip-pain").get_data(as_text=True))


def test_preview_shows_the_pdf_inline_without_saving_a_version(client):
    form = builder_form(client, "hip-pain")
    form["action"] = "preview"
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "Handouts you download appear here" in client.get("/").get_data(as_text=True)


def test_enter_in_a_text_box_triggers_a_harmless_update_first(client):
    html = client.get("/build/hip-pain").get_data(as_text=True)
    first_button = html.index("<button", html.index('class="builder"'))  # the form's, not the sign-out
    assert 'value="update"' in html[first_button:first_button + 80]


def test_a_value_in_an_input_the_exercise_does_not_use_cannot_block_printing(client, catalog):
    """Hidden inputs (minutes of a reps exercise) are not checked: nobody could see or fix the error."""
    form = builder_form(client, "hip-impingement")
    index = next(i for i in range(20) if catalog.exercises[form[f"exercises-{i}-exercise"]].dose_kind == "reps")
    form.update({f"exercises-{index}-minutes": "0", "action": "update"})
    response = client.post("/build/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please check the fields" not in html
    assert re.search(f'<input[^>]*name="exercises-{index}-minutes" type="hidden" value="0"', html)  # kept


def test_a_preview_renders_once_and_a_download_once_more_with_its_own_code(client, monkeypatch):
    """The preview shows where the code goes; the download prints its own code, so it renders its own
    copy, once: the same download again hands back the saved version."""
    import prescribe.handout as handout

    renders = []
    real_html_to_pdf = handout.html_to_pdf

    def counting(*args, **kwargs):
        renders.append(1)
        return real_html_to_pdf(*args, **kwargs)

    monkeypatch.setattr(handout, "html_to_pdf", counting)
    form = builder_form(client, "hip-impingement")
    preview = client.post("/build/", data={**form, "action": "preview"})
    again = client.post("/build/", data={**form, "action": "preview"})
    assert (preview.status_code, again.status_code) == (200, 200)
    assert again.data == preview.data and len(renders) == 1
    download = client.post("/build/", data={**form, "action": "download"})
    assert download.status_code == 200 and download.data != preview.data and len(renders) == 2
    assert client.post("/build/", data={**form, "action": "download"}).data == download.data
    assert len(renders) == 2
    changed = client.post("/build/", data={**form, "exercises-0-sets": "1", "action": "download"})
    assert changed.status_code == 200 and changed.data != download.data
    assert len(renders) == 3


def test_a_preview_one_app_server_drew_is_found_by_the_others(app, client, monkeypatch):
    """gunicorn spreads requests over processes: the preview one of them drew is found by the others."""
    from datetime import timedelta

    from sqlalchemy import update

    import prescribe.handout as handout
    from prescribe.handout import RenderCache
    from prescribe.models import RenderedPreview, utcnow
    from prescribe.storage import PREVIEW_TTL

    renders = []
    real_html_to_pdf = handout.html_to_pdf
    monkeypatch.setattr(handout, "html_to_pdf", lambda *a, **k: renders.append(1) or real_html_to_pdf(*a, **k))
    form = builder_form(client, "hip-pain")
    preview = client.post("/build/", data={**form, "action": "preview"})
    app.extensions["render_cache"] = RenderCache()  # another process: nothing in its memory
    elsewhere = client.post("/build/", data={**form, "action": "preview"})
    assert (preview.status_code, elsewhere.status_code) == (200, 200)
    assert elsewhere.data == preview.data and len(renders) == 1

    with app.app_context():  # a preview older than PREVIEW_TTL is rendered afresh
        db = get_session()
        db.execute(update(RenderedPreview).values(created_at=utcnow() - PREVIEW_TTL - timedelta(minutes=1)))
        db.commit()
    app.extensions["render_cache"] = RenderCache()
    again = client.post("/build/", data={**form, "action": "preview"})
    assert again.status_code == 200 and again.data == preview.data and len(renders) == 2


def test_a_download_is_kept_as_a_version_only_not_also_as_a_shared_preview(app, client):
    from sqlalchemy import func, select

    from prescribe.models import RenderedPreview

    form = builder_form(client, "hip-pain")
    assert client.post("/build/", data={**form, "action": "download"}).status_code == 200
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(RenderedPreview)) == 0
    assert client.post("/build/", data={**form, "patient_name": "Preview Only", "action": "preview"}).status_code == 200
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(RenderedPreview)) == 1


def test_a_note_past_its_limit_is_kept_whole_with_a_message_and_the_limit_shows_before_typing(client):
    """handout-review §7: the browser dropped 4,800 of 5,000 typed characters without a word."""
    page = client.get("/build/hip-pain").get_data(as_text=True)
    assert 'id="exercises-0-note-count"' in page and "Up to 200 characters" in page
    assert " maxlength=" not in page.split('name="exercises-0-note"')[0].rsplit("<textarea", 1)[1]
    form = builder_form(client, "hip-pain")
    long_note = "Slow and steady. " * 300  # 5,100 characters
    form.update({"exercises-0-note": long_note, "action": "download"})
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Keep the note under 200 characters." in html
    assert str(escape(long_note)) in html  # every character typed comes back


HX = {"HX-Request": "true", "HX-Target": "exercises"}


def test_a_row_action_from_the_page_script_answers_with_the_exercises_only_and_says_where_focus_goes(client):
    form = builder_form(client, "hip-impingement")
    response = client.post("/build/", data={**form, "action": "remove:1"}, headers=HX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith('<fieldset class="exercises" id="exercises"') and "<html" not in page
    reply = json.loads(response.headers["HX-Trigger-After-Settle"])["builder-changed"]
    assert reply == {"focus": "undo", "say": "Removed Clamshell. Undo puts it back."}
    assert form["exercises-1-exercise"] == "clamshell"
    # Undo brings the row back in its place with what was typed in it.
    undo_form = form_fields(page) | {k: v for k, v in form.items() if not k.startswith("exercises-")}
    undo_form["removed-note"] = "Slowly"
    back = client.post("/build/", data={**undo_form, "action": "undo"}, headers=HX)
    inputs = page_inputs(back.get_data(as_text=True))
    assert inputs["exercises-1-exercise"]["value"] == "clamshell"
    assert json.loads(back.headers["HX-Trigger-After-Settle"])["builder-changed"]["focus"] == "exercises-1-sets"


def test_swapping_for_the_easier_variant_keeps_the_place_and_the_note_and_takes_its_own_dose(client, catalog):
    form = builder_form(client, "hip-impingement")
    march = catalog.exercise("standing-march")
    easier = catalog.exercise(march.easier)
    page = client.post("/build/", data={**form, "exercises-0-note": "Hold the rail", "exercises-0-reps": "14",
                                        "action": f"swap:0:{easier.slug}"}).get_data(as_text=True)
    inputs = page_inputs(page)
    assert inputs["exercises-0-exercise"]["value"] == easier.slug
    assert inputs["exercises-0-reps"]["value"] == str(easier.dose.reps)
    assert "Hold the rail" in page
    assert inputs["exercises-1-exercise"]["value"] == form["exercises-1-exercise"]


def test_a_dragged_row_moves_to_its_new_place(client):
    form = builder_form(client, "hip-impingement")
    order = [form[f"exercises-{i}-exercise"] for i in range(7)]
    page = client.post("/build/", data={**form, "action": "move:5:0"}).get_data(as_text=True)
    inputs = page_inputs(page)
    assert [inputs[f"exercises-{i}-exercise"]["value"] for i in range(7)] == [order[5], *order[:5], order[6]]


def test_a_part_asked_for_after_the_session_ended_is_refused_without_a_sign_in_page(app, client):
    form = builder_form(client, "hip-impingement")
    client.post("/auth/logout", data={"csrf_token": form["csrf_token"]})
    response = client.post("/build/", data={**form, "action": "down:0"}, headers=HX)
    assert response.status_code == 401 and response.headers["HX-Reswap"] == "none"
    assert "Sign in" not in response.get_data(as_text=True)


def test_check_with_errors_lists_them_in_a_summary_linking_to_each_field(client):
    form = builder_form(client, "hip-impingement")
    response = client.post("/build/", data={**form, "exercises-2-sets": "25", "action": "update"},
                           headers={"HX-Request": "true", "HX-Target": "builder-body"})
    page = response.get_data(as_text=True)
    assert ('<a href="#exercises-2-sets">Exercise 3 (Side-lying leg raise with band), Sets: '
            'Enter a number from 1 to 10.</a>') in page
    assert json.loads(response.headers["HX-Trigger-After-Settle"])["builder-changed"]["focus"] == "error-summary"
