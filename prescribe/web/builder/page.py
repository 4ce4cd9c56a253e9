"""What the builder page shows: its rows and their inputs as plain values.

The page is rendered from these values rather than from WTForms fields. A default program has
about 140 inputs in its rows, and building a WTForms field for each, then rendering it through its
widget, was most of the page's time. WTForms still parses and validates every post: a page shown
again after a post is built from the posted form (:func:`rows_from_form`: the raw text as typed,
and the errors), a fresh page from the program's form data (:func:`rows_from_data`). Both give the
same inputs for the same program, which a test checks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from prescribe.catalog import Catalog, Dose, Exercise, SafetyRule
from prescribe.catalog.loader import DOSE_LIMITS
from prescribe.programs import (
    ADVICE_SECTIONS,
    DOSE_FIELDS,
    DOSE_FIELDS_USED,
    Precaution,
    dose_summary,
    safety_warnings,
)

from .forms import (
    NOTE_MAXLENGTH,
    OWN_LINES_MAXLENGTH,
    RESISTANCE_MAXLENGTH,
    SIDE_CHOICES,
    BuilderForm,
)
from .rows import Action, RowChange

# What the inputs allow, as the form checks it: the page's min, max and maxlength attributes.
INPUT_LIMITS = {
    "maxlength": {"resistance": RESISTANCE_MAXLENGTH, "note": NOTE_MAXLENGTH, "own_lines": OWN_LINES_MAXLENGTH},
    "side_choices": SIDE_CHOICES,
}
# The form's lists of rows (each row a FormField of inputs).
ROW_LISTS = frozenset({"exercises", "precautions", *ADVICE_SECTIONS})
# A row's dose inputs in the order the page shows them; each kind of exercise shows some of them
# (prescribe.programs.DOSE_FIELDS_USED) and keeps the others as hidden inputs. Labels and units as printed,
# in the page's language.
DOSE_INPUT_ORDER = ("sets", "reps", "hold_seconds", "minutes", "rest_seconds", "times_per_day", "days_per_week")
DOSE_INPUT_LABELS = {"sets": _l("Sets"), "reps": _l("Reps"), "hold_seconds": _l("Hold"), "minutes": _l("Minutes"),
                     "rest_seconds": _l("Rest"), "times_per_day": _l("Times a day"), "days_per_week": _l("Days a week")}
# The advice sections' titles as the builder shows them (prescribe.programs.ADVICE_SECTION_TABLE's
# builder_title), in the page's language; the handout prints its own titles in its own language.
ADVICE_TITLES = {"activity_modifications": _l("Moving through your day"), "sitting_advice": _l("Sitting"),
                 "sleep_advice": _l("Sleeping"),
                 "red_flags_emergency": _l("Warning signs: call the emergency number now if"),
                 "red_flags_today": _l("Warning signs: call us today if"),
                 "red_flags_next_visit": _l("Warning signs: tell us at the next visit if")}
# The other inputs of a row, as the error summary names them.
ROW_INPUT_LABELS = {"side": _l("Side"), "resistance": _l("Band or weight"), "note": _l("Note to the patient")}
SECONDS = {"hold_seconds", "rest_seconds"}
EXERCISE_INPUTS = ("exercise", "sets", "reps", "hold_seconds", "minutes", "rest_seconds", "times_per_day",
                   "days_per_week", "side", "side_default", "resistance", "note")


@dataclass(frozen=True)
class Input:
    """One input as the page shows it: its name (also its id), its text, and what is wrong with it.

    A checkbox's ``value`` is "y" when ticked and "" when not; a select's is the chosen option.
    """

    name: str
    value: str = ""
    errors: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.name

    @property
    def checked(self) -> bool:
        return bool(self.value)

    @classmethod
    def of_field(cls, field) -> Input:
        """A posted text, number or hidden field: what was typed, even if it is not valid."""
        return cls(field.name, field._value(), tuple(field.errors))

    @classmethod
    def of_choice(cls, field) -> Input:
        """A posted select or checkbox: the chosen value, or "y" for a ticked box."""
        if field.type == "BooleanField":
            return cls(field.name, "y" if field.data else "", tuple(field.errors))
        return cls(field.name, "" if field.data is None else str(field.data), tuple(field.errors))

    @classmethod
    def of_value(cls, name: str, value: object) -> Input:
        """An input filled from a program's data (None is empty, True ticks a box)."""
        if value is None or value is False:
            return cls(name)
        return cls(name, "y" if value is True else str(value))


