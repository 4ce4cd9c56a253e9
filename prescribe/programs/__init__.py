"""The domain: programs, their items and doses, and how doses read in plain words."""

from .build import default_program, default_side, for_patient, new_item, safety_warnings
from .model import (
    ADVICE_SECTIONS,
    AFFECTED_SIDES,
    MAX_EXERCISES,
    PAPER_SIZES,
    RED_FLAG_SECTIONS,
    SIDES,
    AdviceLine,
    Precaution,
    Program,
    ProgramItem,
)
from .changes import describe_changes
from .wording import dose_in_words, dose_summary, duration, frequency_in_words

__all__ = [
    "ADVICE_SECTIONS", "AFFECTED_SIDES", "MAX_EXERCISES", "PAPER_SIZES", "RED_FLAG_SECTIONS", "SIDES", "AdviceLine",
    "Precaution", "Program", "ProgramItem", "default_program", "describe_changes", "default_side", "dose_in_words",
    "dose_summary", "duration", "for_patient", "frequency_in_words", "new_item", "safety_warnings",
]
