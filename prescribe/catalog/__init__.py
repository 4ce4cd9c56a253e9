"""The exercise and diagnosis catalog: content files in ``exercises_db/`` loaded as frozen data."""

from __future__ import annotations

from pathlib import Path

from .loader import CatalogError, ContentError, load_catalog, load_catalog_collecting
from .markup import DOSE_PLACEHOLDERS, PLACEHOLDERS, markup_errors, placeholders, plain, plain_es, unmarked_counts
from .model import (
    CATEGORIES,
    EQUIPMENT,
    MOVES,
    POSITIONS,
    RED_FLAG_TIERS,
    Catalog,
    Diagnosis,
    Dose,
    Exercise,
    HandoutText,
    PainGuide,
    ProgramEntry,
    SafetyRule,
)
from .readability import MAX_GRADE, MIN_READING_EASE_ES, assess, find_jargon_es, reading_ease_es

__all__ = [
    "CATEGORIES", "EQUIPMENT", "MOVES", "POSITIONS", "Catalog", "CatalogError", "ContentError",
    "Diagnosis", "Dose", "Exercise", "HandoutText", "PainGuide", "ProgramEntry", "RED_FLAG_TIERS", "SafetyRule",
    "check_content",
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


def _moves_from_pose():
    try:
        from prescribe.illustration.movement import illustration_moves
    except ImportError:
        return None
    return illustration_moves


def load_default_catalog(root: Path | None = None) -> Catalog:
    """Load and validate the catalog (with illustrations) from ``root`` or ``exercises_db/``.

    Each exercise's movement tags include those its figure shows. Loaded once per process and
    shared by every app made in it (the tests make one per test) for as long as no file under
    ``root`` changes: the catalog is read-only once loaded.
    """
    root = (root or default_content_root()).resolve()
    key = (root, _files_signature(root))
    catalog = _loaded.get(key)
    if catalog is None:
        catalog = load_catalog(root, _illustration_parser(), _moves_from_pose())
        while len(_loaded) >= LOADED_KEPT:
            _loaded.pop(next(iter(_loaded)))
        _loaded[key] = catalog
    return catalog


LOADED_KEPT = 4  # catalogs kept per process (one content folder in production; the tests use a few)
_loaded: dict[tuple[Path, int], Catalog] = {}


def _files_signature(root: Path) -> int:
    """Changes when any file under ``root`` is added, removed, renamed, rewritten or touched."""
    files = (path for path in root.rglob("*") if path.is_file())
    return hash(tuple(sorted((str(path), (stat := path.stat()).st_mtime_ns, stat.st_size) for path in files)))


def check_content(root: Path | None = None) -> list[ContentError]:
    """Every schema, link, safety and plain-language error in the content, file by file."""
    root = root or default_content_root()
    catalog, errors = load_catalog_collecting(root, _illustration_parser(), _moves_from_pose())
    files: list[tuple[str, list[tuple[str, str]], frozenset[str]]] = [
        *((f"exercises/{slug}.toml", exercise.patient_fields(), DOSE_PLACEHOLDERS)
          for slug, exercise in sorted(catalog.exercises.items())),
        *((f"diagnoses/{slug}.toml", diagnosis.patient_fields(), frozenset())
          for slug, diagnosis in sorted(catalog.diagnoses.items())),
        *((("handout.toml", catalog.handout_text.patient_fields(), frozenset()),) if catalog.handout_text else ()),
        *((("surgery.toml", catalog.surgery.patient_fields(), frozenset({"side"})),) if catalog.surgery else ()),
        *((f"advice_pictures/{slug}.toml", picture.patient_fields(), frozenset())
          for slug, picture in sorted(catalog.advice_pictures.items())),
    ]
    for file, fields, allowed in files:
        for field, text in fields:
            errors.extend(_markup_errors(file, field, text,
                                         allowed | ({"side", "other"} if field == "one_side" else set())))
        # A diagnosis's name is the word the doctor uses ("Hip impingement"); the rest is plain.
        errors.extend(_readability_errors(file, [plain(text) for field, text in fields if field != "patient_name"]))
    for translation in catalog.translations.get("es", {}).values():
        errors.extend(_spanish_readability_errors(translation))
    return errors


def translated_texts(value: object) -> list[str]:
    """Every text in a translation table's value (a text, a list, or a table of them)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in translated_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in translated_texts(item)]
    return [value] if isinstance(value, str) else []


def _spanish_readability_errors(translation) -> list[ContentError]:
    """The Spanish plain-language gate over one file's Spanish patient text taken together (names,
    like the English gate's diagnosis name, are the words people use and are left out)."""
    sentences = [plain_es(text) for key, value in translation.fields.items() if key not in ("name", "patient_name")
                 for text in translated_texts(value)]
    if not sentences:
        return []
    errors = []
    ease = reading_ease_es(sentences)
    if ease < MIN_READING_EASE_ES:
        errors.append(ContentError(translation.file, "es (patient text)",
                                   f"reads at Fernández-Huerta {ease}; at least {MIN_READING_EASE_ES} (fairly easy) "
                                   "is needed: shorter sentences, shorter words"))
    jargon = find_jargon_es(sentences)
    if jargon:
        errors.append(ContentError(translation.file, "es (patient text)",
                                   f"uses jargon: {', '.join(jargon)}; use everyday words"))
    return errors


def _markup_errors(file: str, field: str, text: str, allowed: frozenset[str] | set[str]) -> list[ContentError]:
    """Placeholders this text may not use, broken markup, and counts not taken from the dose."""
    problems = markup_errors(text)
    problems += [f"{{{name}}} cannot be filled here" for name in sorted(placeholders(text) & PLACEHOLDERS - allowed)]
    problems += [f"states {count!r}: take it from the dose ({{hold}}, {{reps}}, ...) or, if it is a fixed "
                 "part of the movement or advice, mark it {=...}" for count in unmarked_counts(text)]
    return [ContentError(file, field, problem) for problem in problems]


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
