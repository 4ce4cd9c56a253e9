"""Programs through the API, checked by the builder's own form.

An integrator's program (:class:`ProgramBody`) is turned into what the builder's page would post
and validated by :class:`BuilderForm`, so the API accepts exactly what a therapist can print, with
the same messages; each message is returned against the JSON field it belongs to
(``json.exercises.2.sets``). Sections left out take the diagnosis's own lines, so a program sent
with only its exercises still prints every warning sign.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from prescribe.catalog import Catalog, Dose
from prescribe.models import Clinic
from prescribe.programs import (
    ADVICE_SECTIONS,
    DOSE_FIELDS,
    Program,
    ProgramItem,
    default_program,
    new_item,
    safety_warnings,
)

from ..builder.forms import BuilderForm
from .problems import FieldProblem
from .schemas import AdviceLineBody, ExerciseRow, FieldWarning, PrecautionBody, ProgramBody

COUNTS = (*DOSE_FIELDS, "times_per_day", "days_per_week")
ROW_TEXT = ("exercise", "side", "resistance", "note")


@dataclass(frozen=True)
class Checked:
    """What the builder's form makes of a program: the program (when valid) and what to fix."""

    program: Program | None
    ready_to_print: bool
    errors: list[FieldProblem]
    warnings: list[FieldWarning]


def body_of(program: Program) -> ProgramBody:
    """``program`` in the API's shape (every section written out)."""
    sections: dict[str, Any] = {
        name: [AdviceLineBody(text=a.text, included=a.included, custom=a.custom) for a in getattr(program, name)]
        for name in ADVICE_SECTIONS}
    return ProgramBody(
        diagnosis=program.diagnosis,
        exercises=[ExerciseRow(exercise=i.exercise, side=i.side, resistance=i.resistance, note=i.note,
                               **i.dose.as_dict()) for i in program.items],
        patient_name=program.patient_name, patient_reference=program.patient_reference,
        affected_side=program.affected_side, therapist_name=program.therapist_name,
        handout_date=program.handout_date, next_visit=program.next_visit, paper=program.paper,
        layout=program.layout, greyscale=program.greyscale, language=program.language, include_log=program.include_log,
        start_gently=program.start_gently, approach=program.approach, weight_bearing=program.weight_bearing,
        precautions=[PrecautionBody(move=p.move, text=p.text, included=p.included) for p in program.precautions],
        **sections)


def check(body: ProgramBody, clinic: Clinic, catalog: Catalog) -> Checked:
    """Validate ``body`` with the builder's form, for ``clinic`` (its paper, layout and greys by default)."""
    form = BuilderForm(_formdata(body, clinic, catalog), catalog=catalog, meta={"csrf": False})
    valid = form.validate()
    ready = valid and form.ready_to_print()
    errors = _errors(form)
    program = form.to_program() if valid else None
    warnings: list[FieldWarning] = []
    if program is not None:
        diagnosis = catalog.diagnosis(program.diagnosis)
        rules = catalog.rules_for(diagnosis, program.approach) if diagnosis else ()
        slugs = [item.exercise for item in program.items]
        for index, messages in safety_warnings(slugs, program.precautions, catalog, rules).items():
            warnings += [FieldWarning(field=f"json.exercises.{index}", exercise=slugs[index], message=message)
                         for message in messages]
    return Checked(program, ready, errors, warnings)


def _defaults(body: ProgramBody, clinic: Clinic, catalog: Catalog) -> Program | None:
    diagnosis = catalog.diagnosis(body.diagnosis)
    if diagnosis is None:
        return None
    return default_program(diagnosis, catalog, today=date.today(), paper=clinic.default_paper,
                           layout=clinic.default_layout, greyscale=clinic.default_greyscale,
                           language=clinic.default_language)


