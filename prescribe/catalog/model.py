"""The catalog as frozen data: exercises, diagnoses, doses and safety rules.

These objects are loaded once from ``exercises_db/`` and shared by every request, so they are
immutable. Nothing here knows about Flask or the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .search import search

POSITIONS: dict[str, str] = {
    "lying-back": "Lying on your back",
    "lying-side": "Lying on your side",
    "lying-front": "Lying on your front",
    "hands-knees": "On hands and knees",
    "kneeling": "Kneeling",
    "sitting": "Sitting",
    "standing": "Standing",
}

EQUIPMENT: dict[str, str] = {
    "mat": "Mat",
    "chair": "Chair",
    "wall": "Wall",
    "counter": "Counter or sturdy table",
    "step": "Step",
    "band": "Exercise band",
    "ball": "Ball",
    "pillow": "Pillow",
    "towel": "Towel",
    "belt": "Belt or strap",
    "weight": "Ankle weight",
    "bike": "Exercise bike",
    "stick": "Stick or broom handle",
    "door": "Door or doorway",
    "dumbbell": "Small hand weight",
    "table": "Table",
    "towel_roll": "Rolled towel",
}

# What a per-side exercise is done with: a leg (hip, knee, back) or an arm (the shoulder).
LIMBS: dict[str, str] = {"leg": "Leg", "arm": "Arm"}

CATEGORIES: dict[str, str] = {
    "strength": "Strength",
    "stretch": "Stretch",
    "mobility": "Mobility",
    "isometric": "Hold (isometric)",
    "balance": "Balance",
    "aerobic": "Aerobic",
}

# Categories whose dose is a hold, not repetitions.
HOLD_CATEGORIES = frozenset({"stretch", "isometric"})

# Movement tags for safety rules. Most are computed from each exercise's figure
# (prescribe.illustration.movement.COMPUTED_MOVES); the rest are written by hand.
MOVES: dict[str, str] = {
    "deep-hip-flexion": "Deep hip bending (past a right angle)",
    "hip-extension": "Leg moving behind the body",
    "hip-adduction": "Leg crossing the midline",
    "hip-internal-rotation": "Thigh turning inward",
    "hip-external-rotation": "Thigh turning outward",
    "flexion-rotation": "Hip bent and turned together",
    "loaded-knee-bend": "Bending the knee while standing on it",
    "side-lying": "Lying on one side",
    "hip-flexor-stretch": "Stretch of the front of the hip",
    "single-leg-load": "Whole weight on one leg",
    "kneeling": "Weight on the knees",
    "deep-loaded-knee-bend": "Bending the knee past a right angle while standing on it",
    "spine-loaded-flexion": "Rounding the low back while holding the body up",
    "spine-end-extension": "Arching the low back as far as it goes",
    "spine-rotation": "Twisting the low back",
    "arm-overhead": "Raising the arm above the head",
    "arm-overhead-loaded": "Raising the arm above the head with a weight, band or body weight",
    "shoulder-external-rotation": "Turning the arm outward",
    "shoulder-internal-rotation": "Turning the arm inward",
    "impact": "Jumping, hopping or running (landing impact)",
    "pivoting": "Twisting on a planted foot",
    "pillow-under-knee": "A pillow or roll kept under the knee",
}


# Content languages besides English, with the name a builder shows (the [xx] table of a content file).
CONTENT_LANGUAGES: dict[str, str] = {"es": "Spanish"}
TRANSLATION_STATUSES: dict[str, str] = {"draft": "not yet checked by a clinician", "reviewed": "checked by a clinician"}


@dataclass(frozen=True)
class Translation:
    """One content file's text in another language (its ``[es]`` table), checked against the English:
    the same keys, list lengths and markup. ``fields`` maps each key to its text, list of texts or
    sub-table (``pain_guide``, an approach's ``avoid`` as a list of patient texts)."""

    file: str
    language: str
    status: str  # a key of TRANSLATION_STATUSES
    translated_by: str
    fields: dict[str, Any]
    # The English it mirrors, by dotted key ("steps", "pain_guide.green"), as check_translation read it.
    english: dict[str, Any] = field(default_factory=dict)

    @property
    def draft(self) -> bool:
        return self.status != "reviewed"

    @cached_property
    def text_hash(self) -> str:
        """A digest of the translated text and the English it mirrors (not the status): what a clinic's
        review signs, so a change to either needs a new review."""
        canonical = json.dumps([self.english, self.fields], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def side_by_side(self) -> list[tuple[str, str, str]]:
        """(field, English, translation) for every text, list items one by one, in the file's order."""
        rows = []
        for key, english in self.english.items():
            translated = self.get(key)
            if isinstance(english, list):
                rows += [(f"{key} {number}", en, str(tr)) for number, (en, tr)
                         in enumerate(zip(english, translated or [], strict=False), start=1)]
            else:
                rows.append((key, english, str(translated)))
        return rows

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path ("pain_guide.green", "approach.posterior.patient_text")."""
        value: Any = self.fields
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value


@dataclass(frozen=True)
class Region:
    """A body region (``regions.toml``): the start page groups diagnoses by it and the catalog
    filters exercises by it."""

    key: str
    label: str  # the therapist's word: "Low back"
    patient_label: str  # what a handout calls it: "Your low back"
    side_needed: bool = False  # its handouts are for one side: the builder asks which before printing

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "patient_label": self.patient_label,
                "side_needed": self.side_needed}


@dataclass(frozen=True)
class Dose:
    """How much of an exercise to do: ``reps`` (optionally with a hold), a hold, or minutes."""

    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    times_per_day: int
    days_per_week: int
    minutes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_seconds": self.hold_seconds,
            "rest_seconds": self.rest_seconds,
            "times_per_day": self.times_per_day,
            "days_per_week": self.days_per_week,
            "minutes": self.minutes,
        }


@dataclass(frozen=True)
class Exercise:
    slug: str
    name: str
    aliases: tuple[str, ...]
    purpose: str
    position: str
    equipment: tuple[str, ...]
    category: str
    per_side: bool
    moves: tuple[str, ...]
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    stop_if: str
    dose: Dose
    easier: str | None = None
    harder: str | None = None
    alternating: bool = False  # the legs take turns (marching): one leg alone is not the exercise
    # Per-side exercises: which leg does what when one side is done, with {side} the working leg
    # and {other} the other ("Stand on your {other} leg. Lift your {side} leg out to the side.").
    one_side: str = ""
    # Standing per-side exercises: the leg that carries the body, "side" (the working leg),
    # "other" or "both". After surgery no exercise may stand on the operated leg alone.
    stands_on: str = ""
    # Per-side exercises done with each leg: how to change to the other leg, when it is not obvious
    # ("To change sides, turn and sit facing the other way."); printed only when both legs are done.
    to_switch: str = ""
    illustration: Any = None  # prescribe.illustration.Illustration once drawn
    # The body regions (keys of regions.toml) it is used for; any program may still add it.
    regions: tuple[str, ...] = ()
    # What a per-side exercise works with, as the dose and side lines name it ("with each arm").
    limb: str = "leg"

    @property
    def dose_kind(self) -> str:
        """How the dose is counted: "hold" (stretches, isometrics), "minutes" or "reps"."""
        if self.category == "aerobic":
            return "minutes"
        if self.category in HOLD_CATEGORIES or self.dose.reps is None:
            return "hold"
        return "reps"

    @property
    def position_label(self) -> str:
        return POSITIONS[self.position]

    @property
    def equipment_labels(self) -> tuple[str, ...]:
        return tuple(EQUIPMENT[item] for item in self.equipment)

    def patient_fields(self) -> list[tuple[str, str]]:
        """Every text of this exercise that a patient reads, as written in the file, with its field."""
        return [("purpose", self.purpose), *_listed("steps", self.steps), *_listed("tips", self.tips),
                ("stop_if", f"Stop if {self.stop_if}"),
                *((("one_side", self.one_side),) if self.one_side else ()),
                *((("to_switch", self.to_switch),) if self.to_switch else ())]

    def patient_texts(self) -> list[str]:
        """Every sentence of this exercise that a patient reads."""
        return [text for _, text in self.patient_fields()]

    def search_texts(self) -> list[str]:
        """What a search looks in: name, aliases, position, equipment and category."""
        return [self.name, *self.aliases, self.position_label, *self.equipment_labels, self.category]

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "aliases": list(self.aliases),
            "purpose": self.purpose,
            "position": self.position,
            "equipment": list(self.equipment),
            "category": self.category,
            "regions": list(self.regions),
            "limb": self.limb,
            "per_side": self.per_side,
            "alternating": self.alternating,
            "one_side": self.one_side,
            "stands_on": self.stands_on,
            "to_switch": self.to_switch,
            "moves": list(self.moves),
            "steps": list(self.steps),
            "tips": list(self.tips),
            "stop_if": self.stop_if,
            "dose": self.dose.as_dict(),
            "easier": self.easier,
            "harder": self.harder,
            "illustration": None if self.illustration is None else {
                "alt": self.illustration.alt,
                "panels": self.illustration.panels,
            },
        }


@dataclass(frozen=True)
class ProgramEntry:
    """One exercise of a diagnosis's default program, with its default dose."""

    exercise: str
    dose: Dose


@dataclass(frozen=True)
class SafetyRule:
    move: str
    patient_text: str
    reason: str


# Advice pictures: "do" shows the advice, "avoid" a position to stay out of (printed with a cross).
PICTURE_KINDS: dict[str, str] = {"do": "Do this", "avoid": "Not this"}

# The advice blocks a diagnosis can give pictures to (field name -> the block it prints in).
PICTURE_FIELDS: dict[str, str] = {
    "moving_pictures": "activity_modifications",
    "sitting_pictures": "sitting_advice",
    "sleep_pictures": "sleep_advice",
    "avoid_pictures": "avoid",
}


@dataclass(frozen=True)
class AdvicePicture:
    """A picture for the advice pages (``advice_pictures/<slug>.toml``): a pose drawn by the
    exercise renderer, with a plain caption, and the movements it shows (computed from the pose
    plus any written by hand, as for exercises)."""

    slug: str
    kind: str          # "do" | "avoid"
    caption: str
    alt: str
    moves: tuple[str, ...]
    illustration: Any = None

    def patient_fields(self) -> list[tuple[str, str]]:
        return [("caption", self.caption), ("alt", self.alt)]


@dataclass(frozen=True)
class IcdCode:
    code: str
    label: str


@dataclass(frozen=True)
class PainGuide:
    """How much pain is OK during exercise: three traffic lights and the highest score that is OK.

    ``ok_up_to`` is the highest pain score (out of 10) the guide allows during exercise; any
    "N or less out of 10" in the same diagnosis's advice must say the same number.
    """

    green: str
    amber: str
    red: str
    ok_up_to: int

    def patient_fields(self, prefix: str = "") -> list[tuple[str, str]]:
        return [(f"{prefix}green", self.green), (f"{prefix}amber", self.amber), (f"{prefix}red", self.red)]

    def patient_texts(self) -> list[str]:
        return [text for _, text in self.patient_fields()]


# The three urgency tiers of warning signs, most urgent first (each a field of Diagnosis).
RED_FLAG_TIERS = ("red_flags_emergency", "red_flags_today", "red_flags_next_visit")


@dataclass(frozen=True)
class Diagnosis:
    slug: str
    name: str
    patient_name: str
    summary: str
    explanation: tuple[str, ...]
    goal: str
    how_long: str  # how long to keep going ("" when the program says nothing of it); how often comes from the rows
    evidence_note: str
    icd10: tuple[IcdCode, ...]
    program: tuple[ProgramEntry, ...]
    activity_modifications: tuple[str, ...]
    sitting_advice: tuple[str, ...]
    sleep_advice: tuple[str, ...]
    red_flags_emergency: tuple[str, ...]  # each completes "Call 911 now if"
    red_flags_today: tuple[str, ...]  # each completes "Call us today if"
    red_flags_next_visit: tuple[str, ...]  # each completes "Tell us at your next visit if"
    avoid: tuple[SafetyRule, ...] = field(default=())
    region: str = ""  # the body region (a key of regions.toml) the start page lists it under
    # After joint surgery: the builder asks for the approach, the operated side and the weight
    # the surgeon allows, and prints the approach's rules (Catalog.surgery).
    surgery: bool = False
    default_approach: str = ""
    # Overrides of handout.toml's pain guide, progress and flare lines (None / empty: the defaults).
    pain_guide: PainGuide | None = None
    progress: tuple[str, ...] = ()
    flare: tuple[str, ...] = ()
    # For the therapist in the builder, never printed: what to rule out first (e.g. in teenagers).
    therapist_cautions: tuple[str, ...] = ()
    # Advice pictures (slugs in advice_pictures/) per advice block: see PICTURE_FIELDS.
    moving_pictures: tuple[str, ...] = ()
    sitting_pictures: tuple[str, ...] = ()
    sleep_pictures: tuple[str, ...] = ()
    avoid_pictures: tuple[str, ...] = ()

    @property
    def red_flags(self) -> tuple[str, ...]:
        """Every warning sign, most urgent tier first."""
        return (*self.red_flags_emergency, *self.red_flags_today, *self.red_flags_next_visit)

    def patient_fields(self) -> list[tuple[str, str]]:
        """Every text of this diagnosis that a patient reads, with its field: each text field
        not in :data:`THERAPIST_FIELDS`, the pain guide, and the patient text of each safety rule."""
        found: list[tuple[str, str]] = []
        for name, value in vars(self).items():
            if name in THERAPIST_FIELDS:
                continue
            if isinstance(value, str):
                found.append((name, value))
            elif isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
                found.extend(_listed(name, value))
        if self.pain_guide:
            found.extend(self.pain_guide.patient_fields("pain_guide."))
        found.extend((f"avoid[{i}].patient_text", rule.patient_text) for i, rule in enumerate(self.avoid))
        return found

    def patient_texts(self) -> list[str]:
        """Every sentence of this diagnosis that a patient reads."""
        return [text for _, text in self.patient_fields()]

    def search_texts(self) -> list[str]:
        """What a search looks in (codes are searched apart, by their start)."""
        return [self.name, self.patient_name, self.summary]

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "patient_name": self.patient_name,
            "summary": self.summary,
            "region": self.region,
            "explanation": list(self.explanation),
            "goal": self.goal,
            "how_long": self.how_long,
            "evidence_note": self.evidence_note,
            "icd10": [{"code": c.code, "label": c.label} for c in self.icd10],
            "program": [{"exercise": e.exercise, **e.dose.as_dict()} for e in self.program],
            "activity_modifications": list(self.activity_modifications),
            "sitting_advice": list(self.sitting_advice),
            "sleep_advice": list(self.sleep_advice),
            **{tier: list(getattr(self, tier)) for tier in RED_FLAG_TIERS},
            "avoid": [
                {"move": r.move, "patient_text": r.patient_text, "reason": r.reason}
                for r in self.avoid
            ],
            "pain_guide": None if self.pain_guide is None else {
                "green": self.pain_guide.green, "amber": self.pain_guide.amber,
                "red": self.pain_guide.red, "ok_up_to": self.pain_guide.ok_up_to,
            },
            "progress": list(self.progress),
            "flare": list(self.flare),
            "therapist_cautions": list(self.therapist_cautions),
            **{name: list(getattr(self, name)) for name in PICTURE_FIELDS},
        }


@dataclass(frozen=True)
class Catalog:
    """All exercises and diagnoses, looked up by slug."""

    exercises: dict[str, Exercise]
    diagnoses: dict[str, Diagnosis]
    handout_text: HandoutText | None = None
    surgery: SurgeryText | None = None
    advice_pictures: dict[str, AdvicePicture] = field(default_factory=dict)
    # A digest of every content file it was loaded from: a render cache key changes with the content.
    version: str = ""
    regions: dict[str, Region] = field(default_factory=dict)  # in display order
    # Content translations: language -> content file ("diagnoses/hip-pain.toml") -> its [es] table.
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)
    _localized: dict[str, Catalog] = field(default_factory=dict, init=False, compare=False, repr=False)

    def translation(self, language: str, file: str) -> Translation | None:
        """The ``[language]`` table of a content file, checked against its English (None: none)."""
        return self.translations.get(language, {}).get(file)

    def in_language(self, language: str) -> Catalog:
        """This catalog with its patient texts in ``language`` (kept: the catalog never changes)."""
        if language not in self._localized:
            from .localize import in_language

            self._localized[language] = in_language(self, language)
        return self._localized[language]

    def unchecked(self, language: str, files: tuple[str, ...] | list[str],
                  reviewed: frozenset[tuple[str, str, str]] = frozenset()) -> list[str]:
        """Of ``files``, those whose ``language`` text nobody has checked: a draft in the catalog that
        the clinic has not reviewed either (``reviewed`` holds its (language, file, text_hash)
        reviews). A handout printing any of them carries the draft line."""
        found = []
        for file in files:
            translation = self.translation(language, file)
            if translation is not None and translation.draft and (
                    (language, file, translation.text_hash) not in reviewed):
                found.append(file)
        return found

    def handout_files(self, diagnosis: Diagnosis) -> tuple[str, ...]:
        """Every content file whose text the diagnosis's default handout prints."""
        files = ["handout.toml", f"diagnoses/{diagnosis.slug}.toml"]
        for entry in diagnosis.program:
            files.append(f"exercises/{entry.exercise}.toml")
            exercise = self.exercises.get(entry.exercise)
            if exercise is not None and exercise.illustration is not None:
                files.append(f"illustrations/{entry.exercise}.toml")
        pictures = [slug for name in PICTURE_FIELDS for slug in getattr(diagnosis, name)]
        if diagnosis.surgery and self.surgery is not None:
            files += ["surgery.toml", "regions.toml"]
            approach = self.surgery.approaches.get(diagnosis.default_approach)
            pictures += list(approach.avoid_pictures) if approach else []
        files += [f"advice_pictures/{slug}.toml" for slug in pictures if slug in self.advice_pictures]
        return tuple(dict.fromkeys(files))

    def content_languages(self, diagnosis_slug: str) -> tuple[str, ...]:
        """The languages the diagnosis's default handout can print in: English, and each language
        every one of its :meth:`handout_files` has a translation in."""
        diagnosis = self.diagnoses.get(diagnosis_slug)
        if diagnosis is None:
            return ("en",)
        files = self.handout_files(diagnosis)
        return ("en", *(language for language, found in self.translations.items()
                        if all(file in found for file in files)))

    def approaches_for(self, diagnosis: Diagnosis) -> dict[str, Approach]:
        """The surgical approaches the builder offers after this diagnosis's surgery: those of its
        region, in surgery.toml's order (none for a program that is not after surgery)."""
        if not diagnosis.surgery or self.surgery is None:
            return {}
        return {key: a for key, a in self.surgery.approaches.items() if a.region == diagnosis.region}

    def diagnoses_by_region(self, diagnoses: list[Diagnosis]) -> list[tuple[Region, list[Diagnosis]]]:
        """``diagnoses`` under their regions, in regions.toml's order; regions without any left out."""
        return [(region, found) for region in self.regions.values()
                if (found := [d for d in diagnoses if d.region == region.key])]

    def rules_for(self, diagnosis: Diagnosis, approach: str) -> tuple[SafetyRule, ...]:
        """The surgical approach's rules for a program after surgery (none for other programs)."""
        chosen = self.approaches_for(diagnosis).get(approach)
        return chosen.avoid if chosen else ()

    def exercise(self, slug: str) -> Exercise | None:
        return self.exercises.get(slug)

    def diagnosis(self, slug: str) -> Diagnosis | None:
        return self.diagnoses.get(slug)

    def search_exercises(self, query: str, limit: int = 12, region: str = "") -> list[Exercise]:
        """Exercises by name, alias, position, equipment or category, forgiving typos; best first.
        With ``region``, only the exercises used for that body region."""
        by_name = sorted((e for e in self.exercises.values() if not region or region in e.regions),
                         key=lambda e: e.name)
        return search(by_name, query, Exercise.search_texts)[:limit]

    def filter_exercises(self, *, query: str = "", position: str = "", equipment: str = "",
                         diagnosis: str = "", region: str = "") -> list[Exercise]:
        """Exercises matching every given filter, sorted by name."""
        in_program = None
        if diagnosis in self.diagnoses:
            in_program = {entry.exercise for entry in self.diagnoses[diagnosis].program}
        matching = {e.slug for e in search(self.exercises.values(), query, Exercise.search_texts)}
        return sorted(
            (e for e in self.exercises.values()
             if e.slug in matching
             and (not position or e.position == position)
             and (not equipment or equipment in e.equipment)
             and (not region or region in e.regions)
             and (in_program is None or e.slug in in_program)),
            key=lambda e: e.name,
        )

    def search_diagnoses(self, query: str) -> list[Diagnosis]:
        """Diagnoses by name, description, region or ICD-10-CM code, forgiving typos; best first."""
        return search(self.sorted_diagnoses(), query, self._diagnosis_search_texts,
                      lambda d: [code.code for code in d.icd10])

    def _diagnosis_search_texts(self, diagnosis: Diagnosis) -> list[str]:
        """A diagnosis's own search texts and its region's name ("knee" finds every knee diagnosis)."""
        region = self.regions.get(diagnosis.region)
        return [*diagnosis.search_texts(), *((region.label,) if region else ())]

    def sorted_diagnoses(self) -> list[Diagnosis]:
        return sorted(self.diagnoses.values(), key=lambda d: d.name)

    def pain_guide_for(self, diagnosis: Diagnosis) -> PainGuide:
        """The diagnosis's own pain guide, else the one every handout prints."""
        assert self.handout_text is not None, "the catalog was loaded without handout.toml"
        return diagnosis.pain_guide or self.handout_text.pain_guide

    def progress_for(self, diagnosis: Diagnosis) -> tuple[str, ...]:
        assert self.handout_text is not None, "the catalog was loaded without handout.toml"
        return diagnosis.progress or self.handout_text.progress

    def flare_for(self, diagnosis: Diagnosis) -> tuple[str, ...]:
        assert self.handout_text is not None, "the catalog was loaded without handout.toml"
        return diagnosis.flare or self.handout_text.flare

    def broken_rules(self, diagnosis: Diagnosis, exercise: Exercise) -> list[SafetyRule]:
        """The safety rules of ``diagnosis`` that ``exercise`` breaks."""
        return [rule for rule in diagnosis.avoid if rule.move in exercise.moves]

    def as_dict(self) -> dict[str, Any]:
        return {
            "regions": [r.as_dict() for r in self.regions.values()],
            "diagnoses": [d.as_dict() for d in self.sorted_diagnoses()],
            "exercises": [self.exercises[s].as_dict() for s in sorted(self.exercises)],
        }


