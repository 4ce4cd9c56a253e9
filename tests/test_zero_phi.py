"""Zero-PHI mode: the patient's name is typed at print time, printed, and never stored or logged."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select, update

from prescribe.db import Base, get_session
from prescribe.models import Clinic, HandoutVersion, RenderedPreview

from .conftest import CANARY, builder_form, form_fields
from .pdf_helpers import page_texts


def _zero_phi(app, clinic_id: int) -> None:
    with app.app_context():
        db = get_session()
        db.execute(update(Clinic).where(Clinic.id == clinic_id).values(zero_phi=True))
        db.commit()


def _everything_stored(app) -> str:
    """Every value of every table, and the text of every stored PDF."""
    with app.app_context():
        db = get_session()
        rows = [repr(row) for table in Base.metadata.sorted_tables for row in db.execute(table.select()).all()]
        pdfs = [" ".join(page_texts(v.pdf)) for v in db.scalars(select(HandoutVersion))]
        pdfs += [" ".join(page_texts(p.pdf)) for p in db.scalars(select(RenderedPreview))]
    return "\n".join(rows + pdfs)


def test_the_name_is_printed_but_never_stored_or_logged(app, client, default_therapist, caplog):
    caplog.set_level(logging.DEBUG)
    for chatty in ("fontTools", "pdfminer"):  # font subsetting, and the test's own PDF reading: 30 s of records
        caplog.set_level(logging.INFO, logger=chatty)
    _zero_phi(app, default_therapist.clinic_id)
    form = builder_form(client, "hip-pain")
    form.update(patient_name=CANARY, patient_reference="Z-77", action="preview")
    assert CANARY in " ".join(page_texts(client.post("/build/", data=form).data))  # kept in memory only
    form["action"] = "download"
    handed_over = client.post("/build/", data=form)
    assert handed_over.status_code == 200
    assert CANARY in " ".join(page_texts(handed_over.data))  # the patient's copy has the name
    stored = _everything_stored(app)
    assert "Zqxcanary" not in stored and "Z-77" in stored  # the reference is kept, the name is not
    assert "Zqxcanary" not in caplog.text
    reprint = client.get("/handouts/1/versions/1.pdf")
    assert reprint.status_code == 200 and "Zqxcanary" not in " ".join(page_texts(reprint.data))
    progress = form_fields(client.get("/build/from/1").get_data(as_text=True))
    assert progress["patient_name"] == "" and progress["patient_reference"] == "Z-77"
    assert "never saved (zero-PHI mode)" in client.get("/build/hip-pain").get_data(as_text=True)


def test_a_name_alone_makes_no_patient_record(app, client, default_therapist):
    _zero_phi(app, default_therapist.clinic_id)
    form = builder_form(client, "hip-pain")
    form.update(patient_name=CANARY, action="download")
    assert client.post("/build/", data=form).status_code == 200
    assert re.findall(r'href="/patients/(\d+)"', client.get("/patients/").get_data(as_text=True)) == []
    assert "Zqxcanary" not in _everything_stored(app)
