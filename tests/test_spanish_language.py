"""The handout's language: chosen per handout (English, Spanish or bilingual), offered only where the
diagnosis is ready in Spanish, defaulted from the clinic and remembered per patient; the API the same."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from prescribe.catalog.model import Translation
from prescribe.db import get_session
from prescribe.models import Clinic, Patient
from prescribe.programs import SPANISH_NOT_READY, Program, default_program, handout_languages

from .conftest import default_clinic_id, form_fields
from .test_api import API, bearer, token_for


def spanish_ready(catalog, *slugs: str):
    """``catalog`` with a (content-free) Spanish table for every file the diagnoses' handouts print."""
    files = {file for slug in slugs for file in catalog.handout_files(catalog.diagnoses[slug])}
    return replace(catalog, translations={"es": {file: Translation(file, "es", "draft", "test", {})
                                                 for file in files}})


def _select_block(html: str, field_id: str) -> str:
    start = html.index(f'id="{field_id}"')
    return html[html.rfind("<div", 0, start):html.find("</div>", start)]


def _options(block: str) -> list[str]:
    return re.findall(r'<option[^>]*value="([^"]*)"', block)


# --- The program --------------------------------------------------------------------------------

def test_the_language_is_stored_with_the_program_and_old_programs_read_as_english(catalog):
    program = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 12, 1))
    assert program.language == "en" and "language" not in program.as_dict()  # stored forms unchanged
    spanish = replace(program, language="en-es")
    assert spanish.as_dict()["language"] == "en-es"
    assert Program.from_dict(json.loads(json.dumps(spanish.as_dict()))) == spanish
    old = program.as_dict()
    assert Program.from_dict(old).language == "en"


def test_spanish_is_offered_only_when_every_printed_file_has_it(catalog):
    diagnosis = catalog.diagnoses["hip-pain"]
    files = catalog.handout_files(diagnosis)
    assert "handout.toml" in files and "diagnoses/hip-pain.toml" in files
    assert all(f"exercises/{entry.exercise}.toml" in files for entry in diagnosis.program)
    assert any(file.startswith("advice_pictures/") for file in files)
    assert handout_languages(replace(catalog, translations={}), "hip-pain") == ("en",)
    ready = spanish_ready(catalog, "hip-pain")
    assert handout_languages(ready, "hip-pain") == ("en", "es", "en-es")
    missing_one = {file: t for file, t in ready.translations["es"].items() if file != files[-1]}
    assert handout_languages(replace(catalog, translations={"es": missing_one}), "hip-pain") == ("en",)
    assert handout_languages(ready, "no-such-diagnosis") == ("en",)


def test_after_surgery_the_surgery_and_region_texts_must_be_ready_too(catalog):
    slug = next(slug for slug, d in catalog.diagnoses.items() if d.surgery)
    files = catalog.handout_files(catalog.diagnoses[slug])
    assert "surgery.toml" in files and "regions.toml" in files


def test_a_default_program_takes_the_clinic_language_only_where_it_is_ready(catalog):
    diagnosis = catalog.diagnoses["hip-pain"]
    assert default_program(diagnosis, replace(catalog, translations={}), language="es").language == "en"
    assert default_program(diagnosis, spanish_ready(catalog, "hip-pain"), language="es").language == "es"


# --- The builder ----------------------------------------------------------------------------------

def test_a_diagnosis_not_ready_offers_english_only_and_says_why(app, client):
    app.extensions["catalog"] = replace(app.extensions["catalog"], translations={})
    block = _select_block(client.get("/build/hip-pain").get_data(as_text=True), "language")
    assert '<label for="language">Handout language</label>' in block
    assert _options(block) == ["en"]
    assert SPANISH_NOT_READY in block


def test_a_ready_diagnosis_offers_spanish_and_bilingual_and_prints_the_choice(app, client):
    app.extensions["catalog"] = spanish_ready(app.extensions["catalog"], "hip-pain")
    html = client.get("/build/hip-pain").get_data(as_text=True)
    block = _select_block(html, "language")
    assert _options(block) == ["en", "es", "en-es"] and SPANISH_NOT_READY not in block
    form = form_fields(html)
    assert form["language"] == "en"
    form.update(language="en-es", action="update")
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    assert form_fields(response.get_data(as_text=True))["language"] == "en-es"


