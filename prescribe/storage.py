"""Saved handouts: every printed version is kept with its exact PDF bytes, never changed.

Also the previews of the last minutes, shared by every app server, so a Download that follows a
Preview hands back the bytes already rendered, whichever server it reaches.

Functions take a session and plain values and never commit: :mod:`prescribe.handouts` does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .audit import ALL_CLINICS
from .handout import RenderedPdf
from .models import Clinic, Handout, HandoutVersion, Patient, RenderedPreview, utcnow
from .programs import Program


def handout_filename(program: Program) -> str:
    """``hip-impingement-2026-11-21.pdf``: the diagnosis and date, never the patient's name."""
    return f"{program.diagnosis}-{program.handout_date.isoformat()}.pdf"


def stored_program(clinic: Clinic, program: Program) -> Program:
    """The program as the database keeps it: in a zero-PHI clinic, without the patient's name."""
    return replace(program, patient_name="") if clinic.zero_phi else program


def save_version(session: Session, clinic: Clinic, program: Program, diagnosis_name: str,
                 rendered: RenderedPdf, handout: Handout | None = None,
                 patient: Patient | None = None) -> HandoutVersion:
    """Store a printed program as a new version (of ``handout``, or of a new handout); the caller commits.

    ``rendered`` must be ``program`` as printed; a version is never changed afterwards. The caller
    logs the print in the same transaction, so a version never exists without its audit row.
    """
    if clinic.zero_phi and program.patient_name:
        raise ValueError("A zero-PHI clinic stores no patient names: save stored_program(clinic, program).")
    if handout is None:
        handout = Handout(clinic_id=clinic.id, diagnosis_slug=program.diagnosis,
                          diagnosis_name=diagnosis_name)
        session.add(handout)
        session.flush()
    handout.patient_name = program.patient_name
    if patient is not None:
        handout.patient_id = patient.id
    handout.updated_at = utcnow()
    number = (session.scalar(select(func.max(HandoutVersion.number))
                             .where(HandoutVersion.handout_id == handout.id)) or 0) + 1
    version = HandoutVersion(
        handout_id=handout.id,
        number=number,
        program_json=json.dumps(program.as_dict(), sort_keys=True),
        filename=handout_filename(program),
        pdf=rendered.pdf,
        pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        page_count=rendered.page_count,
    )
    session.add(version)
    session.flush()
    return version


def recent_handouts(session: Session, clinic: Clinic, limit: int = 15) -> list[Handout]:
    return list(session.scalars(
        select(Handout).where(Handout.clinic_id == clinic.id)
        .order_by(Handout.updated_at.desc(), Handout.id.desc()).limit(limit)
    ))


def page_of_handouts(session: Session, clinic: Clinic, *, offset: int, limit: int) -> list[Handout]:
    """The clinic's handouts, most recently printed first, ``limit`` of them after the first ``offset``."""
    return list(session.scalars(
        select(Handout).where(Handout.clinic_id == clinic.id)
        .order_by(Handout.updated_at.desc(), Handout.id.desc()).offset(offset).limit(limit)
    ))


def count_handouts(session: Session, clinic: Clinic) -> int:
    return session.scalar(select(func.count()).select_from(Handout).where(Handout.clinic_id == clinic.id)) or 0


def get_handout(session: Session, clinic: Clinic, handout_id: int) -> Handout | None:
    """The clinic's handout with this id, or None (also for another clinic's handout)."""
    return session.scalar(select(Handout).where(Handout.id == handout_id,
                                                Handout.clinic_id == clinic.id))


def get_version(session: Session, clinic: Clinic, handout_id: int, number: int) -> HandoutVersion | None:
    return session.scalar(
        select(HandoutVersion).join(Handout)
        .where(Handout.id == handout_id, Handout.clinic_id == clinic.id,
               HandoutVersion.number == number)
    )


def latest_version(handout: Handout) -> HandoutVersion:
    return handout.versions[-1]


def program_of(version: HandoutVersion) -> Program:
    """The tailored program a version printed, to open it in the builder again."""
    return Program.from_dict(json.loads(version.program_json))


def find_identical_version(session: Session, clinic: Clinic, program: Program,
                           handout: Handout | None = None, recent: int = 10) -> HandoutVersion | None:
    """A stored version that printed exactly this program, so printing it again adds nothing.

    Looks at the given handout's latest version, or at the clinic's most recent versions when
    the program is not yet tied to a handout (a second click on Download, a preview then print).
    """
    program_json = json.dumps(program.as_dict(), sort_keys=True)
    query = select(HandoutVersion).join(Handout).where(Handout.clinic_id == clinic.id)
    if handout is not None:
        query = query.where(Handout.id == handout.id)
    candidates = session.scalars(query.order_by(HandoutVersion.id.desc()).limit(1 if handout else recent))
    return next((v for v in candidates if v.program_json == program_json), None)


PREVIEW_TTL = timedelta(minutes=30)


def shared_preview(session: Session, clinic: Clinic, key: str) -> RenderedPdf | None:
    """The preview for ``key`` (:func:`prescribe.handout.render_key`) another app server rendered in
    the last ``PREVIEW_TTL``, if any (none is kept for a zero-PHI clinic: a preview carries the name)."""
    if clinic.zero_phi:
        return None
    row = session.get(RenderedPreview, (clinic.id, key))
    if row is None or row.created_at < utcnow() - PREVIEW_TTL:
        return None
    return RenderedPdf(pdf=row.pdf, page_count=row.page_count)


def keep_preview(session: Session, clinic: Clinic, key: str, rendered: RenderedPdf) -> None:
    """Store a preview for the other app servers and drop every clinic's expired ones (the caller commits)."""
    now = utcnow()
    session.execute(delete(RenderedPreview).where(RenderedPreview.created_at < now - PREVIEW_TTL)
                    .execution_options(**{ALL_CLINICS: True}))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Two servers may render the same preview at once: the second insert is a no-op.
    session.execute(dialect.insert(RenderedPreview).values(
        clinic_id=clinic.id, render_key=key, pdf=rendered.pdf, page_count=rendered.page_count,
        created_at=now).on_conflict_do_nothing())