def _formdata(body: ProgramBody, clinic: Clinic, catalog: Catalog) -> MultiDict:
    """What the builder's page would post for ``body``."""
    start = _defaults(body, clinic, catalog)
    data: dict[str, Any] = {
        "diagnosis": body.diagnosis,
        "patient_name": body.patient_name, "patient_reference": body.patient_reference,
        "affected_side": body.affected_side, "therapist_name": body.therapist_name,
        "handout_date": (body.handout_date or date.today()).isoformat(),
        "next_visit": body.next_visit.isoformat() if body.next_visit else "",
        "paper": body.paper if body.paper is not None else clinic.default_paper,
        "layout": body.layout if body.layout is not None else clinic.default_layout,
        "language": body.language if body.language is not None else (start.language if start else "en"),
        "approach": body.approach, "weight_bearing": body.weight_bearing,
    }
    greyscale = body.greyscale if body.greyscale is not None else clinic.default_greyscale
    flags = {"greyscale": greyscale, "include_log": body.include_log, "start_gently": body.start_gently}
    data |= {name: "y" for name, on in flags.items() if on}
    for index, row in enumerate(body.exercises):
        for name in ROW_TEXT:
            data[f"exercises-{index}-{name}"] = getattr(row, name)
        for name in COUNTS:
            value = getattr(row, name)
            data[f"exercises-{index}-{name}"] = "" if value is None else str(value)
    for name in ADVICE_SECTIONS:
        given = getattr(body, name)
        lines = ([AdviceLineBody(text=a.text, included=a.included, custom=a.custom) for a in getattr(start, name)]
                 if given is None and start is not None else given or [])
        listed = [line for line in lines if not line.custom]
        for index, line in enumerate(listed):
            data[f"{name}-{index}-text"] = line.text
            if line.included:
                data[f"{name}-{index}-included"] = "y"
        data[f"own_{name}"] = "\n".join(line.text for line in lines if line.custom and line.included)
    precautions = ([PrecautionBody(move=p.move, text=p.text, included=p.included) for p in start.precautions]
                   if body.precautions is None and start is not None else body.precautions or [])
    for index, precaution in enumerate(precautions):
        data[f"precautions-{index}-move"] = precaution.move
        data[f"precautions-{index}-text"] = precaution.text
        if precaution.included:
            data[f"precautions-{index}-included"] = "y"
    return MultiDict(data)


def _errors(form: BuilderForm) -> list[FieldProblem]:
    """The form's messages against the JSON fields they belong to."""
    found: list[FieldProblem] = []
    for field in form:
        name = field.name
        if name.startswith("own_"):
            name = name.removeprefix("own_")  # the therapist's own lines are the section's custom lines
        if name == "exercises":
            found += [FieldProblem(field="json.exercises", message=str(m)) for m in field.errors
                      if isinstance(m, str)]
            for index, entry in enumerate(field.entries):
                for sub in entry.form:
                    found += [FieldProblem(field=f"json.exercises.{index}.{sub.short_name}", message=m)
                              for m in sub.errors if sub.short_name != "side_default"]
        elif hasattr(field, "entries"):
            for index, entry in enumerate(field.entries):
                for sub in entry.form:
                    found += [FieldProblem(field=f"json.{name}.{index}.{sub.short_name}", message=m)
                              for m in sub.errors]
        else:
            found += [FieldProblem(field=f"json.{name}", message=m) for m in field.errors]
    return found


def changed(program: Program, change: list[ExerciseRow], remove: list[str], catalog: Catalog) -> Program:
    """``program`` without the ``remove`` exercises and with ``change``'s rows: a row naming an exercise
    in the program replaces the fields it gives; any other is added at the end with its exercise's
    defaults for what it leaves out."""
    items = [item for item in program.items if item.exercise not in set(remove)]
    after_surgery = bool(catalog.diagnosis(program.diagnosis) and catalog.diagnoses[program.diagnosis].surgery)
    for row in change:
        given = row.model_dump(exclude_unset=True)
        index = next((n for n, item in enumerate(items) if item.exercise == row.exercise), None)
        exercise = catalog.exercise(row.exercise)
        if index is None:
            if exercise is None:  # left in for the form to name; nothing to take defaults from
                items.append(ProgramItem(exercise=row.exercise, dose=Dose(**_dose_values(given)),
                                         side=row.side))
                continue
            items.append(new_item(exercise, affected_side=program.affected_side, after_surgery=after_surgery))
            index = len(items) - 1
        item = items[index]
        dose = replace(item.dose, **{k: v for k, v in given.items() if k in COUNTS})
        items[index] = replace(item, dose=dose, **{k: v for k, v in given.items() if k in ("side", "resistance",
                                                                                             "note")})
    return program.with_items(items)


def _dose_values(given: dict[str, Any]) -> dict[str, Any]:
    values = {"sets": 1, "reps": None, "hold_seconds": None, "rest_seconds": 0, "times_per_day": 1,
              "days_per_week": 7, "minutes": None}
    return values | {k: v for k, v in given.items() if k in COUNTS}


__all__ = ["Checked", "body_of", "changed", "check"]
