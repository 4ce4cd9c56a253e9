"""The builder: tailor a diagnosis's program, preview it and download the PDF."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    render_template,
    request,
    send_file,
)
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from prescribe.clinics import branding_for
from prescribe.db import get_session, note_storage_trouble, storage_trouble
from prescribe.handout import HandoutTooLong, RenderedPdf, render_key, render_program
from prescribe.patients import get_patient, patient_for_print
from prescribe.program_templates import (
    TemplateError,
    get_template,
    program_from_template,
    save_template,
)
from prescribe.programs import (
    MAX_EXERCISES,
    Program,
    default_program,
    describe_changes,
    for_patient,
    new_item,
)
from prescribe.storage import (
    find_identical_version,
    get_handout,
    latest_version,
    program_of,
    rendered_once,
    save_version,
    stored_program,
)

from ..context import catalog, current_clinic, parse_id, record_audit
from ..errors import rollback_quietly, storage_message
from ..fragments import kept_page_part
from .forms import BuilderForm, form_data_from_program
from .page import (
    INPUT_LIMITS,
    ROW_LISTS,
    BuilderRows,
    fresh_page_key,
    rows_from_data,
    rows_from_form,
)
from .rows import apply_row_action, parse_action, row_from_item

bp = Blueprint("builder", __name__, url_prefix="/build")


def _linked_patient(form: BuilderForm):
    """The clinic's patient the form is linked to, if any (another clinic's id links nothing)."""
    patient_id = parse_id(form.patient_id.data)
    return get_patient(get_session(), current_clinic(), patient_id) if patient_id else None


def _render_builder(form: BuilderForm, status: int = 200, search_results=None, rows: BuilderRows | None = None,
                    storage_problem: str = ""):
    """The builder page: the form's own fields, and its rows (from the posted form unless given)."""
    body = _form_body(form, rows or rows_from_form(form), search_results, storage_problem)
    return _builder_page(form.diagnosis.data, body), status


def _form_body(form: BuilderForm, rows: BuilderRows, search_results=None, storage_problem: str = "") -> Markup:
    """The builder form's inputs, sections and buttons (all of the form but its CSRF token)."""
    return Markup(render_template(
        "builder/_form.html", form=form, rows=rows, limits=INPUT_LIMITS, storage_problem=storage_problem,
        diagnosis=catalog().diagnosis(form.diagnosis.data or ""), search_results=search_results,
        max_exercises=MAX_EXERCISES, patient=_linked_patient(form), zero_phi=current_clinic().zero_phi,
        accent=current_clinic().accent_colour,
    ))


def _builder_page(diagnosis_slug: str | None, form_body: Markup) -> str:
    return render_template("builder/builder.html", diagnosis=catalog().diagnosis(diagnosis_slug or ""),
                           form_body=form_body)


def _render_fresh_builder(data: dict):
    """The builder filled with form data (:func:`form_data_from_program`), nothing posted yet.

    Only the page's own fields go through WTForms; the rows come from the data as it is. The form's
    body is kept per worker by :func:`fresh_page_key` (every new handout of a diagnosis opens the
    same page) unless it names a patient or holds text someone typed.
    """
    def render() -> Markup:
        own_fields = {key: value for key, value in data.items() if key not in ROW_LISTS}
        form = BuilderForm(formdata=None, data=own_fields, catalog=catalog())
        return _form_body(form, rows_from_data(data, catalog()))

    clinic = current_clinic()
    key = fresh_page_key(data, clinic_id=clinic.id, accent=clinic.accent_colour, zero_phi=clinic.zero_phi)
    return _builder_page(data.get("diagnosis"), kept_page_part(current_app.jinja_env, key, render)), 200