def test_spanish_posted_for_a_diagnosis_not_ready_is_refused_beside_the_field(app, client):
    app.extensions["catalog"] = replace(app.extensions["catalog"], translations={})
    form = form_fields(client.get("/build/hip-pain").get_data(as_text=True))
    form.update(language="es", action="preview")
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert SPANISH_NOT_READY in _select_block(response.get_data(as_text=True), "language")


def test_the_clinic_default_language_is_a_setting_and_opens_new_handouts(app, admin_client):
    app.extensions["catalog"] = spanish_ready(app.extensions["catalog"], "hip-pain")
    form = form_fields(admin_client.get("/clinic/settings").get_data(as_text=True))
    assert form["default_language"] == "en"
    form.update(default_language="es")
    response = admin_client.post("/clinic/settings", data=form, follow_redirects=True)
    assert "Clinic settings saved" in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(Clinic, default_clinic_id(app)).default_language == "es"
    assert form_fields(admin_client.get("/build/hip-pain").get_data(as_text=True))["language"] == "es"
    # a diagnosis not ready opens in English whatever the clinic's default
    other = next(slug for slug in app.extensions["catalog"].diagnoses if slug != "hip-pain")
    assert form_fields(admin_client.get(f"/build/{other}").get_data(as_text=True))["language"] == "en"
    bad = {**form, "default_language": "fr"}
    assert admin_client.post("/clinic/settings", data=bad).status_code == 422


def test_the_patient_language_is_remembered_when_printed_and_opens_their_next_handout(app, client):
    app.extensions["catalog"] = spanish_ready(app.extensions["catalog"], "hip-pain")
    form = form_fields(client.get("/build/hip-pain").get_data(as_text=True))
    form.update(language="en-es", patient_reference="MRN-ES-1", action="download")
    response = client.post("/build/", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with app.app_context():
        patient = get_session().scalar(select(Patient).where(Patient.reference == "MRN-ES-1"))
        assert patient is not None and patient.language == "en-es"
        patient_id = patient.id
    opened = form_fields(client.get(f"/build/hip-pain?patient={patient_id}").get_data(as_text=True))
    assert opened["language"] == "en-es"
    # where the diagnosis is not ready, the remembered language falls back to English
    app.extensions["catalog"] = replace(app.extensions["catalog"], translations={})
    opened = form_fields(client.get(f"/build/hip-pain?patient={patient_id}").get_data(as_text=True))
    assert opened["language"] == "en"


# --- The API --------------------------------------------------------------------------------------

def test_the_api_carries_the_language_and_answers_422_where_spanish_is_not_ready(app, default_therapist):
    api, headers = app.test_client(), bearer(token_for(app, default_therapist, "read-write"))
    app.extensions["catalog"] = replace(app.extensions["catalog"], translations={})
    built = api.post(f"{API}/programs/build", json={"diagnosis": "hip-pain"}, headers=headers).json
    assert built["program"]["language"] == "en"
    program = {**built["program"], "language": "es"}
    answer = api.post(f"{API}/programs/preview", json=program, headers=headers)
    assert answer.status_code == 422
    assert {"field": "json.language", "message": SPANISH_NOT_READY} in [
        {"field": e["field"], "message": e["message"]} for e in answer.json["errors"]]
    app.extensions["catalog"] = spanish_ready(app.extensions["catalog"], "hip-pain")
    checked = api.post(f"{API}/programs/check", json=program, headers=headers).json
    assert checked["valid"] and checked["program"]["language"] == "es"


def test_an_exercise_added_without_spanish_stops_a_spanish_handout_and_says_which(app, client):
    catalog = app.extensions["catalog"]
    app.extensions["catalog"] = spanish_ready(catalog, "hip-pain")
    form = form_fields(client.get("/build/hip-pain").get_data(as_text=True))
    form.update(language="es", action="update")
    assert client.post("/build/", data=form).status_code == 200
    other = next(e for slug, e in catalog.exercises.items()
                 if slug not in {entry.exercise for entry in catalog.diagnoses["hip-pain"].program})
    form.update({"exercises-0-exercise": other.slug, "action": "preview"})
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    assert f"Not ready in Spanish yet: {other.name}." in _select_block(response.get_data(as_text=True), "language")