@dataclass(frozen=True)
class DoseInput:
    """One dose input of a row: shown with its label, unit and range, or kept as a hidden input."""

    input: Input
    label: str
    unit: str
    limits: tuple[int, int]
    shown: bool


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise of the program, with its catalog entry and its inputs by field name."""

    exercise: Exercise | None
    inputs: Mapping[str, Input]
    warnings: tuple[str, ...] = ()
    default_dose: Dose | None = None  # the dose the diagnosis's program fills in, else the exercise's
    swaps: tuple[tuple[str, Exercise], ...] = ()  # ("easier", its easier variant), ("harder", ...)

    @property
    def slug(self) -> str:
        return self.inputs["exercise"].value

    @property
    def dose_kind(self) -> str:
        return self.exercise.dose_kind if self.exercise else "reps"  # an unknown row shows as reps

    @property
    def dose_inputs(self) -> list[DoseInput]:
        """The row's dose inputs, in page order; those its kind of exercise does not use are hidden."""
        kind = self.dose_kind
        return [
            DoseInput(self.inputs[name],
                      _("Hold each") if name == "hold_seconds" and kind == "reps" else str(DOSE_INPUT_LABELS[name]),
                      "s" if name in SECONDS else "", DOSE_LIMITS[name],
                      name not in DOSE_FIELDS or name in DOSE_FIELDS_USED[kind])
            for name in DOSE_INPUT_ORDER
        ]

    @property
    def fragment_key(self) -> tuple | None:
        """What the row's HTML depends on besides its place and the clinic colour, for the
        template's fragment cache; None (not kept) when the row has free text or an error."""
        if self.exercise is None or self.inputs["note"].value or self.inputs["resistance"].value:
            return None
        if any(field.errors for field in self.inputs.values()):
            return None
        return ("exercise-row", tuple(self.inputs.values()), self.warnings, self.default_dose)

    @property
    def name(self) -> str:
        return self.exercise.name if self.exercise else self.slug

    @property
    def first_input_id(self) -> str:
        """Where the keyboard goes when the row arrives: its first dose input shown."""
        return next((dose.input.id for dose in self.dose_inputs if dose.shown), self.inputs["note"].id)

    @property
    def summary(self) -> str:
        """The default dose shown beside the inputs: the diagnosis's, or the exercise's own."""
        dose = self.default_dose or (self.exercise.dose if self.exercise else None)
        return dose_summary(dose) if dose else ""


@dataclass(frozen=True)
class AdviceRow:
    """A line of advice the therapist can tick on or off."""

    text: Input
    included: Input


@dataclass(frozen=True)
class PrecautionRow:
    """A safety rule: printed when ticked, and checked against the exercises."""

    move: Input
    text: Input
    included: Input


@dataclass(frozen=True)
class BuilderRows:
    """Everything the builder lists row by row."""

    exercises: tuple[ExerciseRow, ...]
    advice: Mapping[str, tuple[AdviceRow, ...]]
    own_lines: Mapping[str, Input]  # per advice section: the therapist's own lines, one per line
    precautions: tuple[PrecautionRow, ...]

    def advice_key(self, section: str) -> tuple | None:
        """The fragment-cache key of a section's lines (the catalog's wording and the ticks), or
        None when one of them has an error."""
        lines = self.advice[section]
        if any(line.text.errors or line.included.errors for line in lines):
            return None
        return ("advice-lines", section, lines)


