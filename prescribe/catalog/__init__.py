"""The exercise and diagnosis catalog: content files in ``exercises_db/`` loaded as frozen data."""

from __future__ import annotations

from pathlib import Path

from .loader import CatalogError, ContentError, load_catalog, load_catalog_collecting
from .model import (
    CATEGORIES,
    EQUIPMENT,
    MOVES,
    POSITIONS,
    Catalog,
    Diagnosis,
    Dose,
    Exercise,
    HandoutText,
    PainGuide,
    ProgramEntry,
    RED_FLAG_TIERS,
    SafetyRule,
)
from .readability import MAX_GRADE, assess

__all__ = [
    "CATEGORIES", "EQUIPMENT", "MOVES", "POSITIONS", "Catalog", "CatalogError", "ContentError",
    "Diagnosis", "Dose", "Exercise", "HandoutText", "PainGuide", "ProgramEntry", "RED_FLAG_TIERS", "SafetyRule", "check_content",
    "load_catalog", "load_default_catalog", "default_content_root",
]


def default_content_root() -> Path:
    """``exercises_db/`` at the top of the repository."""
    return Path(__file__).resolve().parents[2] / "exercises_db"


def _illustration_parser():
    try:
        from prescribe.illustration import parse_illustration
    except ImportError:  # the illustration package is optional while it is being built
        return None
    return parse_illustration


def load_default_catalog(root: Path | None = None) -> Catalog:
    """Load and validate the catalog (with illustrations) from ``root`` or ``exercises_db/``."""
    return load_catalog(root or default_content_root(), _illustration_parser())


def check_content(root: Path | None = None) -> list[ContentError]:
    """Every schema, link, safety and plain-language error in the content, file by file."""
    root = root or default_content_root()
    catalog, errors = load_catalog_collecting(root, _illustration_parser())
    for slug, exercise in sorted(catalog.exercises.items()):
        errors.extend(_readability_errors(f"exercises/{slug}.toml", exercise.patient_texts()))
    for slug, diagnosis in sorted(catalog.diagnoses.items()):
        errors.extend(_readability_errors(f"diagnoses/{slug}.toml", diagnosis.patient_texts()))
    if catalog.handout_text:
        errors.extend(_readability_errors("handout.toml", catalog.handout_text.patient_texts()))
    return errors


def _readability_errors(file: str, sentences: list[str]) -> list[ContentError]:
    report = assess(sentences)
    errors = []
    if report.grade > MAX_GRADE:
        errors.append(ContentError(file, "(patient text)",
                                   f"reads at grade {report.grade}; at most {MAX_GRADE} allowed"))
    for sentence in report.hard_sentences:
        errors.append(ContentError(file, "(patient text)",
                                   f"this sentence is too hard to read, split or simplify it: {sentence[:70]!r}"))
    if report.jargon:
        errors.append(ContentError(file, "(patient text)",
                                   f"uses jargon: {', '.join(report.jargon)}; use everyday words"))
    return errors
