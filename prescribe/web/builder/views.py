"""The builder: tailor a diagnosis's program, preview it and download the PDF."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    render_template,
    request,
    send_file,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from prescribe import handouts, patient_pages
from prescribe.db import get_session, note_storage_trouble, storage_trouble, transaction
from prescribe.handouts import HandoutTooLong
from prescribe.patient_links import Progress
from prescribe.patients import get_patient
from prescribe.program_templates import (
    TemplateError,
    get_template,
    program_from_template,
    save_template,
)
from prescribe.programs import (
    ADVICE_SECTION_TABLE,
    MAX_EXERCISES,
    Program,
    default_program,
    for_patient,
    handout_languages,
)
from prescribe.translation_reviews import reviewed_translations

from ..context import catalog, current_actor, current_clinic, handout_printer, page_base, parse_id
from ..errors import storage_message
from ..fragments import kept_page_part
from .forms import REGION_PROBLEM, BuilderForm, form_data_from_program
from .page import (
    ADVICE_TITLES,
    INPUT_LIMITS,
    NO_REPLY,
    ROW_LISTS,
    BuilderRows,
    Reply,
    error_summary,
    fresh_page_key,
    row_reply,
    rows_from_data,
    rows_from_form,
)
from .rows import (
    ROW_ACTIONS,
    Action,
    apply_row_action,
    new_row_for,
    parse_action,
)

bp = Blueprint("builder", __name__, url_prefix="/build")


def _linked_patient(form: BuilderForm):
    """The clinic's patient the form is linked to, if any (another clinic's id links nothing)."""
    patient_id = parse_id(form.patient_id.data)
    return get_patient(get_session(), current_clinic(), patient_id) if patient_id else None


# The parts of the page a script may ask for alone (htmx names its target in HX-Target).
PARTS = {"exercises": "builder/_exercises.html", "builder-body": "builder/_form.html"}


def _requested_part() -> str | None:
    """The part of the page a script asked for, or None for the whole page."""
    if request.headers.get("HX-Request") != "true":
        return None
    target = request.headers.get("HX-Target", "")
    return target if target in PARTS else None


def _render_builder(form: BuilderForm, status: int = 200, search_results=None, rows: BuilderRows | None = None,
                    storage_problem: str = "", reply: Reply = NO_REPLY):
    """The builder after a post: the whole page, or only the part a script asked for, with the
    focus and announcement the change calls for (htmx's HX-Trigger-After-Settle event)."""
    rows = rows or rows_from_form(form)
    part = _requested_part()
    context = _form_context(form, rows, search_results, storage_problem, reply)
    if part is None:
        body = Markup(render_template("builder/_form.html", **context))
        return _builder_page(form.diagnosis.data, body), status
    if part == "builder-body" and context["errors"]:
        reply = replace(reply, focus="error-summary")
    response = make_response(render_template(PARTS[part], **context), status)
    response.headers["HX-Trigger-After-Settle"] = json.dumps(
        {"builder-changed": {"focus": reply.focus, "say": reply.say}})
    return response


def _form_context(form: BuilderForm, rows: BuilderRows, search_results=None, storage_problem: str = "",
                  reply: Reply = NO_REPLY) -> dict:
    clinic = current_clinic()
    form.reviewed_translations = reviewed_translations(get_session(), clinic.id)  # its draft note, as printed
    return dict(form=form, rows=rows, limits=INPUT_LIMITS, storage_problem=storage_problem,
                diagnosis=catalog().diagnosis(form.diagnosis.data or ""), search_results=search_results,
                max_exercises=MAX_EXERCISES, patient=_linked_patient(form), zero_phi=clinic.zero_phi,
                accent=clinic.accent_colour, errors=error_summary(form, rows) if form.errors else (),
                undo=reply.undo, saved=reply.saved, advice_sections=ADVICE_SECTION_TABLE, advice_titles=ADVICE_TITLES)


def _form_body(form: BuilderForm, rows: BuilderRows) -> Markup:
    """A fresh builder form's inputs, sections and buttons (all of the form but its CSRF token)."""
    return Markup(render_template("builder/_form.html", **_form_context(form, rows)))


def _builder_page(diagnosis_slug: str | None, form_body: Markup, progress: Progress | None = None) -> str:
    return render_template("builder/builder.html", diagnosis=catalog().diagnosis(diagnosis_slug or ""),
                           form_body=form_body, patient_progress=progress)


def _render_fresh_builder(data: dict, progress: Progress | None = None):
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
    return _builder_page(data.get("diagnosis"), kept_page_part(current_app.jinja_env, key, render), progress), 200


def _builder_for(program: Program, **fields):
    """The builder filled with ``program``, made out to the patient in ``?patient=`` if given."""
    if "patient" in request.args:
        patient_id = parse_id(request.args["patient"]) or abort(404)
        patient = get_patient(get_session(), current_clinic(), patient_id) or abort(404)
        program = for_patient(program, catalog(), name=patient.display_name, reference=patient.reference,
                              affected_side=patient.affected_side)
        if patient.language in handout_languages(catalog(), program.diagnosis):
            program = replace(program, language=patient.language)  # the language of their last handout
        fields["patient_id"] = str(patient.id)
    return _render_fresh_builder(form_data_from_program(program, catalog()) | fields)


@bp.get("/<diagnosis_slug>")
def new(diagnosis_slug: str):
    """The builder with the diagnosis's default program filled in."""
    diagnosis = catalog().diagnosis(diagnosis_slug) or abort(404)
    clinic = current_clinic()
    return _builder_for(default_program(diagnosis, catalog(), today=date.today(), paper=clinic.default_paper,
                                        layout=clinic.default_layout, greyscale=clinic.default_greyscale,
                                        language=clinic.default_language))


@bp.get("/template/<int:template_id>")
def from_template(template_id: int):
    """The builder filled from a saved template (the user's own or the clinic's)."""
    template = get_template(get_session(), current_clinic(), g.user, template_id) or abort(404)
    return _builder_for(program_from_template(template, date.today()))


@bp.get("/from/<int:handout_id>")
def edit(handout_id: int):
    """"Progress this program": the latest version in the builder, to print the next version."""
    session, actor = get_session(), current_actor()
    start = handouts.progression(session, actor, handout_id) or abort(404)
    data = form_data_from_program(start.program, catalog())
    data.update(handout_id=str(start.handout_id), handout_date=date.today(), show_changes=True,
                patient_id=str(start.patient_id or ""))
    panel = patient_pages.links_panel(session, actor, handout_id)
    page = _render_fresh_builder(data, panel.progress if panel else None)
    handouts.log_access(session, actor, "handout_edit", start.handout_id, f"from version {start.version_number}")
    return page


@bp.post("/")
def submit():
    """Every builder button posts here; the button's value says what to do."""
    action = parse_action(request.form.get("action"))
    if action.kind in ROW_ACTIONS:
        return _edit_rows(action)
    form = BuilderForm(request.form, catalog=catalog())
    if action.kind == "search":
        return _search(form)
    printing = action.kind in ("preview", "download")
    if not form.validate() or (printing and not form.ready_to_print()):
        return _render_builder(form, 422 if printing else 200)
    if action.kind == "update":
        return _render_builder(form, reply=Reply(say=_("No problems found: the handout is ready to print.")))
    if action.kind == "template":
        return _kept_if_storage_fails(form, lambda: _save_template(form))
    # The page's script renders ahead while the therapist edits (builder.js): the PDF is kept for
    # Preview and Download, but not sent, so only an explicit Preview is logged as one.
    background = action.kind == "preview" and request.form.get("background") == "1"
    return _kept_if_storage_fails(form, lambda: _print(form, as_attachment=action.kind == "download",
                                                       background=background))


def _search(form: BuilderForm):
    """The catalog's exercises matching the search box (in the chosen body region, if any), listed
    under it; the first Add button takes focus."""
    query = (form.catalog_query.data or "").strip()
    region = form.catalog_region.data or ""
    if region not in ("", *catalog().regions):
        form.catalog_region.data = ""
        form.catalog_region.errors = [REGION_PROBLEM]
        return _render_builder(form, 422, reply=Reply(form.catalog_region.id, str(REGION_PROBLEM)))
    results = catalog().search_exercises(query, region=region)
    if results:
        reply = Reply(f"add-{results[0].slug}",
                      ngettext("%(num)d exercise found. The first is %(name)s.",
                               "%(num)d exercises found. The first is %(name)s.", len(results), name=results[0].name))
    elif region:
        reply = Reply(form.catalog_query.id,
                      _("No exercise matches “%(query)s” in %(region)s exercises. Try a shorter word or all regions.",
                        query=query, region=catalog().regions[region].label.lower()))
    else:
        reply = Reply(form.catalog_query.id, _("No exercise matches “%(query)s”. Try a shorter word.", query=query))
    return _render_builder(form, search_results=results, reply=reply)


def _kept_if_storage_fails(form: BuilderForm, save):
    """``save()``; when the disk is full or the database read-only, the builder again, as typed, with a 503
    that says nothing was saved (a Download then keeps no version, so pressing it again later is safe)."""
    try:
        return save()
    except DBAPIError as error:
        trouble = storage_trouble(error)
        if trouble is None:
            raise
        note_storage_trouble(trouble)  # its transaction() block has rolled back
        return _render_builder(form, 503, storage_problem=storage_message(trouble))


def _save_template(form: BuilderForm):
    """Save the program as the therapist's or the clinic's template, and stay in the builder."""
    try:
        with transaction() as db:
            template, replaced = save_template(db, current_clinic(), g.user, form.template_name.data or "",
                                               form.template_scope.data or "", form.to_program())
    except TemplateError as exc:
        form.template_name.errors = [*form.template_name.errors, exc.in_words(_)]
        return _render_builder(form, 422, reply=Reply(form.template_name.id, exc.in_words(_)))
    saved = (_("Template “%(name)s” replaced: it is on the start page from now on.", name=template.name) if replaced
             else _("Template “%(name)s” saved: it is on the start page from now on.", name=template.name))
    if _requested_part() is None:  # a whole page starts at its top: say it there too
        flash(saved)
    return _render_builder(form, reply=Reply("template-saved", saved, saved=saved))


def _edit_rows(action: Action):
    """Add, remove, move, swap or restore an exercise row, keeping everything typed on the page."""
    formdata = MultiDict(request.form)
    new_row = None
    count = sum(1 for key in formdata if key.startswith("exercises-") and key.endswith("-exercise"))
    if action.kind in ("add", "swap", "undo"):
        exercise = catalog().exercise(action.argument if action.kind == "add" else action.detail)
        problem = ""
        if action.kind != "undo" and exercise is None:
            problem = _("That exercise is not in the catalog.")
        elif action.kind in ("add", "undo") and count >= MAX_EXERCISES:
            problem = _("A program can have at most %(max)d exercises.", max=MAX_EXERCISES)
        if problem:
            form = BuilderForm(request.form, catalog=catalog())
            form.catalog_query.errors = [problem]
            return _render_builder(form, 422, reply=Reply(form.catalog_query.id, problem))
        if exercise is not None:
            new_row = new_row_for(exercise, formdata, action, catalog())
    swapped_from = formdata.get(f"exercises-{action.index}-exercise", "") if action.kind == "swap" else ""
    change = apply_row_action(formdata, "exercises", action, new_row)
    form = BuilderForm(change.formdata, catalog=catalog())
    rows = rows_from_form(form)
    return _render_builder(form, rows=rows, reply=row_reply(action, change, rows, catalog(), swapped_from))


def _print(form: BuilderForm, *, as_attachment: bool, background: bool = False):
    """Preview renders without saving; Download keeps the exact bytes as a handout version.

    :mod:`prescribe.handouts` does both; a handout too long to print is an error next to the exercises.
    """
    session, actor, printer = get_session(), current_actor(), handout_printer()
    program, handout_id, show_changes = form.to_program(), parse_id(form.handout_id.data), bool(form.show_changes.data)
    try:
        if not as_attachment:
            shown = handouts.preview(session, actor, printer, program, handout_id=handout_id,
                                     show_changes=show_changes, logged=not background, page_base=page_base())
            if background:  # the page drawing ahead while the therapist edits: nothing leaves the server
                return "", 204
            return send_file(io.BytesIO(shown.pdf), mimetype="application/pdf", download_name=shown.filename,
                             max_age=0)
        printed = handouts.print_handout(session, actor, printer, program, handout_id=handout_id,
                                         show_changes=show_changes, patient_id=parse_id(form.patient_id.data),
                                         page_base=page_base())
    except HandoutTooLong as exc:
        form.exercises.errors.append(_("%(problem)s Please remove some exercises or notes.", problem=exc))
        return _render_builder(form, 422)
    return send_file(io.BytesIO(printed.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=printed.filename, etag=printed.etag, max_age=0)