def rows_from_form(form: BuilderForm) -> BuilderRows:
    """The rows of a posted (and possibly invalid) form, as typed, with their errors."""
    exercises = [
        {name: (Input.of_choice if name == "side" else Input.of_field)(entry.form[name]) for name in EXERCISE_INPUTS}
        for entry in form.exercises.entries
    ]
    advice = {
        section: tuple(AdviceRow(Input.of_field(entry.form.text), Input.of_choice(entry.form.included))
                       for entry in getattr(form, section).entries)
        for section in ADVICE_SECTIONS
    }
    own_lines = {section: Input.of_field(form[f"own_{section}"]) for section in ADVICE_SECTIONS}
    precautions = tuple(
        PrecautionRow(Input.of_field(entry.form.move), Input.of_field(entry.form.text),
                      Input.of_choice(entry.form.included))
        for entry in form.precautions.entries
    )
    return _with_catalog(exercises, advice, own_lines, precautions, form.catalog,
                         _surgeon_rules(form.catalog, form.diagnosis.data, form.approach.data),
                         _default_doses(form.catalog, form.diagnosis.data))


def rows_from_data(data: Mapping[str, Any], catalog: Catalog) -> BuilderRows:
    """The rows of a program's form data (:func:`~prescribe.web.builder.forms.form_data_from_program`)."""
    exercises = [
        {name: Input.of_value(f"exercises-{index}-{name}", values.get(name)) for name in EXERCISE_INPUTS}
        for index, values in enumerate(data.get("exercises", ()))
    ]
    advice = {
        section: tuple(AdviceRow(Input.of_value(f"{section}-{index}-text", line["text"]),
                                 Input.of_value(f"{section}-{index}-included", bool(line["included"])))
                       for index, line in enumerate(data.get(section, ())))
        for section in ADVICE_SECTIONS
    }
    own_lines = {section: Input.of_value(f"own_{section}", data.get(f"own_{section}")) for section in ADVICE_SECTIONS}
    precautions = tuple(
        PrecautionRow(Input.of_value(f"precautions-{index}-move", rule["move"]),
                      Input.of_value(f"precautions-{index}-text", rule["text"]),
                      Input.of_value(f"precautions-{index}-included", bool(rule["included"])))
        for index, rule in enumerate(data.get("precautions", ()))
    )
    return _with_catalog(exercises, advice, own_lines, precautions, catalog,
                         _surgeon_rules(catalog, data.get("diagnosis"), data.get("approach")),
                         _default_doses(catalog, data.get("diagnosis")))


def _swaps(catalog: Catalog, slug: str) -> tuple[tuple[str, Exercise], ...]:
    """The exercise's easier and harder variants, those the catalog has."""
    exercise = catalog.exercise(slug)
    if exercise is None:
        return ()
    variants = (("easier", catalog.exercise(exercise.easier or "")),
                ("harder", catalog.exercise(exercise.harder or "")))
    return tuple((way, variant) for way, variant in variants if variant is not None)


def _default_doses(catalog: Catalog, diagnosis_slug: object) -> dict[str, Dose]:
    """The doses the diagnosis's default program gives its exercises."""
    diagnosis = catalog.diagnosis(str(diagnosis_slug or ""))
    return {entry.exercise: entry.dose for entry in diagnosis.program} if diagnosis else {}


def _surgeon_rules(catalog: Catalog, diagnosis_slug: object, approach: object) -> tuple[SafetyRule, ...]:
    diagnosis = catalog.diagnosis(str(diagnosis_slug or ""))
    return catalog.rules_for(diagnosis, str(approach or "")) if diagnosis else ()


