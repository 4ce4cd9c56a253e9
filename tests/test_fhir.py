"""FHIR R4 export of every stored handout version (issue 20): a valid bundle carrying the exact PDF."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select, update

from prescribe.catalog.model import IcdCode
from prescribe.db import get_session
from prescribe.fhir import icd10_for_side
from prescribe.models import AuditEvent, Clinic, HandoutVersion
from prescribe.programs import dose_in_words
from prescribe.storage import program_of

from .conftest import CANARY, builder_form

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def _print(client, diagnosis: str = "hip-impingement", **fields) -> bytes:
    form = builder_form(client, diagnosis)
    form.update(action="download", **fields)
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    return response.data


def _export(client, handout_id: int = 1, number: int = 1):
    response = client.get(f"/handouts/{handout_id}/versions/{number}.fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    return response


def _resources(bundle: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def _valid(data: bytes) -> dict:
    """The bundle, validated as R4B by fhir.resources: the bundle and each resource on its own."""
    bundle = json.loads(data)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return bundle


def test_a_printed_version_exports_as_a_valid_bundle_with_its_exact_pdf_condition_and_exercises(app, client, catalog):
    _print(client, patient_name="Ann Example", patient_reference="R-123", affected_side="left")
    response = _export(client)
    assert "filename=hip-impingement-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"  # a patient's record, like the PDF
    bundle = _valid(response.data)
    assert bundle["type"] == "collection"
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])

    pdf = client.get("/handouts/1/versions/1.pdf").data
    (document,) = _resources(bundle, "DocumentReference")
    attachment = document["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == pdf
    assert attachment["contentType"] == "application/pdf" and attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    fhir_name = attachment["title"].removesuffix(".pdf") + ".fhir.json"
    assert response.headers["Content-Disposition"].endswith(f"filename={fhir_name}")
    assert hashlib.sha256(pdf).hexdigest() in document["description"]

    (condition,) = _resources(bundle, "Condition")
    codes = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    listed = {icd.code: icd.label for icd in catalog.diagnoses["hip-impingement"].icd10}
    left = {(ICD10CM, code) for code, label in listed.items() if "left hip" in label}
    assert left and codes == left  # the printed side's codes: not "left hip" and "right hip" at once

    with app.app_context():
        program = program_of(get_session().scalar(select(HandoutVersion)))
    requests = _resources(bundle, "ServiceRequest")
    assert len(requests) == len(program.items) > 0
    for request, item in zip(requests, program.items, strict=True):
        exercise = catalog.exercises[item.exercise]
        assert request["code"]["text"] == exercise.name
        side = item.side if exercise.per_side else ""
        assert request["patientInstruction"].startswith(" ".join(dose_in_words(item.dose, side, program.start_gently)))
        assert request["occurrenceTiming"]["repeat"]["frequency"] >= item.dose.times_per_day

    (patient,) = _resources(bundle, "Patient")
    assert patient["name"] == [{"text": "Ann Example"}]
    assert patient["identifier"][0]["value"] == "R-123"
    (organization,) = _resources(bundle, "Organization")
    with app.app_context():
        clinic = get_session().scalar(select(Clinic))
        assert organization["name"] == clinic.name

    assert _export(client).data == response.data  # the same version, the same bytes


def test_the_handout_page_links_each_version_to_its_bundle(client):
    _print(client, "hip-pain")
    page = client.get("/handouts/1").get_data(as_text=True)
    assert re.search(r'href="/handouts/1/versions/1\.fhir\.json"[^>]*>FHIR \(JSON\)</a>', page)


def test_a_zero_phi_clinic_exports_no_patient_and_no_name(app, client, default_therapist):
    with app.app_context():
        db = get_session()
        db.execute(update(Clinic).where(Clinic.id == default_therapist.clinic_id).values(zero_phi=True))
        db.commit()
    _print(client, "hip-pain", patient_name=CANARY, patient_reference="Z-77")
    data = _export(client).data
    bundle = _valid(data)
    assert _resources(bundle, "Patient") == []
    assert "Zqxcanary" not in data.decode()
    (condition,) = _resources(bundle, "Condition")
    assert condition["subject"]["identifier"]["value"] == "Z-77"


def test_another_clinic_gets_404_and_the_export_is_audited(app, clinics, client_for):
    a, b = clinics["A"], clinics["B"]
    url = f"/handouts/{a.handout_id}/versions/{a.version_number}.fhir.json"
    assert client_for(b.therapist).get(url).status_code == 404
    own = client_for(a.therapist).get(url)
    assert own.status_code == 200
    bundle = _valid(own.data)
    (document,) = _resources(bundle, "DocumentReference")
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == a.pdf
    with app.app_context():
        events = list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == "handout_fhir_export")))
    assert [(e.clinic_id, e.user_id, e.object_id, e.detail) for e in events] == [
        (a.id, a.therapist.id, a.handout_id, "version 1")]


def test_the_condition_keeps_the_codes_of_the_printed_side():
    codes = (IcdCode("M16.11", "Unilateral primary osteoarthritis, right hip"),
             IcdCode("M16.12", "Unilateral primary osteoarthritis, left hip"),
             IcdCode("M16.10", "Unilateral primary osteoarthritis, unspecified hip"))
    assert [c.code for c in icd10_for_side(codes, "right")] == ["M16.11"]
    assert [c.code for c in icd10_for_side(codes, "")] == ["M16.10"]
    assert icd10_for_side(codes, "both") == codes  # no bilateral code listed: all of them, not none
