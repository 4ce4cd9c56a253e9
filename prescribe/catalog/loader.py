"""Load ``exercises_db/`` into a :class:`Catalog`, naming the file and field of every error.

Each file is read with the standard library's TOML parser and checked field by field. Errors are
collected rather than raised one at a time, so ``check-content`` can report all of them at once.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import markup
from .model import (
    CATEGORIES,
    CONTENT_LANGUAGES,
    EQUIPMENT,
    HOLD_CATEGORIES,
    LIMBS,
    MOVES,
    PICTURE_FIELDS,
    PICTURE_KINDS,
    POSITIONS,
    AdvicePicture,
    Approach,
    Catalog,
    Diagnosis,
    Dose,
    Exercise,
    HandoutText,
    IcdCode,
    PainGuide,
    ProgramEntry,
    Region,
    SafetyRule,
    SurgeryText,
)
from .translations import check_translations

# Weight-bearing statuses (the builder's choices: programs.model); the approaches are surgery.toml's.
WEIGHT_BEARING_KEYS = ("full", "as-tolerated", "partial", "touch-down")
STANDS_ON: dict[str, str] = {"side": "the working leg", "other": "the other leg", "both": "both legs"}
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ICD10_PATTERN = re.compile(r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$")

# Dose limits; the builder form enforces the same ones.
DOSE_LIMITS: dict[str, tuple[int, int]] = {
    "sets": (1, 10),
    "reps": (1, 100),
    "hold_seconds": (1, 300),
    "minutes": (1, 60),
    "rest_seconds": (0, 600),
    "times_per_day": (1, 6),
    "days_per_week": (1, 7),
}

# A dose says how much in one of these (or reps with a hold).
AMOUNT_FIELDS = ("reps", "hold_seconds", "minutes")


@dataclass(frozen=True)
class ContentError:
    """One problem in one content file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class CatalogError(Exception):
    """Raised when the catalog cannot be loaded cleanly; carries every error found."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Fields:
    """Typed access to one TOML table that records errors instead of raising."""

    def __init__(self, data: dict[str, Any], file: str, errors: list[ContentError], prefix: str = ""):
        self.data = data
        self.file = file
        self.errors = errors
        self.prefix = prefix
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> None:
        self.errors.append(ContentError(self.file, f"{self.prefix}{key}", message))

    def _get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                self.error(key, "is required")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, min_len: int = 1, max_len: int = 400) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(key, "must be text")
            return ""
        value = value.strip()
        if not min_len <= len(value) <= max_len:
            self.error(key, f"must be {min_len} to {max_len} characters (has {len(value)})")
        return value

    def texts(self, key: str, *, required: bool = True, min_items: int = 0, max_items: int = 20,
              max_len: int = 300) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(key, "must be a list of non-empty texts")
            return ()
        if not min_items <= len(value) <= max_items:
            self.error(key, f"must have {min_items} to {max_items} items (has {len(value)})")
        for index, item in enumerate(value):
            if len(item.strip()) > max_len:
                self.error(f"{key}[{index}]", f"is longer than {max_len} characters")
        return tuple(v.strip() for v in value)

    def choice(self, key: str, allowed: dict[str, str]) -> str:
        value = self._get(key, True)
        if value is None:
            return ""
        if value not in allowed:
            self.error(key, f"must be one of {', '.join(sorted(allowed))} (got {value!r})")
            return ""
        return value

    def choices(self, key: str, allowed: dict[str, str], *, required: bool = True) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(key, "must be a list")
            return ()
        unknown = [v for v in value if v not in allowed]
        if unknown:
            self.error(key, f"unknown value(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
        return tuple(v for v in value if v in allowed)

    def boolean(self, key: str, *, required: bool = True) -> bool:
        value = self._get(key, required)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(key, "must be true or false")
            return False
        return value

    def integer(self, key: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(key, "must be a whole number")
            return None
        if not low <= value <= high:
            self.error(key, f"must be between {low} and {high} (got {value})")
            return None
        return value

    def slug(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not SLUG_PATTERN.match(value):
            self.error(key, "must be a slug (lower case, digits and hyphens)")
            return None
        return value

    def tables(self, key: str, *, required: bool = True) -> list[_Fields]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, "must be a list of tables ([[...]])")
            return []
        return [_Fields(v, self.file, self.errors, f"{self.prefix}{key}[{i}].")
                for i, v in enumerate(value)]

    def table(self, key: str) -> _Fields | None:
        value = self._get(key, True)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(key, "must be a table")
            return None
        return _Fields(value, self.file, self.errors, f"{self.prefix}{key}.")

    def reject_unknown(self) -> None:
        for key in sorted(set(self.data) - self.used):
            self.error(key, "is not a known field")


PHONE_NUMBER = re.compile(r"\b(?:911|999|112|000|111)\b|\d{3}[-. ]\d{4}")


def _read_pain_guide(fields: _Fields, *, required: bool) -> PainGuide | None:
    """The ``[pain_guide]`` table (in handout.toml: the ``pain_*`` keys' table)."""
    if not required and "pain_guide" not in fields.data:
        fields.used.add("pain_guide")
        return None
    table = fields.table("pain_guide")
    if table is None:
        return None
    before = len(fields.errors)
    guide = PainGuide(
        green=table.text("green", max_len=200),
        amber=table.text("amber", max_len=200),
        red=table.text("red", max_len=200),
        ok_up_to=table.integer("ok_up_to", 0, 10) or 0,
    )
    table.reject_unknown()
    return guide if len(fields.errors) == before else None


def _read_dose(fields: _Fields, *, defaults: Dose | None = None) -> Dose | None:
    """Read a dose; with ``defaults`` every field is an optional override."""
    required = defaults is None
    values: dict[str, int | None] = {}
    for name, (low, high) in DOSE_LIMITS.items():
        optional_field = name in AMOUNT_FIELDS
        value = fields.integer(name, low, high, required=required and not optional_field)
        if value is None and defaults is not None and name not in fields.data:
            value = getattr(defaults, name)
        values[name] = value
    if all(values[name] is None for name in AMOUNT_FIELDS):
        fields.error("reps", "a dose needs reps, hold_seconds or minutes")
        return None
    if any(values[name] is None for name in DOSE_LIMITS if name not in AMOUNT_FIELDS):
        return None
    return Dose(**values)  # type: ignore[arg-type]


def _region_labels(regions: dict[str, Region]) -> dict[str, str]:
    return {key: region.label for key, region in regions.items()}


def _load_exercise(slug: str, data: dict[str, Any], file: str, errors: list[ContentError],
                   regions: dict[str, Region]) -> Exercise | None:
    f = _Fields(data, file, errors)
    before = len(errors)
    name = f.text("name", min_len=3, max_len=40)
    aliases = f.texts("aliases", required=False, max_items=8, max_len=60)
    purpose = f.text("purpose", max_len=160)
    position = f.choice("position", POSITIONS)
    equipment = f.choices("equipment", EQUIPMENT)
    category = f.choice("category", CATEGORIES)
    used_for = f.choices("regions", _region_labels(regions))
    if "regions" in data and data["regions"] == []:
        f.error("regions", "must name at least one body region (keys of regions.toml)")
    if len(set(used_for)) != len(used_for):
        f.error("regions", "names a region twice")
    per_side = f.boolean("per_side")
    # Shoulder-only exercises are done with an arm; ``limb`` says so for any other (see SCHEMA.md).
    limb = f.choice("limb", LIMBS) if "limb" in data else ("arm" if set(used_for) == {"shoulder"} else "leg")
    alternating = f.boolean("alternating", required=False)
    one_side = f.text("one_side", required=per_side, max_len=160)
    stands_on = f.choice("stands_on", STANDS_ON) if "stands_on" in data else ""
    to_switch = f.text("to_switch", required=False, max_len=140)
    moves = f.choices("moves", MOVES, required=False)
    steps = f.texts("steps", min_items=3, max_items=6, max_len=140)
    tips = f.texts("tips", min_items=1, max_items=2, max_len=160)
    stop_if = f.text("stop_if", max_len=140)
    easier = f.slug("easier")
    harder = f.slug("harder")
    dose_fields = f.table("dose")
    dose = _read_dose(dose_fields) if dose_fields else None
    if dose_fields:
        dose_fields.reject_unknown()
    f.reject_unknown()
    if dose and category in HOLD_CATEGORIES and dose.hold_seconds is None:
        f.error("dose.hold_seconds", f"a {category} is dosed as a hold")
    if dose and (category == "aerobic") != (dose.minutes is not None):
        f.error("dose.minutes", "aerobic exercises, and only they, are dosed in minutes")
    if alternating and not per_side:
        f.error("alternating", "only an exercise done per side can take turns between the legs")
    if slug in (easier, harder):
        f.error("easier" if easier == slug else "harder", "cannot name the exercise itself")
    if one_side and not per_side:
        f.error("one_side", "only an exercise done per side says which leg does what")
    if to_switch and not per_side:
        f.error("to_switch", "only an exercise done per side changes legs")
    if one_side and not {"side"} <= markup.placeholders(one_side):
        f.error("one_side", "must name the working leg as {side}")
    if (position == "standing" and per_side) != bool(stands_on):
        f.error("stands_on", "a standing exercise done per side, and only it, says which leg carries the body"
                if not stands_on else "only a standing exercise done per side has a leg to stand on")
    if dose:
        _check_dose_placeholders(f, category, dose, steps, tips)
    if len(errors) > before or dose is None:
        return None
    return Exercise(
        slug=slug, name=name, aliases=aliases, purpose=purpose, position=position,
        equipment=equipment, category=category, per_side=per_side, moves=moves, steps=steps,
        tips=tips, stop_if=stop_if.rstrip("."), dose=dose, easier=easier, harder=harder,
        alternating=alternating, one_side=one_side, stands_on=stands_on, to_switch=to_switch,
        regions=used_for, limb=limb or "leg",
    )


def _check_dose_placeholders(f: _Fields, category: str, dose: Dose, steps: tuple[str, ...],
                             tips: tuple[str, ...]) -> None:
    """A step may only use the dose the exercise always has, unless inside an optional ``[...]``."""
    kind = ("minutes" if category == "aerobic"
            else "hold" if category in HOLD_CATEGORIES or dose.reps is None else "reps")
    always = {"reps": {"reps", "sets"}, "hold": {"hold", "sets"}, "minutes": {"minutes"}}[kind]
    for name, texts in (("steps", steps), ("tips", tips)):
        for index, text in enumerate(texts):
            for placeholder in sorted(markup.required_placeholders(text) - always):
                f.error(f"{name}[{index}]", f"{{{placeholder}}} is not part of every {kind} dose: "
                        "put it in an optional [...] part")


def _load_diagnosis(slug: str, data: dict[str, Any], file: str, errors: list[ContentError],
                    exercises: dict[str, Exercise], regions: dict[str, Region]) -> Diagnosis | None:
    f = _Fields(data, file, errors)
    before = len(errors)
    icd10 = []
    for table in f.tables("icd10"):
        code = table.text("code", max_len=10)
        if code and not ICD10_PATTERN.match(code):
            table.error("code", f"{code!r} is not an ICD-10-CM code")
        icd10.append(IcdCode(code, table.text("label", max_len=120)))
        table.reject_unknown()
    program = []
    for table in f.tables("program"):
        exercise_slug = table.slug("exercise", required=True)
        exercise = exercises.get(exercise_slug or "")
        if exercise_slug and exercise is None:
            table.error("exercise", f"no exercise {exercise_slug!r} in exercises/")
        dose = _read_dose(table, defaults=exercise.dose) if exercise else None
        table.reject_unknown()
        if exercise and dose:
            program.append(ProgramEntry(exercise.slug, dose))
    if not 1 <= len(program) <= 20 and len(errors) == before:
        f.error("program", "must have 1 to 20 exercises")
    avoid = _read_rules(f)
    diagnosis = Diagnosis(
        slug=slug,
        name=f.text("name", max_len=60),
        patient_name=f.text("patient_name", max_len=60),
        summary=f.text("summary", max_len=120),
        explanation=f.texts("explanation", min_items=1, max_items=3, max_len=240),
        goal=f.text("goal", max_len=200),
        how_long=f.text("how_long", required=False, max_len=200),
        evidence_note=f.text("evidence_note", required=False, max_len=300),
        icd10=tuple(icd10),
        program=tuple(program),
        activity_modifications=f.texts("activity_modifications", min_items=1, max_items=12),
        sitting_advice=f.texts("sitting_advice", min_items=1, max_items=10),
        sleep_advice=f.texts("sleep_advice", required=False, max_items=6),
        red_flags_emergency=f.texts("red_flags_emergency", min_items=1, max_items=8, max_len=160),
        red_flags_today=f.texts("red_flags_today", min_items=2, max_items=10, max_len=160),
        red_flags_next_visit=f.texts("red_flags_next_visit", min_items=1, max_items=6, max_len=160),
        avoid=tuple(avoid),
        region=f.choice("region", _region_labels(regions)),
        surgery=f.boolean("surgery", required=False),
        default_approach=f.slug("default_approach") or "",
        pain_guide=_read_pain_guide(f, required=False),
        progress=f.texts("progress", required=False, max_items=4, max_len=200),
        flare=f.texts("flare", required=False, max_items=5, max_len=200),
        therapist_cautions=f.texts("therapist_cautions", required=False, max_items=6, max_len=400),
        **{name: _picture_slugs(f, name) for name in PICTURE_FIELDS},
    )
    f.reject_unknown()
    for tier in ("red_flags_emergency", "red_flags_today", "red_flags_next_visit"):
        for index, line in enumerate(getattr(diagnosis, tier)):
            if PHONE_NUMBER.search(line):
                f.error(f"{tier}[{index}]", "names a phone number: the heading above the list says whom to call")
    for index, entry in enumerate(diagnosis.program):
        broken = [r.move for r in diagnosis.avoid if r.move in exercises[entry.exercise].moves]
        if broken:
            f.error(f"program[{index}].exercise",
                    f"{entry.exercise!r} breaks this diagnosis's own rule(s): {', '.join(broken)}")
    return diagnosis if len(errors) == before else None


def _read_toml_files(folder: Path, errors: list[ContentError], root: Path,
                     translated: Translated | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.toml")):
        file = str(path.relative_to(root))
        if not SLUG_PATTERN.match(path.stem):
            errors.append(ContentError(file, "(file name)", "must be a slug: lower case, digits, hyphens"))
            continue
        try:
            found[path.stem] = (file, _set_aside(file, tomllib.loads(path.read_text(encoding="utf-8")), translated))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            errors.append(ContentError(file, "(syntax)", str(exc)))
    return found


# Content files' translations as read, before checking: (language, file) -> (its English, its [xx] table).
Translated = dict[tuple[str, str], tuple[dict[str, Any], Any]]


def _set_aside(file: str, data: dict[str, Any], translated: Translated | None) -> dict[str, Any]:
    """``data`` without its translation tables (``[es]``), which go to ``translated`` to be checked
    against the English once the file is loaded."""
    for language in CONTENT_LANGUAGES:
        if language in data:
            table = data.pop(language)
            if translated is not None:
                translated[(language, file)] = (data, table)
    return data


IllustrationParser = Callable[[str, dict[str, Any]], Any]
MovesFromPose = Callable[[Any], frozenset[str]]   # the movement tags an illustration shows


def load_catalog_collecting(root: Path, illustration_parser: IllustrationParser | None = None,
                            moves_from_pose: MovesFromPose | None = None
                            ) -> tuple[Catalog, list[ContentError]]:
    """Load every content file below ``root``; return what loaded and every error found.

    With ``moves_from_pose`` each illustrated exercise's ``moves`` are its hand-written tags
    plus the tags its figure shows, so a safety rule sees what the picture shows.
    """
    errors: list[ContentError] = []
    translated: Translated = {}
    regions = _load_regions(root, errors, translated)
    exercises: dict[str, Exercise] = {}
    for slug, (file, data) in _read_toml_files(root / "exercises", errors, root, translated).items():
        exercise = _load_exercise(slug, data, file, errors, regions)
        if exercise:
            exercises[slug] = exercise
    _check_exercise_links(exercises, errors, root)
    if illustration_parser is not None:
        exercises = _attach_illustrations(root, exercises, illustration_parser, errors, translated)
    if moves_from_pose is not None:
        exercises = {slug: _with_pose_moves(exercise, moves_from_pose, errors)
                     for slug, exercise in exercises.items()}
    diagnoses: dict[str, Diagnosis] = {}
    for slug, (file, data) in _read_toml_files(root / "diagnoses", errors, root, translated).items():
        diagnosis = _load_diagnosis(slug, data, file, errors, exercises, regions)
        if diagnosis:
            diagnoses[slug] = diagnosis
    _check_unique_names(exercises, errors)
    handout_text = _load_handout_text(root, errors, translated)
    surgery = _load_surgery(root, errors, regions, translated)
    if surgery:
        _check_surgery_programs(diagnoses, exercises, surgery, errors)
    pictures = _load_advice_pictures(root, errors, illustration_parser, moves_from_pose, translated)
    _check_advice_pictures(diagnoses, surgery, pictures, errors)
    translations, problems = check_translations(translated)
    errors.extend(ContentError(*problem) for problem in problems)
    return Catalog(exercises=exercises, diagnoses=diagnoses, handout_text=handout_text, surgery=surgery,
                   advice_pictures=pictures, version=content_version(root), regions=regions,
                   translations=translations), errors


def content_version(root: Path) -> str:
    """A digest of every file below ``root`` (names and bytes): changes whenever any content does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _picture_slugs(fields: _Fields, key: str) -> tuple[str, ...]:
    """A list of advice picture slugs (optional; checked against advice_pictures/ later)."""
    slugs = fields.texts(key, required=False, max_items=6, max_len=60)
    for index, slug in enumerate(slugs):
        if not SLUG_PATTERN.match(slug):
            fields.error(f"{key}[{index}]", "must be a slug (lower case, digits and hyphens)")
    return slugs


def _load_advice_pictures(root: Path, errors: list[ContentError], parser: IllustrationParser | None,
                          moves_from_pose: MovesFromPose | None,
                          translated: Translated | None = None) -> dict[str, AdvicePicture]:
    """``advice_pictures/<slug>.toml``: a pose file like an exercise's, plus ``kind``, ``caption``
    and optional hand-written ``moves``. The movements the pose shows are added to ``moves``."""
    pictures: dict[str, AdvicePicture] = {}
    folder = root / "advice_pictures"
    if not folder.is_dir():
        return pictures
    for slug, (file, data) in _read_toml_files(folder, errors, root, translated).items():
        before = len(errors)
        pose = {k: v for k, v in data.items() if k not in ("kind", "caption", "moves")}
        f = _Fields({k: data[k] for k in ("kind", "caption", "moves", "alt") if k in data}, file, errors)
        kind = f.choice("kind", PICTURE_KINDS)
        caption = f.text("caption", max_len=120)
        alt = f.text("alt", max_len=300)
        moves = f.choices("moves", MOVES, required=False)
        if kind == "avoid" and caption and not caption.startswith("Not this"):
            f.error("caption", 'an "avoid" picture\'s caption starts with "Not this" (the picture has a cross)')
        if kind == "do" and caption.lower().startswith("not "):
            f.error("caption", 'only an "avoid" picture says "Not this"')
        illustration = None
        if parser is not None:
            try:
                illustration = parser(slug, pose)
            except ValueError as exc:
                errors.append(ContentError(file, "(illustration)", str(exc)))
        if illustration is not None and moves_from_pose is not None:
            shown = moves_from_pose(illustration)
            for move in moves:
                if move in shown:
                    f.error("moves", f"{move!r} is computed from the pose; remove it here")
            moves = tuple(move for move in MOVES if move in moves or move in shown)
        if len(errors) == before:
            pictures[slug] = AdvicePicture(slug, kind, caption, alt, moves, illustration)
    return pictures


def _check_advice_pictures(diagnoses: dict[str, Diagnosis], surgery: SurgeryText | None,
                           pictures: dict[str, AdvicePicture], errors: list[ContentError]) -> None:
    """Every advice picture named exists; an "avoid" picture shows a movement the diagnosis (or the
    approach) rules out, and a "do" picture shows none that it, or any approach after surgery, rules
    out; a diagnosis with safety rules prints at least one "avoid" picture."""
    approaches = surgery.approaches if surgery else {}

    def check(file: str, field: str, slugs: tuple[str, ...], ruled_out: set[str], forbidden: set[str]) -> None:
        for index, slug in enumerate(slugs):
            picture = pictures.get(slug)
            where = f"{field}[{index}]"
            if picture is None:
                errors.append(ContentError(file, where, f"no advice picture {slug!r} in advice_pictures/"))
            elif field.endswith("avoid_pictures") and picture.kind != "avoid":
                errors.append(ContentError(file, where,
                                           f"{slug!r} is a \"do\" picture; avoid_pictures are \"avoid\" ones"))
            elif picture.kind == "avoid" and not set(picture.moves) & ruled_out:
                errors.append(ContentError(file, where, f"{slug!r} shows {', '.join(picture.moves) or 'no movement'}: "
                                           "none of the movements these rules avoid"))
            elif picture.kind == "do" and set(picture.moves) & forbidden:
                errors.append(ContentError(file, where,
                                           f"{slug!r} shows {', '.join(sorted(set(picture.moves) & forbidden))}, "
                                           "which these rules avoid"))

    for slug, diagnosis in diagnoses.items():
        file = f"diagnoses/{slug}.toml"
        own = {rule.move for rule in diagnosis.avoid}
        default = approaches.get(diagnosis.default_approach)
        ruled_out = own | ({rule.move for rule in default.avoid} if default else set())
        # after surgery the builder may choose any approach of the region: a "do" picture must suit all of them
        forbidden = own | {rule.move for a in approaches.values() if a.region == diagnosis.region
                           for rule in a.avoid} if diagnosis.surgery else own
        for field in PICTURE_FIELDS:
            check(file, field, getattr(diagnosis, field), ruled_out, forbidden)
        shown = [s for field in PICTURE_FIELDS for s in getattr(diagnosis, field)]
        if diagnosis.avoid and not any(pictures.get(s) and pictures[s].kind == "avoid" for s in shown):
            errors.append(ContentError(file, "avoid_pictures", "this diagnosis has safety rules: show at least "
                                       "one of them in an \"avoid\" picture"))
    for key, approach in approaches.items():
        rules = {rule.move for rule in approach.avoid}
        check("surgery.toml", f"approach.{key}.avoid_pictures", approach.avoid_pictures, rules, rules)


def _check_surgery_programs(diagnoses: dict[str, Diagnosis], exercises: dict[str, Exercise],
                            surgery: SurgeryText, errors: list[ContentError]) -> None:
    """A default program after surgery keeps its default approach's rules, only a diagnosis after
    surgery has an approach, and its approach (and at least one in surgery.toml) is for its region."""
    for slug, diagnosis in diagnoses.items():
        file = f"diagnoses/{slug}.toml"
        if diagnosis.default_approach and not diagnosis.surgery:
            errors.append(ContentError(file, "default_approach", "only a diagnosis after surgery has an approach"))
        rules = surgery.approaches.get(diagnosis.default_approach)
        in_region = [key for key, a in surgery.approaches.items() if a.region == diagnosis.region]
        if diagnosis.surgery and not in_region:
            errors.append(ContentError(file, "surgery", f"surgery.toml has no approach for the {diagnosis.region!r} "
                                       "region: add one (with region = ...) before this diagnosis can have surgery"))
        if diagnosis.default_approach and rules is None:
            errors.append(ContentError(file, "default_approach", f"no approach {diagnosis.default_approach!r} in "
                                       f"surgery.toml (has: {', '.join(surgery.approaches)})"))
        if rules is None:
            continue
        if rules.region != diagnosis.region:
            errors.append(ContentError(file, "default_approach", f"{diagnosis.default_approach!r} is an approach for "
                                       f"the {rules.region!r} region, not this diagnosis's {diagnosis.region!r}"))
        for index, entry in enumerate(diagnosis.program):
            broken = [r.move for r in rules.avoid if r.move in exercises[entry.exercise].moves]
            if broken:
                errors.append(ContentError(file, f"program[{index}].exercise", f"{entry.exercise!r} breaks the "
                                           f"{diagnosis.default_approach} approach's rule(s): {', '.join(broken)}"))


def _read_rules(fields: _Fields) -> tuple[SafetyRule, ...]:
    """The ``[[avoid]]`` safety rules of a diagnosis or a surgical approach."""
    rules = []
    for table in fields.tables("avoid", required=False):
        rules.append(SafetyRule(move=table.choice("move", MOVES), patient_text=table.text("patient_text", max_len=200),
                                reason=table.text("reason", max_len=300)))
        table.reject_unknown()
    return tuple(rules)


def _read_file(root: Path, file: str, errors: list[ContentError],
               translated: Translated | None = None) -> dict[str, Any] | None:
    """One TOML file at the top of the content folder, or None with the error recorded."""
    try:
        return _set_aside(file, tomllib.loads((root / file).read_text(encoding="utf-8")), translated)
    except FileNotFoundError:
        errors.append(ContentError(file, "(file)", "is missing"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(ContentError(file, "(syntax)", str(exc)))
    return None


def _load_regions(root: Path, errors: list[ContentError], translated: Translated | None = None) -> dict[str, Region]:
    """``regions.toml``: the body regions in display order, each a table with its two labels."""
    file = "regions.toml"
    data = _read_file(root, file, errors, translated)
    if data is None:
        return {}
    f = _Fields(data, file, errors)
    regions: dict[str, Region] = {}
    for key in data:
        if not SLUG_PATTERN.match(key):
            f.error(key, "a region's key must be a slug (lower case, digits and hyphens)")
            continue
        entry = f.table(key)
        if entry is None:
            continue
        regions[key] = Region(key, entry.text("label", max_len=40), entry.text("patient_label", max_len=60),
                              entry.boolean("side_needed", required=False))
        entry.reject_unknown()
    if not regions:
        f.error("(file)", "must list at least one region")
    return regions


def _load_surgery(root: Path, errors: list[ContentError], regions: dict[str, Region],
                  translated: Translated | None = None) -> SurgeryText | None:
    """``surgery.toml``: every approach the builder offers (each for one body region), and every
    weight-bearing status."""
    file = "surgery.toml"
    data = _read_file(root, file, errors, translated)
    if data is None:
        return None
    before = len(errors)
    f = _Fields(data, file, errors)
    approaches: dict[str, Approach] = {}
    table = f.table("approach")
    for key in table.data if table else ():
        assert table is not None
        if not SLUG_PATTERN.match(key):
            table.error(key, "an approach's key must be a slug (lower case, digits and hyphens)")
            continue
        entry = table.table(key)
        if entry is None:
            continue
        approaches[key] = Approach(entry.text("label", max_len=60), entry.text("patient_text", max_len=200),
                                   _read_rules(entry), _picture_slugs(entry, "avoid_pictures"),
                                   entry.choice("region", _region_labels(regions)))
        entry.reject_unknown()
    weights = f.table("weight_bearing")
    weight_bearing = {key: weights.text(key, max_len=200) for key in WEIGHT_BEARING_KEYS} if weights else {}
    if weights:
        weights.reject_unknown()
    f.reject_unknown()
    return SurgeryText(approaches, weight_bearing) if len(errors) == before else None


def _load_handout_text(root: Path, errors: list[ContentError], translated: Translated | None = None
                       ) -> HandoutText | None:
    file = "handout.toml"
    data = _read_file(root, file, errors, translated)
    if data is None:
        return None
    before = len(errors)
    f = _Fields(data, file, errors)
    text = HandoutText(
        intro=f.texts("intro", min_items=1, max_items=4),
        pain_guide_title=f.text("pain_guide_title", max_len=60),
        pain_guide=_read_pain_guide(f, required=True),  # type: ignore[arg-type]
        pain_notes=f.texts("pain_notes", min_items=1, max_items=3, max_len=200),
        progress_title=f.text("progress_title", max_len=60),
        progress=f.texts("progress", min_items=1, max_items=4, max_len=200),
        flare_title=f.text("flare_title", max_len=60),
        flare=f.texts("flare", min_items=1, max_items=5, max_len=200),
        red_flags_title=f.text("red_flags_title", max_len=60),
        red_flags_emergency_heading=f.text("red_flags_emergency_heading", max_len=60),
        red_flags_today_heading=f.text("red_flags_today_heading", max_len=60),
        red_flags_today_note=f.text("red_flags_today_note", max_len=120),
        red_flags_next_visit_heading=f.text("red_flags_next_visit_heading", max_len=60),
        glance_title=f.text("glance_title", max_len=60),
        key_title=f.text("key_title", max_len=60),
        key_lines=f.texts("key_lines", min_items=4, max_items=4, max_len=80),
        log_title=f.text("log_title", max_len=60),
        log_instructions=f.texts("log_instructions", min_items=1, max_items=4),
        log_date_label=f.text("log_date_label", max_len=20),
        log_pain_label=f.text("log_pain_label", max_len=30),
        notes_title=f.text("notes_title", max_len=60),
        emergency=f.text("emergency", max_len=160),
        disclaimer=f.text("disclaimer", max_len=160),
        phone_title=f.text("phone_title", max_len=60),
        phone_lines=f.texts("phone_lines", min_items=1, max_items=3, max_len=120),
        phone_type=f.text("phone_type", max_len=120),
    )
    f.reject_unknown()
    for key in ("red_flags_emergency_heading", "emergency"):
        if getattr(text, key).count("{number}") != 1:
            f.error(key, "must hold {number} once: the clinic's emergency number goes there")
    for placeholder in ("{address}", "{code}"):
        if text.phone_type.count(placeholder) != 1:
            f.error("phone_type", f"must hold {placeholder} once: each printed version's own goes there")
    return text if len(errors) == before else None


def load_catalog(root: Path, illustration_parser: IllustrationParser | None = None,
                 moves_from_pose: MovesFromPose | None = None) -> Catalog:
    """Load the catalog, raising :class:`CatalogError` listing every error if any file is wrong."""
    catalog, errors = load_catalog_collecting(root, illustration_parser, moves_from_pose)
    if errors:
        raise CatalogError(errors)
    return catalog


def _check_exercise_links(exercises: dict[str, Exercise], errors: list[ContentError], root: Path) -> None:
    for slug, exercise in exercises.items():
        for link in ("easier", "harder"):
            target = getattr(exercise, link)
            if target and target not in exercises:
                errors.append(ContentError(f"exercises/{slug}.toml", link, f"no exercise {target!r}"))


def _check_unique_names(exercises: dict[str, Exercise], errors: list[ContentError]) -> None:
    seen: dict[str, str] = {}
    for slug, exercise in sorted(exercises.items()):
        for label in (exercise.name, *exercise.aliases):
            key = label.lower()
            if key in seen and seen[key] != slug:
                errors.append(ContentError(f"exercises/{slug}.toml", "name",
                                           f"{label!r} is already used by {seen[key]!r}"))
            seen.setdefault(key, slug)


def _attach_illustrations(root: Path, exercises: dict[str, Exercise], parser: IllustrationParser,
                          errors: list[ContentError], translated: Translated | None = None) -> dict[str, Exercise]:
    from dataclasses import replace

    files = _read_toml_files(root / "illustrations", errors, root, translated)
    attached: dict[str, Exercise] = {}
    for slug, exercise in exercises.items():
        if slug not in files:
            attached[slug] = exercise
            continue
        file, data = files[slug]
        try:
            attached[slug] = replace(exercise, illustration=parser(slug, data))
        except ValueError as exc:
            errors.append(ContentError(file, "(illustration)", str(exc)))
            attached[slug] = exercise
    for slug in sorted(set(files) - set(exercises)):
        errors.append(ContentError(files[slug][0], "(file name)", f"no exercise {slug!r} to illustrate"))
    return attached


def _with_pose_moves(exercise: Exercise, moves_from_pose: MovesFromPose,
                     errors: list[ContentError]) -> Exercise:
    """``exercise`` with the movement tags its figure shows added to the hand-written ones.

    A hand-written tag that the figure already shows is refused: it must come from the pose, so
    that changing the picture changes the safety warnings with it.
    """
    from dataclasses import replace

    if exercise.illustration is None:
        return exercise
    shown = moves_from_pose(exercise.illustration)
    for move in exercise.moves:
        if move in shown:
            errors.append(ContentError(
                f"exercises/{exercise.slug}.toml", "moves",
                f"{move!r} is computed from the pose in illustrations/{exercise.slug}.toml; "
                "remove it here"))
    moves = tuple(move for move in MOVES if move in exercise.moves or move in shown)
    return replace(exercise, moves=moves)
