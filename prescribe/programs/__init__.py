"""The domain: programs, their items and doses, and how doses read in plain words."""

from .build import (
    default_program,
    default_side,
    dose_of_kind,
    for_patient,
    new_item,
    safety_warnings,
    stands_on_operated_leg,
)
from .changes import describe_changes, with_changes
from .model import (
    ADVICE_SECTION_TABLE,
    ADVICE_SECTIONS,
    AFFECTED_SIDES,
    DOSE_FIELDS,
    DOSE_FIELDS_USED,
    HANDOUT_LANGUAGES,
    LAYOUTS,
    MAX_EXERCISES,
    PAPER_SIZES,
    RED_FLAG_SECTIONS,
    SIDES,
    SPANISH_NOT_READY,
    WEIGHT_BEARING,
    AdviceLine,
    Precaution,
    Program,
    ProgramItem,
    handout_languages,
)
from .wording import (
    amount_in_short,
    dose_in_words,
    dose_summary,
    duration,
    filled,
    frequency_in_words,
    frequency_phrase,
    how_often_lines,
    side_line,
    timer_seconds,
)

__all__ = [
    "amount_in_short", "frequency_phrase",
    "ADVICE_SECTION_TABLE", "ADVICE_SECTIONS", "AFFECTED_SIDES", "DOSE_FIELDS", "DOSE_FIELDS_USED",
    "HANDOUT_LANGUAGES", "SPANISH_NOT_READY", "handout_languages", "WEIGHT_BEARING", "filled", "how_often_lines",
    "side_line",
    "LAYOUTS", "MAX_EXERCISES", "PAPER_SIZES", "RED_FLAG_SECTIONS", "SIDES", "AdviceLine",
    "Precaution", "Program", "ProgramItem", "default_program", "describe_changes", "default_side", "dose_in_words",
    "dose_of_kind", "dose_summary", "duration", "for_patient", "frequency_in_words", "new_item", "safety_warnings",
    "stands_on_operated_leg", "timer_seconds", "with_changes",
]
