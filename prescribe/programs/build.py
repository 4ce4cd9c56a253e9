"""Building programs from the catalog: a diagnosis's default program and exercises added to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from prescribe.catalog import Catalog, Diagnosis, Dose, Exercise

from .model import AdviceLine, Precaution, Program, ProgramItem


def default_side(exercise: Exercise, affected_side: str = "") -> str:
    """Per-side exercises default to the affected side when one is known, else both sides.

    Marching and other exercises whose legs take turns alternate whatever the affected side:
    their steps say to switch legs, so "Right leg only" would contradict them.
    """
    if not exercise.per_side:
        return ""
    if exercise.alternating:
        return "alternate"
    return affected_side if affected_side in ("left", "right") else "both"


def new_item(exercise: Exercise, dose: Dose | None = None, affected_side: str = "") -> ProgramItem:
    """A program item for ``exercise`` with its default (or the given) dose."""
    return ProgramItem(exercise=exercise.slug, dose=dose or exercise.dose,
                       side=default_side(exercise, affected_side))


def default_program(diagnosis: Diagnosis, catalog: Catalog, *, today: date | None = None,
                    paper: str = "letter") -> Program:
    """The diagnosis's ready-made program: its exercises in order, every advice line ticked."""
    return Program(
        diagnosis=diagnosis.slug,
        items=tuple(new_item(catalog.exercises[e.exercise], e.dose) for e in diagnosis.program),
        activity_modifications=tuple(AdviceLine(t) for t in diagnosis.activity_modifications),
        sitting_advice=tuple(AdviceLine(t) for t in diagnosis.sitting_advice),
        sleep_advice=tuple(AdviceLine(t) for t in diagnosis.sleep_advice),
        red_flags_emergency=tuple(AdviceLine(t) for t in diagnosis.red_flags_emergency),
        red_flags_today=tuple(AdviceLine(t) for t in diagnosis.red_flags_today),
        red_flags_next_visit=tuple(AdviceLine(t) for t in diagnosis.red_flags_next_visit),
        precautions=tuple(Precaution(r.move, r.patient_text) for r in diagnosis.avoid),
        handout_date=today or date.today(),
        paper=paper,
    )


def for_patient(program: Program, catalog: Catalog, *, name: str, reference: str, affected_side: str) -> Program:
    """``program`` made out to a patient: their details, and per-side exercises on their affected side."""
    items = tuple(replace(item, side=default_side(catalog.exercises[item.exercise], affected_side))
                  if item.exercise in catalog.exercises else item for item in program.items)
    return replace(program, items=items, patient_name=name, patient_reference=reference,
                   affected_side=affected_side)


def safety_warnings(exercise_slugs: list[str], precautions: list[Precaution] | tuple[Precaution, ...],
                    catalog: Catalog) -> dict[int, list[str]]:
    """For each exercise index, the selected precautions that exercise goes against.

    A warning is advice for the therapist, not a block: they may keep the exercise.
    """
    selected = {p.move: p.text for p in precautions if p.included}
    warnings: dict[int, list[str]] = {}
    for index, slug in enumerate(exercise_slugs):
        exercise = catalog.exercise(slug)
        if exercise is None:
            continue
        hits = [selected[move] for move in exercise.moves if move in selected]
        if hits:
            warnings[index] = hits
    return warnings