def _with_catalog(exercises: list[dict[str, Input]], advice: dict[str, tuple[AdviceRow, ...]],
                  own_lines: dict[str, Input], precautions: tuple[PrecautionRow, ...],
                  catalog: Catalog, surgeon_rules: tuple[SafetyRule, ...] = (),
                  default_doses: Mapping[str, Dose] | None = None) -> BuilderRows:
    """Pair each exercise row with its catalog entry and the safety warnings the ticked rules (and
    the surgical approach's rules) raise."""
    slugs = [inputs["exercise"].value for inputs in exercises]
    rules = [Precaution(rule.move.value, rule.text.value, rule.included.checked) for rule in precautions]
    warnings = safety_warnings(slugs, rules, catalog, surgeon_rules)
    rows = tuple(ExerciseRow(catalog.exercise(slug), inputs, tuple(warnings.get(index, ())),
                             (default_doses or {}).get(slug), _swaps(catalog, slug))
                 for index, (slug, inputs) in enumerate(zip(slugs, exercises, strict=True)))
    return BuilderRows(rows, advice, own_lines, precautions)


# Fields of a fresh page that hold what a person wrote or who the page is for. A page with any of
# them filled is never kept after its request (the fragment store's rule: nothing typed, no PHI).
PERSONAL_FIELDS = ("patient_name", "patient_reference", "patient_id", "handout_id", "template_name",
                   "catalog_query", *(f"own_{name}" for name in ADVICE_SECTIONS))
PERSONAL_ROW_FIELDS = ("note", "resistance")


def fresh_page_key(data: Mapping[str, Any], *, clinic_id: int, accent: str,
                   zero_phi: bool) -> Hashable | None:
    """What a fresh builder form shows, as a key to keep its HTML by; None if it must not be kept.

    A fresh page (nothing posted, so no errors) is a pure function of the program's form data
    (:func:`prescribe.web.builder.forms.form_data_from_program`), the clinic's colour and its zero-PHI
    setting; the clinic's id is in the key too, so no clinic is ever shown a page kept for another.
    The CSRF token is not part of it: the page writes it outside the kept form body.
    """
    if any(data.get(name) for name in PERSONAL_FIELDS):
        return None
    rows = data.get("exercises") or ()
    if any(row.get(name) for row in rows for name in PERSONAL_ROW_FIELDS):
        return None
    # repr: form data holds only text, numbers, booleans, dates, lists and dicts, whose repr tells
    # any two different values apart; data built in another key order only misses the cache.
    return ("builder-form", clinic_id, accent, bool(zero_phi), repr(data))


@dataclass(frozen=True)
class UndoOffer:
    """A row just removed: its name and place, and its inputs as posted (``removed-FIELD``), for Undo."""

    index: int
    name: str
    inputs: tuple[Input, ...]


