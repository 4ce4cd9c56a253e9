"""One stored handout version as a FHIR R4 Bundle, for a clinic's electronic record (issue 20).

The bundle is a ``collection``, not a ``document``: a FHIR document is attested by a Composition
whose narrative *is* the document, and what was attested here is the printed PDF itself. So the
PDF travels unchanged in a DocumentReference, beside the structured resources it was made from,
and nothing claims to be a second rendering of it.

Each exercise is a ``ServiceRequest``, as HL7's Physical Activity IG (STU1) models an exercise
prescription: category ``PhysicalActivity`` from the IG's code system, code SNOMED CT 229065009
"Exercise therapy", the exercise's name as the code's text (no standard code exists for
"Clamshell"), the dose as the patient reads it in ``patientInstruction`` (the wording layer's
words, never re-phrased here), how often in ``occurrenceTiming`` and the amount in
``quantityRatio`` (repetitions per set) or ``repeat.duration`` (minutes); sets, holds and rest have
no FHIR element, so they go in ``orderDetail`` as the therapist-facing summary text. Status
``active``, intent ``order``: what was prescribed when the version was printed (a later version
does not change an earlier one's export). A CarePlan with activities would add a layer the IG keeps
for goals and plans, and its R4 activity detail has no ``patientInstruction``.

Also: the ``Condition`` with the diagnosis's ICD-10-CM codes (those for the printed side), the
clinic as the ``Organization``, and a minimal ``Patient`` (reference number, printed name). A
zero-PHI clinic's bundle has no Patient and no name: resources point at the patient by the
clinic's reference number alone.

Every ``fullUrl`` is a ``urn:uuid`` derived from the version, and ``timestamp`` is when the version
was printed: the same version always exports the same bundle, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import datetime
from typing import Any

from .catalog import Catalog, Dose
from .catalog.model import IcdCode
from .models import Clinic, HandoutVersion
from .programs import Program, dose_in_words, dose_summary, frequency_phrase, side_line
from .storage import program_of

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
PA_CODES = "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
RFC3986 = "urn:ietf:rfc:3986"
# Fixed for Prescribe: with the version's id and PDF digest it names every resource of a bundle.
NAMESPACE = uuid.UUID("8f0c5e0a-3d1b-5b7e-9a54-2f6b1c7d9e31")

JSON = dict[str, Any]


def version_bundle(clinic: Clinic, version: HandoutVersion, catalog: Catalog) -> JSON:
    """The FHIR R4 ``collection`` Bundle of ``version`` (of one of ``clinic``'s handouts), as plain JSON data."""
    program = program_of(version)
    urls = _Urls(version)
    printed = _instant(version.created_at)
    patient = _patient(clinic, program, urls)
    subject = _subject(clinic, program, urls)
    organization = {"reference": urls.url("organization")}
    condition = _condition(version, program, catalog, subject, urls)
    requests = [_service_request(program, number, catalog, subject, organization, printed, urls)
                for number in range(len(program.items))]
    document = _document_reference(version, subject, organization, printed,
                                   [{"reference": urls.url("exercise", n)} for n in range(len(requests))], urls)
    resources = [_organization(clinic, urls), *([patient] if patient else []), condition, *requests, document]
    return {
        "resourceType": "Bundle",
        "id": urls.id("bundle"),
        "identifier": {"system": RFC3986, "value": urls.url("bundle")},
        "type": "collection",
        "timestamp": printed,
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
    }


class _Urls:
    """Stable ``urn:uuid`` names for the resources of one version's bundle."""

    def __init__(self, version: HandoutVersion):
        self.base = f"handout-version/{version.id}/{version.pdf_sha256}"

    def id(self, kind: str, number: int | None = None) -> str:
        name = f"{self.base}/{kind}" + ("" if number is None else f"/{number}")
        return str(uuid.uuid5(NAMESPACE, name))

    def url(self, kind: str, number: int | None = None) -> str:
        return f"urn:uuid:{self.id(kind, number)}"


def _instant(moment: datetime) -> str:
    """A stored (naive UTC) time as a FHIR instant."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def _organization(clinic: Clinic, urls: _Urls) -> JSON:
    resource: JSON = {"resourceType": "Organization", "id": urls.id("organization"), "name": clinic.name}
    telecom = [*([{"system": "phone", "value": clinic.phone}] if clinic.phone else []),
               *([{"system": "url", "value": clinic.website}] if clinic.website else [])]
    if telecom:
        resource["telecom"] = telecom
    if clinic.address:
        resource["address"] = [{"text": clinic.address}]
    return resource


def _identifier(program: Program, urls: _Urls) -> JSON | None:
    """The clinic's own number for the patient, if the handout printed one."""
    if not program.patient_reference:
        return None
    return {"type": {"text": "Clinic's patient reference number"}, "value": program.patient_reference,
            "assigner": {"reference": urls.url("organization")}}


def _patient(clinic: Clinic, program: Program, urls: _Urls) -> JSON | None:
    """A minimal Patient: the reference number and the printed name; none at all in a zero-PHI clinic."""
    if clinic.zero_phi:
        return None
    resource: JSON = {"resourceType": "Patient", "id": urls.id("patient")}
    identifier = _identifier(program, urls)
    if identifier:
        resource["identifier"] = [identifier]
    if program.patient_name:
        resource["name"] = [{"text": program.patient_name}]
    resource["managingOrganization"] = {"reference": urls.url("organization")}
    return resource


def _subject(clinic: Clinic, program: Program, urls: _Urls) -> JSON:
    """Who the resources are about: the Patient entry, or (zero-PHI) the reference number alone."""
    if not clinic.zero_phi:
        return {"reference": urls.url("patient")}
    identifier = _identifier(program, urls)
    if identifier:
        return {"identifier": identifier}
    return {"display": "Patient not identified (this clinic keeps no patient details)"}


def _condition(version: HandoutVersion, program: Program, catalog: Catalog, subject: JSON, urls: _Urls) -> JSON:
    diagnosis = catalog.diagnoses.get(program.diagnosis)
    code: JSON = {"text": diagnosis.name if diagnosis else version.handout.diagnosis_name}
    if diagnosis and diagnosis.icd10:
        code = {"coding": [{"system": ICD10CM, "code": icd.code, "display": icd.label}
                           for icd in icd10_for_side(diagnosis.icd10, program.affected_side)], **code}
    return {
        "resourceType": "Condition",
        "id": urls.id("condition"),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "code": code,
        "subject": subject,
        "recordedDate": program.handout_date.isoformat(),
    }


def icd10_for_side(codes: tuple[IcdCode, ...], affected_side: str) -> tuple[IcdCode, ...]:
    """The diagnosis's ICD-10-CM codes that fit the printed side: those whose title names it ("left",
    "right", "bilateral"), else (no side printed) the "unspecified" ones; all of them where none fit.

    The catalog lists every code a diagnosis may be billed as; a Condition's codings should not say
    "left hip" and "right hip" at once. The clinic's record still picks the one code it bills.
    """
    word = {"left": "left", "right": "right", "both": "bilateral"}.get(affected_side, "unspecified")
    fitting = tuple(icd for icd in codes if re.search(rf"\b{word}\b", icd.label, re.IGNORECASE))
    return fitting or codes


def _service_request(program: Program, number: int, catalog: Catalog, subject: JSON, organization: JSON,
                     printed: str, urls: _Urls) -> JSON:
    """One exercise as the Physical Activity IG's exercise prescription."""
    item = program.items[number]
    exercise = catalog.exercises.get(item.exercise)
    name = exercise.name if exercise else item.exercise
    side = item.side if exercise and exercise.per_side else ""
    words = dose_in_words(item.dose, side, program.start_gently, limb=exercise.limb if exercise else "leg")
    sides = side_line(exercise, side) if exercise else ""
    resource: JSON = {
        "resourceType": "ServiceRequest",
        "id": urls.id("exercise", number),
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": PA_CODES, "code": "PhysicalActivity", "display": "Physical Activity"}]}],
        "code": {"coding": [{"system": SNOMED, "code": "229065009", "display": "Exercise therapy (regime/therapy)"}],
                 "text": name},
        "orderDetail": [{"text": dose_summary(item.dose)}],
        **_quantity(item.dose),
        "subject": subject,
        "occurrenceTiming": _timing(item.dose),
        "authoredOn": printed,
        "requester": organization,
        "reasonReference": [{"reference": urls.url("condition")}],
        "patientInstruction": " ".join([*words, *([sides] if sides else [])]),
    }
    if item.note:
        resource["note"] = [{"text": item.note}]
    return resource


def _quantity(dose: Dose) -> JSON:
    """Repetitions per set, where the dose counts repetitions (FHIR has no element for sets or holds)."""
    if dose.minutes is not None or dose.reps is None:
        return {}
    return {"quantityRatio": {"numerator": {"value": dose.reps, "unit": "repetitions"},
                              "denominator": {"value": 1, "unit": "set"}}}


def _timing(dose: Dose) -> JSON:
    """How often: sessions a day when every day, else sessions a week; the words as the timing's text."""
    repeat: JSON = ({"frequency": dose.times_per_day, "period": 1, "periodUnit": "d"} if dose.days_per_week == 7
                    else {"frequency": dose.times_per_day * dose.days_per_week, "period": 1, "periodUnit": "wk"})
    if dose.minutes is not None:
        repeat = {"duration": dose.minutes, "durationUnit": "min", **repeat}
    return {"repeat": repeat, "code": {"text": frequency_phrase(dose)}}


def _document_reference(version: HandoutVersion, subject: JSON, organization: JSON, printed: str,
                        related: list[JSON], urls: _Urls) -> JSON:
    """The exact stored PDF. FHIR R4's Attachment.hash is the SHA-1 (base64); the SHA-256 Prescribe
    keeps (and shows on the handout's page) is an identifier and in the description."""
    return {
        "resourceType": "DocumentReference",
        "id": urls.id("document"),
        "masterIdentifier": {"system": RFC3986, "value": urls.url("document")},
        "identifier": [{"type": {"text": "SHA-256 of the PDF (hex)"}, "value": version.pdf_sha256}],
        "status": "current",
        "docStatus": "final",
        "type": {"text": "Home exercise program handout"},
        "subject": subject,
        "date": printed,
        "author": [organization],
        "description": (f"Home exercise program handout, version {version.number}, {version.page_count} pages. "
                        f"SHA-256 of the PDF: {version.pdf_sha256}"),
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "language": "en",
            "data": base64.b64encode(version.pdf).decode("ascii"),
            "size": len(version.pdf),
            "hash": base64.b64encode(hashlib.sha1(version.pdf, usedforsecurity=False).digest()).decode("ascii"),
            "title": version.filename,
            "creation": printed,
        }}],
        "context": {"related": related},
    }