@dataclass(frozen=True)
class HandoutText:
    """Patient text every handout prints: the opening, the pain guide, the log and disclaimer."""

    intro: tuple[str, ...]
    pain_guide_title: str
    pain_guide: PainGuide  # the default; a diagnosis may have its own
    pain_notes: tuple[str, ...]  # under every guide: what "settled" means, high everyday pain
    progress_title: str
    progress: tuple[str, ...]
    flare_title: str
    flare: tuple[str, ...]
    red_flags_title: str
    # Headings of the warning-sign tiers; the emergency one holds "{number}" (the clinic's).
    red_flags_emergency_heading: str
    red_flags_today_heading: str
    red_flags_today_note: str  # under the clinic's phone: whom to call when the clinic is closed
    red_flags_next_visit_heading: str
    glance_title: str  # "Your program at a glance": the table of every exercise on page 1
    key_title: str  # "How to read the pictures"
    key_lines: tuple[str, ...]  # start, finish, the coloured part, the arrow
    log_title: str
    log_instructions: tuple[str, ...]
    log_date_label: str  # the row where the patient writes each day's date
    log_pain_label: str  # the row for the day's pain score
    notes_title: str  # heads the lined box that fills a page which would end early
    emergency: str  # holds "{number}"
    disclaimer: str
    # The box leading to the patient's own page: a title, what to do, and "{address}" + "{code}"
    phone_title: str = "Your exercises on your phone"
    phone_lines: tuple[str, ...] = ()
    phone_type: str = "Go to {address} and type this code: {code}"

    def emergency_heading(self, number: str) -> str:
        return self.red_flags_emergency_heading.replace("{number}", number)

    def emergency_line(self, number: str) -> str:
        return self.emergency.replace("{number}", number)

    def patient_fields(self) -> list[tuple[str, str]]:
        """Every text a patient reads, with its field (the clinic's emergency number as 911, and a
        printed version's page address and short code as samples)."""
        found: list[tuple[str, str]] = []
        for name, value in vars(self).items():
            if isinstance(value, str):
                found.append((name, value.replace("{number}", "911").replace("{address}", "clinic.example/p")
                              .replace("{code}", "K7QM2-XRT4P")))
            elif isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
                found.extend(_listed(name, value))
        found.extend(self.pain_guide.patient_fields("pain_guide."))
        return found

    def patient_texts(self) -> list[str]:
        return [text for _, text in self.patient_fields()]


