"""Building programs from the catalog: a diagnosis's default program and exercises added to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from prescribe.catalog import Catalog, Diagnosis, Dose, Exercise, SafetyRule
from prescribe.catalog.markup import fill

from .model import DOSE_FIELDS_USED, AdviceLine, Precaution, Program, ProgramItem, handout_languages


def default_side(exercise: Exercise, affected_side: str = "", after_surgery: bool = False) -> str:
    """Per-side exercises default to the affected side when one is known, else both sides.

    Marching and other exercises whose legs take turns alternate whatever the affected side, except
    standing ones after surgery: taking turns would mean standing on the new hip, so the operated
    leg moves and the other leg takes the weight.
    """
    if not exercise.per_side:
        return ""
    one_leg = affected_side in ("left", "right")
    if exercise.alternating and not (after_surgery and one_leg and exercise.stands_on):
        return "alternate"
    return affected_side if one_leg else "both"


def stands_on_operated_leg(exercise: Exercise, side: str, operated_side: str) -> bool:
    """True when the row puts the whole body on the operated leg at some point (after surgery)."""
    if exercise.stands_on not in ("side", "other") or operated_side not in ("left", "right"):
        return False
    if side in ("both", "alternate"):
        return True
    standing_leg = side if exercise.stands_on == "side" else {"left": "right", "right": "left"}.get(side, "")
    return standing_leg == operated_side


def dose_of_kind(kind: str, values: Mapping[str, int | None]) -> Dose:
    """The dose typed for an exercise of ``kind`` (catalog.Exercise.dose_kind): the fields that kind
    does not use (DOSE_FIELDS_USED) are dropped, whatever was in them; a timed exercise is one set."""
    used = DOSE_FIELDS_USED[kind]
    return Dose(
        sets=_given(values, "sets") if "sets" in used else 1,
        reps=values.get("reps") if "reps" in used else None,
        hold_seconds=values.get("hold_seconds") if "hold_seconds" in used else None,
        rest_seconds=values.get("rest_seconds") or 0,
        times_per_day=_given(values, "times_per_day"),
        days_per_week=_given(values, "days_per_week"),
        minutes=values.get("minutes") if "minutes" in used else None,
    )


def _given(values: Mapping[str, int | None], name: str) -> int:
    value = values.get(name)
    if value is None:  # the builder's form asks for it before it builds a dose
        raise ValueError(f"A dose needs {name}.")
    return value


def new_item(exercise: Exercise, dose: Dose | None = None, affected_side: str = "",
             after_surgery: bool = False) -> ProgramItem:
    """A program item for ``exercise`` with its default (or the given) dose."""
    return ProgramItem(exercise=exercise.slug, dose=dose or exercise.dose,
                       side=default_side(exercise, affected_side, after_surgery))


def default_program(diagnosis: Diagnosis, catalog: Catalog, *, today: date | None = None,
                    paper: str = "letter", layout: str = "standard", greyscale: bool = False,
                    language: str = "en") -> Program:
    """The diagnosis's ready-made program: its exercises in order, every advice line ticked, printed
    as given (the clinic's defaults for paper, layout, greyscale and language: a language the
    diagnosis is not ready for prints in English)."""
    return Program(
        diagnosis=diagnosis.slug,
        items=tuple(new_item(catalog.exercises[e.exercise], e.dose) for e in diagnosis.program),
        activity_modifications=tuple(AdviceLine(fill(t)) for t in diagnosis.activity_modifications),
        sitting_advice=tuple(AdviceLine(fill(t)) for t in diagnosis.sitting_advice),
        sleep_advice=tuple(AdviceLine(fill(t)) for t in diagnosis.sleep_advice),
        red_flags_emergency=tuple(AdviceLine(fill(t)) for t in diagnosis.red_flags_emergency),
        red_flags_today=tuple(AdviceLine(fill(t)) for t in diagnosis.red_flags_today),
        red_flags_next_visit=tuple(AdviceLine(fill(t)) for t in diagnosis.red_flags_next_visit),
        precautions=tuple(Precaution(r.move, fill(r.patient_text)) for r in diagnosis.avoid),
        handout_date=today or date.today(),
        paper=paper,
        layout=layout,
        greyscale=greyscale,
        approach=diagnosis.default_approach,
        language=language if language in handout_languages(catalog, diagnosis.slug) else "en",
    )


def for_patient(program: Program, catalog: Catalog, *, name: str, reference: str, affected_side: str) -> Program:
    """``program`` made out to a patient: their details, and per-side exercises on their affected side."""
    after_surgery = catalog.diagnoses[program.diagnosis].surgery if program.diagnosis in catalog.diagnoses else False
    items = tuple(replace(item, side=default_side(catalog.exercises[item.exercise], affected_side, after_surgery))
                  if item.exercise in catalog.exercises else item for item in program.items)
    return replace(program, items=items, patient_name=name, patient_reference=reference,
                   affected_side=affected_side)


def safety_warnings(exercise_slugs: list[str], precautions: list[Precaution] | tuple[Precaution, ...],
                    catalog: Catalog, surgeon_rules: tuple[SafetyRule, ...] = ()) -> dict[int, list[str]]:
    """For each exercise index, the selected precautions (and the surgical approach's rules, which
    are always on) that exercise goes against.

    A warning is advice for the therapist, not a block: they may keep the exercise.
    """
    selected = {p.move: p.text for p in precautions if p.included}
    selected |= {rule.move: f"After this surgery: {fill(rule.patient_text)}" for rule in surgeon_rules}
    warnings: dict[int, list[str]] = {}
    for index, slug in enumerate(exercise_slugs):
        exercise = catalog.exercise(slug)
        if exercise is None:
            continue
        hits = [selected[move] for move in exercise.moves if move in selected]
        if hits:
            warnings[index] = hits
    return warnings
