"""The API's work on programs, handouts, patients and templates: build, check, preview, print, progress.

Every program is checked by the builder's own form (:mod:`.programs`), printed by the handouts
service and kept in the clinic's records exactly as a print from the builder is: the same versions,
patient records, patient-page links, audit rows and "handout printed" webhooks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, request, url_for
from spectree import Response as Resp
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from prescribe import handouts, patients
from prescribe.db import get_session, transaction
from prescribe.handouts import HandoutTooLong
from prescribe.models import Clinic, Patient, ProgramTemplate, User
from prescribe.program_templates import (
    TemplateError,
    get_template,
    program_from_template,
    save_template,
    visible_templates,
)
from prescribe.programs import default_program, for_patient

from ..context import catalog, handout_printer, page_base
from ..forms import PatientForm
from .auth import current_caller, token_required
from .document import spec
from .problems import FieldProblem, Problem, problem
from .programs import Checked, body_of, changed, check
from .schemas import (
    BuildBody,
    CheckedProgram,
    PatientBody,
    PatientOut,
    PatientPage,
    PatientQuery,
    PrintBody,
    PrintedOut,
    ProgramBody,
    TemplateBody,
    TemplateDetail,
    TemplateList,
    TemplateOut,
)
from .views import REFUSED, _handout, _links, bp

NOT_READY = "The program is not ready to print: see errors."


@bp.post("/programs/build")
@token_required(changes=False)
@spec.validate(json=BuildBody, resp=Resp(HTTP_200=CheckedProgram, HTTP_404=Problem, HTTP_422=Problem, **REFUSED),
               tags=["programs"])
def build():
    """A diagnosis's default program (or a template's), made out to a patient, with rows changed, added or
    left out; checked as the builder checks it. Nothing is saved."""
    body = _sent()
    if body is None:
        return _no_body()
    session, clinic = get_session(), _clinic()
    if body.template_id is not None:
        template = get_template(session, clinic, _user(), body.template_id)
        if template is None:
            return problem(404, f"You have no template {body.template_id}.")
        program = program_from_template(template, date.today())
    elif body.diagnosis:
        diagnosis = catalog().diagnosis(body.diagnosis)
        if diagnosis is None:
            return problem(404, f"No diagnosis {body.diagnosis!r}.")
        program = default_program(diagnosis, catalog(), today=date.today(), paper=clinic.default_paper,
                                  layout=clinic.default_layout, greyscale=clinic.default_greyscale,
                                  language=clinic.default_language)
    else:
        return problem(422, "Give a diagnosis or a template_id.",
                       [FieldProblem(field="json.diagnosis", message="Give a diagnosis or a template_id.")])
    if body.patient_id is not None:
        patient = patients.get_patient(session, clinic, body.patient_id)
        if patient is None:
            return problem(404, f"The clinic has no patient {body.patient_id}.")
        program = for_patient(program, catalog(), name=patient.display_name, reference=patient.reference,
                              affected_side=patient.affected_side)
    if body.affected_side is not None:
        program = for_patient(program, catalog(), name=program.patient_name, reference=program.patient_reference,
                              affected_side=body.affected_side)
    program = changed(program, body.change, body.remove, catalog())
    return _checked(check(body_of(program), clinic, catalog()), body_of(program))


@bp.post("/programs/check")
@token_required(changes=False)
@spec.validate(json=ProgramBody, resp=Resp(HTTP_200=CheckedProgram, HTTP_422=Problem, **REFUSED), tags=["programs"])
def check_program():
    """What the builder would say of this program: errors by field, safety warnings, ready to print or not."""
    body = _sent()
    if body is None:
        return _no_body()
    return _checked(check(body, _clinic(), catalog()), body)


@bp.post("/programs/preview")
@token_required(changes=False)
@spec.validate(json=ProgramBody, resp=Resp("HTTP_200", HTTP_422=Problem, **REFUSED), tags=["programs"])
def preview():
    """The handout as it would print, saving nothing (page 1 shows where its QR code goes)."""
    body = _sent()
    if body is None:
        return _no_body()
    checked = _ready(body)
    if isinstance(checked, Response):
        return checked
    try:
        shown = handouts.preview(get_session(), current_caller().actor, handout_printer(), checked,
                                 logged=False, page_base=page_base())
    except HandoutTooLong as exc:
        return _too_long(exc)
    response = Response(shown.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


@bp.post("/handouts")
@token_required
@spec.validate(json=PrintBody, resp=Resp(HTTP_201=PrintedOut, HTTP_404=Problem, HTTP_422=Problem, **REFUSED),
               tags=["handouts"])
def print_new():
    """Print a program: a new handout with version 1 (or the identical version already printed)."""
    body = _sent()
    return _no_body() if body is None else _print(body, None)


@bp.get("/handouts/<int:handout_id>/program")
@token_required
@spec.validate(resp=Resp(HTTP_200=ProgramBody, HTTP_404=Problem, **REFUSED), tags=["handouts"])
def handout_program(handout_id: int):
    """The handout's latest program, dated today, to change and print as its next version."""
    session, actor = get_session(), current_caller().actor
    start = handouts.progression(session, actor, handout_id)
    if start is None:
        return problem(404, f"The clinic has no handout {handout_id}.")
    handouts.log_access(session, actor, "handout_edit", handout_id, f"from version {start.version_number} (API)")
    body = body_of(start.program)
    body.handout_date = date.today()
    return body