def _listed(name: str, texts: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"{name}[{index}]", text) for index, text in enumerate(texts)]


# Diagnosis fields written for the therapist (or names): never printed for the patient.
THERAPIST_FIELDS = frozenset({"slug", "name", "summary", "evidence_note", "therapist_cautions",
                              "default_approach", "region", *PICTURE_FIELDS})


@dataclass(frozen=True)
class Approach:
    """A surgical approach: what the patient is told of it and the movements it rules out."""

    label: str
    patient_text: str
    avoid: tuple[SafetyRule, ...]
    avoid_pictures: tuple[str, ...] = ()   # slugs in advice_pictures/, printed with its rules
    region: str = "hip"  # the body region (a key of regions.toml) whose surgery it is


@dataclass(frozen=True)
class SurgeryText:
    """``surgery.toml``: each approach's rules, and each weight-bearing status in words."""

    approaches: dict[str, Approach]
    weight_bearing: dict[str, str]  # status -> sentence with {side} for the operated leg

    def patient_fields(self) -> list[tuple[str, str]]:
        return [
            *((f"approach.{key}.patient_text", a.patient_text) for key, a in self.approaches.items()),
            *((f"approach.{key}.avoid[{i}].patient_text", r.patient_text)
              for key, a in self.approaches.items() for i, r in enumerate(a.avoid)),
            *((f"weight_bearing.{key}", text) for key, text in self.weight_bearing.items()),
        ]