def _builder_for(program: Program, **fields):
    """The builder filled with ``program``, made out to the patient in ``?patient=`` if given."""
    if "patient" in request.args:
        patient_id = parse_id(request.args["patient"]) or abort(404)
        patient = get_patient(get_session(), current_clinic(), patient_id) or abort(404)
        program = for_patient(program, catalog(), name=patient.display_name, reference=patient.reference,
                              affected_side=patient.affected_side)
        fields["patient_id"] = str(patient.id)
    return _render_fresh_builder(form_data_from_program(program, catalog()) | fields)


@bp.get("/<diagnosis_slug>")
def new(diagnosis_slug: str):
    """The builder with the diagnosis's default program filled in."""
    diagnosis = catalog().diagnosis(diagnosis_slug) or abort(404)
    clinic = current_clinic()
    return _builder_for(default_program(diagnosis, catalog(), today=date.today(), paper=clinic.default_paper,
                                        layout=clinic.default_layout, greyscale=clinic.default_greyscale))


@bp.get("/template/<int:template_id>")
def from_template(template_id: int):
    """The builder filled from a saved template (the user's own or the clinic's)."""
    template = get_template(get_session(), current_clinic(), g.user, template_id) or abort(404)
    return _builder_for(program_from_template(template, date.today()))


@bp.get("/from/<int:handout_id>")
def edit(handout_id: int):
    """"Progress this program": the latest version in the builder, to print the next version."""
    handout = get_handout(get_session(), current_clinic(), handout_id) or abort(404)
    program = replace(program_of(latest_version(handout)), changes=())
    data = form_data_from_program(program, catalog())
    data.update(handout_id=str(handout.id), handout_date=date.today(), show_changes=True,
                patient_id=str(handout.patient_id or ""))
    page = _render_fresh_builder(data)
    record_audit("handout_edit", "handout", handout.id, detail=f"from version {handout.versions[-1].number}")
    get_session().commit()
    return page


@bp.post("/")
def submit():
    """Every builder button posts here; the button's value says what to do."""
    action = parse_action(request.form.get("action"))
    if action.kind in ("add", "remove", "up", "down"):
        return _edit_rows(action)
    form = BuilderForm(request.form, catalog=catalog())
    if action.kind == "search":
        return _render_builder(form, search_results=catalog().search_exercises(form.catalog_query.data or ""))
    printing = action.kind in ("preview", "download")
    if not form.validate() or (printing and not form.ready_to_print()):
        return _render_builder(form, 422 if printing else 200)
    if action.kind == "update":
        return _render_builder(form)
    if action.kind == "template":
        return _kept_if_storage_fails(form, lambda: _save_template(form))
    # The page's script renders ahead while the therapist edits (builder.js): the PDF is kept for
    # Preview and Download, but not sent, so only an explicit Preview is logged as one.
    background = action.kind == "preview" and request.form.get("background") == "1"
    return _kept_if_storage_fails(form, lambda: _print(form, as_attachment=action.kind == "download",
                                                       background=background))


def _kept_if_storage_fails(form: BuilderForm, save):
    """``save()``; when the disk is full or the database read-only, the builder again, as typed, with a 503
    that says nothing was saved (a Download then keeps no version, so pressing it again later is safe)."""
    try:
        return save()
    except DBAPIError as error:
        trouble = storage_trouble(error)
        if trouble is None:
            raise
        rollback_quietly()
        note_storage_trouble(trouble)
        return _render_builder(form, 503, storage_problem=storage_message(trouble))


def _save_template(form: BuilderForm):
    """Save the program as the therapist's or the clinic's template, and stay in the builder."""
    db = get_session()
    try:
        template, replaced = save_template(db, current_clinic(), g.user, form.template_name.data or "",
                                           form.template_scope.data or "", form.to_program())
    except TemplateError as exc:
        db.rollback()
        form.template_name.errors = [*form.template_name.errors, str(exc)]
        return _render_builder(form, 422)
    db.commit()
    flash(f"Template “{template.name}” {'replaced' if replaced else 'saved'}: "
          "it is on the start page from now on.")
    return _render_builder(form)