@bp.post("/handouts/<int:handout_id>/versions")
@token_required
@spec.validate(json=PrintBody, resp=Resp(HTTP_201=PrintedOut, HTTP_404=Problem, HTTP_422=Problem, **REFUSED),
               tags=["handouts"])
def print_version(handout_id: int):
    """Progress a handout: print its next version (with "What changed since your last visit" if asked)."""
    found = handouts.handout_summary(get_session(), current_caller().actor, handout_id)
    if found is None:
        return problem(404, f"The clinic has no handout {handout_id}.")
    body = _sent()
    if body is None:
        return _no_body()
    if body.patient_id is None:  # the next version stays with the handout's patient
        body = body.model_copy(update={"patient_id": found.patient_id})
    return _print(body, handout_id)


@bp.get("/patients")
@token_required
@spec.validate(query=PatientQuery, resp=Resp(HTTP_200=PatientPage, HTTP_422=Problem, **REFUSED), tags=["patients"])
def patient_list():
    """The clinic's patients whose name or reference holds ``q``, most recently seen first."""
    query = PatientQuery.model_validate(request.args.to_dict())
    session, clinic = get_session(), _clinic()
    found, total = patients.page_of_patients(session, clinic, query.q, offset=(query.page - 1) * query.per_page,
                                             limit=query.per_page)
    return PatientPage(items=[_patient(session, clinic, p) for p in found], total=total, page=query.page,
                       per_page=query.per_page,
                       links=_links("api.patient_list", query.page, query.per_page, total, q=query.q))


@bp.post("/patients")
@token_required
@spec.validate(json=PatientBody, resp=Resp(HTTP_201=PatientOut, HTTP_422=Problem, **REFUSED), tags=["patients"])
def patient_create():
    """Add a patient (in a zero-PHI clinic by reference only: a name sent is not stored)."""
    body = _sent()
    if body is None:
        return _no_body()
    session, clinic = get_session(), _clinic()
    form = PatientForm(MultiDict(body.model_dump()), zero_phi=clinic.zero_phi, meta={"csrf": False})
    if not form.validate():
        return _form_problem(form)
    with transaction(session):
        patient = patients.create_patient(session, clinic, form.display_name.data or "", form.reference.data or "",
                                          form.affected_side.data or "")
        _audit(session, "patient_create", "patient", patient.id)
    return _patient(session, clinic, patient), 201, {"Location": url_for("api.patient", patient_id=patient.id)}


@bp.get("/patients/<int:patient_id>")
@token_required
@spec.validate(resp=Resp(HTTP_200=PatientOut, HTTP_404=Problem, **REFUSED), tags=["patients"])
def patient(patient_id: int):
    session, clinic = get_session(), _clinic()
    found = patients.get_patient(session, clinic, patient_id)
    if found is None:
        return problem(404, f"The clinic has no patient {patient_id}.")
    shown = _patient(session, clinic, found)
    with transaction(session):
        _audit(session, "patient_view", "patient", found.id)
    return shown


@bp.get("/templates")
@token_required
@spec.validate(resp=Resp(HTTP_200=TemplateList, **REFUSED), tags=["templates"])
def template_list():
    """Your own templates, then the clinic's, by name."""
    own, shared = visible_templates(get_session(), _clinic(), _user())
    return TemplateList(items=[_template(t) for t in [*own, *shared]])


@bp.get("/templates/<int:template_id>")
@token_required
@spec.validate(resp=Resp(HTTP_200=TemplateDetail, HTTP_404=Problem, **REFUSED), tags=["templates"])
def template(template_id: int):
    found = get_template(get_session(), _clinic(), _user(), template_id)
    if found is None:
        return problem(404, f"You have no template {template_id}.")
    return TemplateDetail(**_template(found).model_dump(), program=body_of(program_from_template(found, date.today())))


