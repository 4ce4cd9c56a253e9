"""Program templates: a tailored program saved under a name to start new handouts from.

A template is personal (only its owner sees it) or the clinic's (everyone in the clinic sees it
on the start page). Anyone may save either kind; only admins replace or delete clinic templates,
and only owners their personal ones. Templates never hold a patient's details or dates.

Services take a session and plain values and never commit: the calling view does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .i18n import N_, Refusal
from .models import Clinic, ProgramTemplate, User, utcnow
from .programs import Program

SCOPES = {"personal": "Just for me", "clinic": "For the whole clinic"}


class TemplateError(Refusal):
    """A template request the rules refuse; the message is shown to the therapist, next to ``field``
    (``name`` or ``scope``)."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


def _without_patient(program: Program) -> Program:
    """What a template keeps of a program: the exercises and advice, not the patient or the dates."""
    return replace(program, patient_name="", patient_reference="", affected_side="", handout_date=date(2000, 1, 1),
                   next_visit=None, changes=())


def visible_templates(session: Session, clinic: Clinic,
                      user: User) -> tuple[list[ProgramTemplate], list[ProgramTemplate]]:
    """(the user's personal templates, the clinic's templates), each by name."""
    rows = list(session.scalars(
        select(ProgramTemplate)
        .where(ProgramTemplate.clinic_id == clinic.id,
               or_(ProgramTemplate.owner_id.is_(None), ProgramTemplate.owner_id == user.id))
        .order_by(ProgramTemplate.name, ProgramTemplate.id)))
    return [t for t in rows if t.owner_id is not None], [t for t in rows if t.owner_id is None]


def get_template(session: Session, clinic: Clinic, user: User, template_id: int) -> ProgramTemplate | None:
    """A template the user may use: the clinic's, or their own personal one (else None)."""
    return session.scalar(
        select(ProgramTemplate).where(
            ProgramTemplate.id == template_id, ProgramTemplate.clinic_id == clinic.id,
            or_(ProgramTemplate.owner_id.is_(None), ProgramTemplate.owner_id == user.id)))


def can_manage(user: User, template: ProgramTemplate) -> bool:
    """Owners manage their personal templates; admins manage the clinic's."""
    return template.owner_id == user.id if template.owner_id is not None else user.is_admin


def save_template(session: Session, clinic: Clinic, user: User, name: str, scope: str,
                  program: Program) -> tuple[ProgramTemplate, bool]:
    """Save ``program`` under ``name``; returns (template, replaced an older one of that name)."""
    name = " ".join(name.split())[:80]
    if not name:
        raise TemplateError(N_("Give the template a name, such as \u201cFAI, weeks 1-4\u201d."))
    if scope not in SCOPES:
        raise TemplateError(N_("Choose who the template is for."), field="scope")
    owner_id = user.id if scope == "personal" else None
    existing = session.scalar(select(ProgramTemplate).where(
        ProgramTemplate.clinic_id == clinic.id, ProgramTemplate.name == name,
        ProgramTemplate.owner_id.is_(None) if owner_id is None else ProgramTemplate.owner_id == owner_id))
    program_json = json.dumps(_without_patient(program).as_dict(), sort_keys=True)
    if existing is not None:
        if not can_manage(user, existing):
            raise TemplateError(N_("The clinic already has a template with this name; only an admin can replace "
                                   "it. Choose another name."))
        existing.program_json = program_json
        existing.diagnosis_slug = program.diagnosis
        existing.updated_at = utcnow()
        return existing, True
    template = ProgramTemplate(clinic_id=clinic.id, owner_id=owner_id, name=name,
                               diagnosis_slug=program.diagnosis, program_json=program_json)
    session.add(template)
    session.flush()
    return template, False


def delete_template(session: Session, user: User, template: ProgramTemplate) -> None:
    if not can_manage(user, template):
        raise TemplateError(N_("Only an admin can delete a clinic template."))
    session.delete(template)


def program_from_template(template: ProgramTemplate, today: date) -> Program:
    """The template's program, dated today, ready for the builder."""
    return replace(Program.from_dict(json.loads(template.program_json)), handout_date=today)