def _edit_rows(action):
    formdata = MultiDict(request.form)
    new_row = None
    if action.kind == "add":
        exercise = catalog().exercise(action.argument)
        if exercise is None:
            form = BuilderForm(request.form, catalog=catalog())
            form.catalog_query.errors = ["That exercise is not in the catalog."]
            return _render_builder(form, 422)
        count = sum(1 for key in formdata if key.startswith("exercises-") and key.endswith("-exercise"))
        if count >= MAX_EXERCISES:
            form = BuilderForm(request.form, catalog=catalog())
            form.catalog_query.errors = [f"A program can have at most {MAX_EXERCISES} exercises."]
            return _render_builder(form, 422)
        diagnosis = catalog().diagnosis(formdata.get("diagnosis", ""))
        item = new_item(exercise, affected_side=formdata.get("affected_side", ""),
                        after_surgery=bool(diagnosis and diagnosis.surgery))
        new_row = row_from_item({"exercise": item.exercise, **item.dose.as_dict(), "side": item.side,
                                 "side_default": item.side})
    form = BuilderForm(apply_row_action(formdata, "exercises", action, new_row), catalog=catalog())
    return _render_builder(form)


def _render(program: Program, *, preview: bool = False) -> RenderedPdf:
    """The handout's PDF; a preview already rendered by any app server is handed back as it is.

    Only a preview is kept for the other servers: a download is kept as a version anyway.
    """
    clinic = current_clinic()
    branding = branding_for(clinic)
    return rendered_once(
        get_session(), clinic, render_key(program, branding, catalog()),
        lambda: render_program(program, catalog(), branding, max_pages=current_app.config["HANDOUT_MAX_PAGES"]),
        current_app.extensions["render_cache"], share=preview)


def _print(form: BuilderForm, *, as_attachment: bool, background: bool = False):
    """Preview renders without saving; Download keeps the exact bytes as a handout version.

    When progressing a handout, the "What changed since your last visit" box compares with its
    latest version. In a zero-PHI clinic the stored version is printed without the name, and the
    copy handed over (with the name) is rendered on the side and never stored.
    """
    program = form.to_program()
    session = get_session()
    clinic = current_clinic()
    handout_id = parse_id(form.handout_id.data)
    handout = get_handout(session, clinic, handout_id) if handout_id else None
    if handout is not None and form.show_changes.data:
        program = replace(program, changes=describe_changes(program_of(latest_version(handout)), program, catalog()))
    stored = stored_program(clinic, program)
    version = find_identical_version(session, clinic, stored, handout) if as_attachment else None
    # End the read transaction before rendering (a second or more): on SQLite it holds the write
    # lock, and the other workers would wait for the PDF.
    session.commit()
    try:
        if not as_attachment:
            rendered = _render(program, preview=True)
            if background:  # the page drawing ahead while the therapist edits: nothing leaves the server
                return "", 204
            if handout is not None:  # a saved patient's handout, shown again
                record_audit("handout_preview", "handout", handout.id)
                session.commit()
            return send_file(io.BytesIO(rendered.pdf), mimetype="application/pdf",
                             download_name="preview.pdf", max_age=0)
        if version is None:
            rendered = _render(stored)
            patient = patient_for_print(session, clinic, parse_id(form.patient_id.data),
                                        program.patient_name, program.patient_reference, program.affected_side)
            diagnosis = catalog().diagnoses[program.diagnosis]
            version = save_version(session, clinic, stored, diagnosis.name, rendered, handout, patient,
                                   audit=lambda v: record_audit("handout_print", "handout", v.handout_id,
                                                                detail=f"version {v.number}"))
        else:
            record_audit("handout_print", "handout", version.handout_id, detail=f"version {version.number} again")
            session.commit()
        pdf = version.pdf if stored == program else _render(program).pdf
    except HandoutTooLong as exc:
        session.rollback()
        form.exercises.errors.append(f"{exc} Please remove some exercises or notes.")
        return _render_builder(form, 422)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=version.filename, etag=hashlib.sha256(pdf).hexdigest(), max_age=0)