@bp.post("/templates")
@token_required
@spec.validate(json=TemplateBody, resp=Resp(HTTP_201=TemplateDetail, HTTP_422=Problem, **REFUSED), tags=["templates"])
def template_save():
    """Save a program as your template or the clinic's (a template of the same name is replaced, as in the
    builder: only an admin replaces a clinic template)."""
    body = _sent()
    if body is None:
        return _no_body()
    session, clinic = get_session(), _clinic()
    checked = check(body.program, clinic, catalog())
    if checked.program is None:
        return problem(422, "The program has errors: see errors.", _under("json.program", checked.errors))
    try:
        with transaction(session):
            saved, _replaced = save_template(session, clinic, _user(), body.name, body.scope, checked.program)
    except TemplateError as exc:
        return problem(422, str(exc), [FieldProblem(field=f"json.{exc.field}", message=str(exc))])
    shown = TemplateDetail(**_template(saved).model_dump(), program=body_of(program_from_template(saved, date.today())))
    return shown, 201, {"Location": url_for("api.template", template_id=saved.id)}


def _sent() -> Any:
    """The request's body as its operation's model validated it (None: no JSON body was sent)."""
    context = getattr(request, "context", None)
    return getattr(context, "json", None)


def _no_body() -> Response:
    return problem(422, "Send the body as JSON (Content-Type: application/json).",
                   [FieldProblem(field="json", message="A JSON body is needed.")])


def _print(body: PrintBody, handout_id: int | None):
    program = _ready(body.program, "json.program")
    if isinstance(program, Response):
        return program
    session, actor = get_session(), current_caller().actor
    if body.patient_id is not None and patients.get_patient(session, _clinic(), body.patient_id) is None:
        return problem(422, f"The clinic has no patient {body.patient_id}.",
                       [FieldProblem(field="json.patient_id", message="No such patient in your clinic.")])
    try:
        printed = handouts.print_handout(session, actor, handout_printer(), program, handout_id=handout_id,
                                         show_changes=body.show_changes, patient_id=body.patient_id,
                                         page_base=page_base())
    except HandoutTooLong as exc:
        return _too_long(exc, "json.program")
    summary = handouts.handout_summary(session, actor, printed.handout_id or 0)
    assert summary is not None and printed.version_number is not None  # just printed
    pdf = url_for("api.version_pdf", handout_id=summary.id, number=printed.version_number)
    return (PrintedOut(handout=_handout(summary), version=printed.version_number, pdf=pdf), 201,
            {"Location": url_for("api.handout", handout_id=summary.id)})


def _ready(body: ProgramBody, where: str = "json"):
    """The program, checked and ready to print, or the problem to answer with."""
    checked = check(body, _clinic(), catalog())
    if checked.program is None or not checked.ready_to_print:
        return problem(422, NOT_READY, _under(where, checked.errors))
    return checked.program


def _under(where: str, errors: list[FieldProblem]) -> list[FieldProblem]:
    """Field paths of a program sent inside another body (``json.program.exercises.0.sets``)."""
    if where == "json":
        return errors
    return [FieldProblem(field=where + e.field.removeprefix("json"), message=e.message) for e in errors]


def _too_long(exc: HandoutTooLong, where: str = "json") -> Response:
    message = f"{exc} Please remove some exercises or notes."
    return problem(422, message, [FieldProblem(field=f"{where}.exercises", message=message)])


def _checked(checked: Checked, sent: ProgramBody) -> CheckedProgram:
    return CheckedProgram(valid=checked.program is not None, ready_to_print=checked.ready_to_print,
                          errors=checked.errors, warnings=checked.warnings,
                          program=body_of(checked.program) if checked.program is not None else sent)


def _form_problem(form) -> Response:
    errors = [FieldProblem(field=f"json.{field.name}", message=message)
              for field in form for message in field.errors]
    return problem(422, "Some fields need fixing: see errors.", errors)


def _patient(session, clinic: Clinic, found: Patient) -> PatientOut:
    return PatientOut(id=found.id, display_name=found.display_name, reference=found.reference,
                      affected_side=found.affected_side, updated_at=found.updated_at,
                      handouts=[url_for("api.handout", handout_id=h.id)
                                for h in patients.patient_handouts(session, clinic, found)])


def _template(found: ProgramTemplate) -> TemplateOut:
    return TemplateOut(id=found.id, name=found.name, scope="personal" if found.owner_id else "clinic",
                       diagnosis=found.diagnosis_slug, updated_at=found.updated_at)


def _clinic() -> Clinic:
    clinic = get_session().scalar(select(Clinic).where(Clinic.id == current_caller().use.clinic_id))
    assert clinic is not None  # the token was checked against its live clinic
    return clinic


def _user() -> User:
    user = get_session().scalar(select(User).where(User.id == current_caller().use.user_id))
    assert user is not None
    return user


def _audit(session, action: str, object_type: str, object_id: int) -> None:
    from prescribe import audit

    caller = current_caller()
    audit.record(session, action, clinic_id=caller.use.clinic_id, user_id=caller.use.user_id,
                 object_type=object_type, object_id=object_id, detail="API", ip=caller.actor.ip)
