"""A clinic admin checks the Spanish beside its English and marks it checked: audited, for that clinic
only, for that exact text; the clinic's handouts printing only checked texts lose the draft line."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pdfplumber
from sqlalchemy import select

from prescribe.clinics import branding_for
from prescribe.db import get_session
from prescribe.handout import render_program
from prescribe.handout.view import printed_files
from prescribe.models import AuditEvent, Clinic, TranslationReview, User
from prescribe.programs import default_program
from prescribe.translation_reviews import mark_reviewed, text_statuses

from .conftest import csrf_token

DRAFT_ES = "Traducción aún no revisada por un profesional clínico."
FILE = "exercises/clamshell.toml"


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return " ".join(" ".join((page.extract_text() or "") for page in document.pages).split())


def test_an_admin_reads_the_spanish_beside_the_english_and_marks_it_checked(app, admin_client):
    listing = admin_client.get("/clinic/translations/").get_data(as_text=True)
    assert FILE in listing and ">Clamshell</a>" in listing and "Draft" in listing
    page = admin_client.get(f"/clinic/translations/{FILE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Makes the muscles on the side of your hip stronger." in html  # the English
    assert "Hace más fuertes los músculos del costado de la cadera." in html  # beside its Spanish
    refused = admin_client.post(f"/clinic/translations/{FILE}", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 422
    assert "Tick the box to say you read the Spanish against the English." in refused.get_data(as_text=True)
    done = admin_client.post(f"/clinic/translations/{FILE}", data={"csrf_token": csrf_token(html), "confirm": "y"})
    assert done.status_code == 302 and "/clinic/translations/" in done.headers["Location"]
    again = admin_client.get(f"/clinic/translations/{FILE}").get_data(as_text=True)
    assert "Checked by" in again and "Mark as checked" not in again
    unchecked = admin_client.get("/clinic/translations/?show=unchecked").get_data(as_text=True)
    assert FILE not in unchecked and "illustrations/clamshell.toml" in unchecked  # its picture is a text of its own
    with app.app_context():
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "translation_review")).all()
        assert [e.detail for e in events] == [f"es {FILE}"]


def test_only_admins_see_the_page_and_an_unknown_file_is_not_found(client, admin_client):
    assert client.get("/clinic/translations/").status_code == 404
    assert client.get(f"/clinic/translations/{FILE}").status_code == 404
    assert admin_client.get("/clinic/translations/exercises/nothing.toml").status_code == 404
    assert admin_client.get("/clinic/translations/../../etc/passwd").status_code == 404


def test_checked_texts_drop_the_draft_line_for_that_clinic_only(app, clinics):
    catalog = app.extensions["catalog"]
    ours, theirs = clinics["A"], clinics["B"]
    program = replace(default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 12, 6),
                                      language="es"), patient_name="Ana")
    with app.app_context():
        session = get_session()
        reviewer = session.get(Clinic, ours.id).users[0]
        for file in printed_files(program, catalog):
            if catalog.translation("es", file) is not None:
                mark_reviewed(session, ours.id, reviewer, catalog, "es", file)
        session.commit()
        ours_branding = branding_for(session.get(Clinic, ours.id))
        theirs_branding = branding_for(session.get(Clinic, theirs.id))
    assert DRAFT_ES not in _text(render_program(program, catalog, ours_branding).pdf)
    assert DRAFT_ES in _text(render_program(program, catalog, theirs_branding).pdf)


def test_a_changed_text_needs_a_new_review(app, clinics):
    catalog = app.extensions["catalog"]
    with app.app_context():
        session = get_session()
        clinic = session.get(Clinic, clinics["A"].id)
        mark_reviewed(session, clinic.id, clinic.users[0], catalog, "es", FILE)
        session.commit()
        assert next(t for t in text_statuses(session, clinic.id, catalog, "es", (FILE,))).checked
        translation = catalog.translation("es", FILE)
        changed = replace(translation, fields={**translation.fields, "purpose": "Otra cosa."})
        edited = replace(catalog, translations={"es": {**catalog.translations["es"], FILE: changed}})
        assert not next(t for t in text_statuses(session, clinic.id, edited, "es", (FILE,))).checked
        assert edited.unchecked("es", (FILE,), branding_for(clinic).reviewed_translations) == [FILE]
        assert catalog.unchecked("es", (FILE,), branding_for(clinic).reviewed_translations) == []
        assert len(session.scalars(select(TranslationReview)).all()) == 1


def test_the_builder_drops_its_draft_note_once_the_clinic_checked_every_printed_text(app, client, default_therapist):
    from .conftest import form_fields

    form = form_fields(client.get("/build/hip-pain").get_data(as_text=True))
    form.update(language="es", action="update")
    assert "Translation not yet checked by a clinician." in client.post("/build/", data=form).get_data(as_text=True)
    catalog = app.extensions["catalog"]
    with app.app_context():
        session = get_session()
        user = session.get(User, default_therapist.id)
        files = set(catalog.handout_files(catalog.diagnoses["hip-pain"]))
        for file in catalog.translations["es"]:
            if file in files or file.split("/", 1)[0] in ("exercises", "illustrations"):
                mark_reviewed(session, user.clinic_id, user, catalog, "es", file)
        session.commit()
    assert "Translation not yet checked by a clinician." not in client.post("/build/", data=form).get_data(as_text=True)
