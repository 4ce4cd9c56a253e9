"""The builder: tailor a diagnosis's program, preview it and download the PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, send_file
from werkzeug.datastructures import MultiDict

from prescribe.catalog import Exercise
from prescribe.clinics import branding_for
from prescribe.db import get_session
from prescribe.handout import HandoutTooLong, render_program
from prescribe.programs import (
    MAX_EXERCISES,
    Precaution,
    default_program,
    dose_summary,
    new_item,
    safety_warnings,
)
from prescribe.storage import find_identical_version, get_handout, program_of, save_version

from .context import catalog, current_clinic
from .forms import BuilderForm, form_data_from_program
from .rows import apply_row_action, parse_action, row_from_item

bp = Blueprint("builder", __name__, url_prefix="/build")


@dataclass(frozen=True)
class RowView:
    """What the builder shows beside one exercise row's inputs."""

    form: object
    exercise: Exercise | None
    dose_kind: str
    summary: str
    warnings: list[str]


def row_views(form: BuilderForm) -> list[RowView]:
    """Pair each exercise row with its catalog entry, dose kind and safety warnings."""
    slugs = [row.form.exercise.data or "" for row in form.exercises.entries]
    precautions = [Precaution(r.form.move.data, r.form.text.data, bool(r.form.included.data))
                   for r in form.precautions.entries]
    warnings = safety_warnings(slugs, precautions, form.catalog)
    views = []
    for index, row in enumerate(form.exercises.entries):
        exercise = form.catalog.exercise(slugs[index])
        views.append(RowView(
            form=row.form, exercise=exercise,
            dose_kind=exercise.dose_kind if exercise else "reps",
            summary=dose_summary(exercise.dose) if exercise else "",
            warnings=warnings.get(index, []),
        ))
    return views


def _render_builder(form: BuilderForm, status: int = 200, search_results=None):
    diagnosis = catalog().diagnosis(form.diagnosis.data or "")
    return render_template(
        "builder/builder.html", form=form, rows=row_views(form), diagnosis=diagnosis,
        search_results=search_results, max_exercises=MAX_EXERCISES,
    ), status


@bp.get("/<diagnosis_slug>")
def new(diagnosis_slug: str):
    """The builder with the diagnosis's default program filled in."""
    diagnosis = catalog().diagnosis(diagnosis_slug) or abort(404)
    program = default_program(diagnosis, catalog(), today=date.today(),
                              paper=current_clinic().default_paper)
    form = BuilderForm(formdata=None, data=form_data_from_program(program), catalog=catalog())
    return _render_builder(form)


@bp.get("/from/<int:handout_id>")
def edit(handout_id: int):
    """The builder filled from a saved handout's latest version, to print a new version."""
    handout = get_handout(get_session(), current_clinic(), handout_id) or abort(404)
    program = program_of(handout.versions[-1])
    data = form_data_from_program(program)
    data.update(handout_id=str(handout.id), handout_date=date.today())
    form = BuilderForm(formdata=None, data=data, catalog=catalog())
    return _render_builder(form)


@bp.post("/")
def submit():
    """Every builder button posts here; the button's value says what to do."""
    action = parse_action(request.form.get("action"))
    if action.kind in ("add", "remove", "up", "down"):
        return _edit_rows(action)
    form = BuilderForm(request.form, catalog=catalog())
    if action.kind == "search":
        return _render_builder(form, search_results=catalog().search_exercises(form.catalog_query.data or ""))
    if not form.validate():
        return _render_builder(form, 422 if action.kind in ("preview", "download") else 200)
    if action.kind == "update":
        return _render_builder(form)
    return _print(form, as_attachment=action.kind == "download")


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
        item = new_item(exercise, affected_side=formdata.get("affected_side", ""))
        new_row = row_from_item({"exercise": item.exercise, **item.dose.as_dict(), "side": item.side})
    form = BuilderForm(apply_row_action(formdata, "exercises", action, new_row), catalog=catalog())
    return _render_builder(form)


def _print(form: BuilderForm, *, as_attachment: bool):
    """Preview renders without saving; Download keeps the exact bytes as a handout version."""
    program = form.to_program()
    session = get_session()
    clinic = current_clinic()
    handout = None
    if form.handout_id.data and form.handout_id.data.isdigit():
        handout = get_handout(session, clinic, int(form.handout_id.data))
    version = find_identical_version(session, clinic, program, handout) if as_attachment else None
    if version is None:
        # End the read transaction before rendering (a second or more): on SQLite it holds the
        # write lock, and the other workers would wait for the PDF.
        session.commit()
        try:
            rendered = render_program(program, catalog(), branding_for(clinic),
                                      max_pages=current_app.config["HANDOUT_MAX_PAGES"],
                                      cache=current_app.extensions["render_cache"])
        except HandoutTooLong as exc:
            form.exercises.errors.append(f"{exc} Please remove some exercises or notes.")
            return _render_builder(form, 422)
        if not as_attachment:
            return send_file(io.BytesIO(rendered.pdf), mimetype="application/pdf",
                             download_name="preview.pdf", max_age=0)
        diagnosis = catalog().diagnoses[program.diagnosis]
        version = save_version(session, clinic, program, diagnosis.name, rendered, handout)
    return send_file(io.BytesIO(version.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=version.filename, etag=version.pdf_sha256, max_age=0)