def undo_offer(removed: Mapping[str, str] | None, index: int | None, catalog: Catalog) -> UndoOffer | None:
    """The Undo line shown where a row was removed; None when nothing was."""
    if removed is None or index is None:
        return None
    exercise = catalog.exercise(removed.get("exercise", ""))
    fields = tuple(Input(f"removed-{name}", removed.get(name, "")) for name in EXERCISE_INPUTS if name in removed)
    return UndoOffer(index, exercise.name if exercise else removed.get("exercise", "the exercise"),
                     (*fields, Input("removed-index", str(index))))


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: what is wrong, linking to the input it is about."""

    target: str
    message: str


# The form's own fields in the order the page shows them, the exercises' place marked by None.
PAGE_ORDER = ("diagnosis", "patient_name", "patient_reference", "affected_side", "approach", "weight_bearing",
              "therapist_name", "handout_date", "next_visit", None, "start_gently", "catalog_query", "catalog_region",
              "paper", "language", "layout", "greyscale", "include_log", "show_changes", "template_name",
              "template_scope")


def error_summary(form: BuilderForm, rows: BuilderRows) -> tuple[ErrorLink, ...]:
    """Every error on the page, in page order, each linking to its input (the error summary)."""
    links: list[ErrorLink] = []
    own = {field.name: field for field in form if field.name not in ROW_LISTS and field.name != "csrf_token"}
    for name in (*PAGE_ORDER, *(name for name in own if name not in PAGE_ORDER)):
        if name is None:
            links.extend(_exercise_errors(form, rows))
        elif name in own:
            links.extend(ErrorLink(own[name].id, f"{own[name].label.text}: {error}") for error in own[name].errors)
    for section in ADVICE_SECTIONS:
        for line in rows.advice[section]:
            links.extend(ErrorLink(line.included.id, _("Advice line “%(line)s”: %(error)s", line=line.text.value[:40],
                                                      error=error))
                         for error in (*line.text.errors, *line.included.errors))
        own_lines = rows.own_lines[section]
        links.extend(ErrorLink(own_lines.id, _("Your own lines: %(error)s", error=error)) for error in own_lines.errors)
    for rule in rows.precautions:
        links.extend(ErrorLink(rule.included.id, _("Safety rule “%(rule)s”: %(error)s", rule=rule.text.value[:40],
                                                      error=error))
                     for error in (*rule.move.errors, *rule.text.errors, *rule.included.errors))
    return tuple(links)


def _exercise_errors(form: BuilderForm, rows: BuilderRows) -> list[ErrorLink]:
    links = [ErrorLink("exercise-list", error) for error in form.exercises.errors if isinstance(error, str)]
    for index, row in enumerate(rows.exercises):
        for name, field in row.inputs.items():
            label = DOSE_INPUT_LABELS.get(name) or ROW_INPUT_LABELS.get(name) or _("Exercise")
            links.extend(ErrorLink(field.id, _("Exercise %(number)d (%(name)s), %(label)s: %(error)s",
                                               number=index + 1, name=row.name, label=label, error=error))
                         for error in field.errors)
    return links


@dataclass(frozen=True)
class Reply:
    """What the page does after a change: where keyboard focus goes, and what a screen reader hears."""

    focus: str = ""  # an element's id
    say: str = ""
    undo: UndoOffer | None = None
    saved: str = ""  # the confirmation shown next to Save as template


NO_REPLY = Reply()  # nothing to focus or say (the whole page, fresh)


def row_reply(action: Action, change: RowChange, rows: BuilderRows, catalog: Catalog, swapped_from: str = "") -> Reply:
    """Where focus goes after a row action, what is announced, and the Undo line after a removal."""
    undo = undo_offer(change.removed, change.removed_index, catalog)
    if undo is not None:
        return Reply("undo", _("Removed %(name)s. Undo puts it back.", name=undo.name), undo=undo)
    place = change.moved_to
    if place is None or place >= len(rows.exercises):
        return Reply("exercise-list", _("Nothing changed."))
    row = rows.exercises[place]
    total = len(rows.exercises)
    if action.kind in ("up", "down", "move"):
        moved_up = action.kind == "up" or (action.kind == "move" and place < (action.index or 0))
        button = "up" if (moved_up and place > 0) or place == total - 1 else "down"
        return Reply(f"row-{place}-{button}", _("%(name)s moved to place %(place)d of %(total)d.", name=row.name,
                                                 place=place + 1, total=total))
    if action.kind == "swap":
        before = catalog.exercise(swapped_from)
        went = "easier" if before and before.easier == row.slug else "harder"
        back = "harder" if went == "easier" else "easier"
        ways = dict(row.swaps)
        focus = next((f"row-{place}-{way}" for way in (went, back) if way in ways), row.first_input_id)
        said = (_("Swapped for the easier %(name)s, with its own dose.", name=row.name) if went == "easier"
                else _("Swapped for the harder %(name)s, with its own dose.", name=row.name))
        return Reply(focus, said)
    if action.kind == "undo":
        return Reply(row.first_input_id, _("%(name)s is back in place %(place)d.", name=row.name, place=place + 1))
    return Reply(row.first_input_id, _("Added %(name)s as exercise %(place)d of %(total)d. Its dose comes first.",
                                       name=row.name, place=place + 1, total=total))
