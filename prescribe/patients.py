"""Patients: a clinic's record of whom it gave handouts, holding only what a handout prints.

A patient row has a display name, an optional reference number (the clinic's own) and an
optional affected side, and belongs to one clinic. In a zero-PHI clinic no name is ever stored:
patients are found by reference number only, and the name is typed at print time.

Services take a session and plain values and never commit: the calling view or command does.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .models import Clinic, Handout, Patient, utcnow

SEARCH_LIMIT = 50


def _like(query: str) -> str:
    """A LIKE pattern matching ``query`` anywhere, its own % and _ taken literally."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_patients(session: Session, clinic: Clinic, query: str = "", limit: int = SEARCH_LIMIT) -> list[Patient]:
    """The clinic's patients whose name or reference contains ``query`` (any case), latest first."""
    return list(session.scalars(select(Patient).where(_matching(clinic, query))
                                .order_by(Patient.updated_at.desc(), Patient.id.desc()).limit(limit)))


def _matching(clinic: Clinic, query: str):
    matching = Patient.clinic_id == clinic.id
    query = query.strip()
    if query:
        pattern = _like(query)
        matching = matching & or_(Patient.display_name.ilike(pattern, escape="\\"),
                                  Patient.reference.ilike(pattern, escape="\\"))
    return matching


def page_of_patients(session: Session, clinic: Clinic, query: str, *, offset: int,
                     limit: int) -> tuple[list[Patient], int]:
    """One page of :func:`search_patients` (``limit`` from ``offset``) and how many match in all."""
    matching = _matching(clinic, query)
    total = session.scalar(select(func.count()).select_from(Patient).where(matching)) or 0
    rows = session.scalars(select(Patient).where(matching).order_by(Patient.updated_at.desc(), Patient.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total


def get_patient(session: Session, clinic: Clinic, patient_id: int) -> Patient | None:
    """The clinic's patient with this id, or None (also for another clinic's patient)."""
    return session.scalar(select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic.id))


def patient_handouts(session: Session, clinic: Clinic, patient: Patient) -> list[Handout]:
    """The patient's handouts, the most recently printed first."""
    return list(session.scalars(
        select(Handout).where(Handout.clinic_id == clinic.id, Handout.patient_id == patient.id)
        .order_by(Handout.updated_at.desc(), Handout.id.desc())))


def create_patient(session: Session, clinic: Clinic, display_name: str = "", reference: str = "",
                   affected_side: str = "") -> Patient:
    """A new patient of ``clinic`` (the name is dropped in a zero-PHI clinic)."""
    patient = Patient(clinic_id=clinic.id)
    update_patient(clinic, patient, display_name, reference, affected_side)
    session.add(patient)
    session.flush()
    return patient


def update_patient(clinic: Clinic, patient: Patient, display_name: str, reference: str,
                   affected_side: str) -> None:
    """Set the patient's details as last printed or edited (no name in a zero-PHI clinic)."""
    patient.display_name = "" if clinic.zero_phi else display_name.strip()[:80]
    patient.reference = reference.strip()[:40]
    patient.affected_side = affected_side
    patient.updated_at = utcnow()


def patient_for_print(session: Session, clinic: Clinic, patient_id: int | None, display_name: str,
                      reference: str, affected_side: str, language: str = "") -> Patient | None:
    """The patient a handout is printed for: the linked one, updated to what is printed, or a new one.

    A handout printed with neither a name nor a reference (nor a linked patient) belongs to no
    patient; neither does one printed with only a name in a zero-PHI clinic, which stores none.
    """
    patient = _for_print(session, clinic, patient_id, display_name, reference, affected_side)
    if patient is not None and language:
        patient.language = language  # the builder opens in it next time
    return patient


def _for_print(session: Session, clinic: Clinic, patient_id: int | None, display_name: str,
               reference: str, affected_side: str) -> Patient | None:
    patient = get_patient(session, clinic, patient_id) if patient_id else None
    if patient is not None:
        # A detail left blank on this handout keeps the record's value (the name may simply not
        # be printed this time); a typed one replaces it.
        update_patient(clinic, patient, display_name or patient.display_name, reference or patient.reference,
                       affected_side or patient.affected_side)
        return patient
    if reference.strip() or (display_name.strip() and not clinic.zero_phi):
        return create_patient(session, clinic, display_name, reference, affected_side)
    return None
