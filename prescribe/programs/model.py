"""A tailored program: the exercises a therapist chose for one patient, with doses and advice."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from prescribe.catalog import Dose

# Which side an exercise is done on. "" = the exercise is not done per side.
SIDES: dict[str, str] = {
    "both": "Both sides",
    "left": "Left only",
    "right": "Right only",
    "alternate": "Alternate sides",
}
AFFECTED_SIDES: dict[str, str] = {"": "Not shown", "left": "Left", "right": "Right", "both": "Both"}
PAPER_SIZES: dict[str, str] = {"letter": "Letter", "a4": "A4"}
# The language a handout prints in; "en-es" is bilingual: each section in Spanish, then in English.
HANDOUT_LANGUAGES: dict[str, str] = {"en": "English", "es": "Spanish (español)",
                                     "en-es": "Bilingual: Spanish, then English"}
# Which handout languages each content language makes possible (see Catalog.content_languages).
_LANGUAGES_OF_CONTENT: dict[str, tuple[str, ...]] = {"en": ("en",), "es": ("es", "en-es")}
SPANISH_NOT_READY = "Spanish is not ready for this diagnosis yet."
# How a handout is laid out in print: today's layout, fewer pages, or large print (16 pt and up).
LAYOUTS: dict[str, str] = {"standard": "Standard", "compact": "Compact: fewer pages",
                           "large": "Large print"}
# After joint surgery: the weight the patient may put on the operated leg. How the surgeon reached
# the joint (the approaches, per body region), the patient's words and the rules of each are content
# (exercises_db/surgery.toml, Catalog.approaches_for).
WEIGHT_BEARING: dict[str, str] = {"full": "Full weight", "as-tolerated": "As tolerated",
                                  "partial": "Partial weight", "touch-down": "Touch-down (toes only)"}

MAX_EXERCISES = 20


@dataclass(frozen=True)
class ProgramItem:
    """One exercise of a program with the dose and notes the therapist chose."""

    exercise: str
    dose: Dose
    side: str = "both"
    resistance: str = ""
    note: str = ""


@dataclass(frozen=True)
class AdviceLine:
    """A line of advice that the therapist can include or leave out."""

    text: str
    included: bool = True
    custom: bool = False


@dataclass(frozen=True)
class Precaution:
    """A safety rule of the diagnosis as the therapist selected it for this patient."""

    move: str
    text: str
    included: bool = True


@dataclass(frozen=True)
class Program:
    """Everything a handout prints, before clinic branding is applied."""

    diagnosis: str
    items: tuple[ProgramItem, ...]
    activity_modifications: tuple[AdviceLine, ...] = ()
    sitting_advice: tuple[AdviceLine, ...] = ()
    sleep_advice: tuple[AdviceLine, ...] = ()
    # Warning signs in three tiers, most urgent first (see RED_FLAG_SECTIONS).
    red_flags_emergency: tuple[AdviceLine, ...] = ()
    red_flags_today: tuple[AdviceLine, ...] = ()
    red_flags_next_visit: tuple[AdviceLine, ...] = ()
    precautions: tuple[Precaution, ...] = ()
    patient_name: str = ""
    affected_side: str = ""
    therapist_name: str = ""
    handout_date: date = field(default_factory=date.today)
    next_visit: date | None = None
    paper: str = "letter"
    layout: str = "standard"  # a key of LAYOUTS
    greyscale: bool = False  # figures and every coloured element in greys, for black-and-white printers
    include_log: bool = True
    patient_reference: str = ""
    # "What changed since your last visit", as printed (empty: no box). See programs.changes.
    changes: tuple[str, ...] = ()
    changes_es: tuple[str, ...] = ()  # the same lines in Spanish, when the handout prints Spanish
    # Start low and build up: 1 or 2 days a week in the first week, a day more each week.
    start_gently: bool = False
    # After surgery (diagnoses with surgery details): the approach and weight-bearing status the
    # surgeon set; the operated side is ``affected_side``.
    approach: str = ""
    weight_bearing: str = ""
    language: str = "en"  # a key of HANDOUT_LANGUAGES

    def with_items(self, items: list[ProgramItem]) -> Program:
        return replace(self, items=tuple(items))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored with every printed version so it can be edited again."""
        return {
            "diagnosis": self.diagnosis,
            "items": [
                {"exercise": i.exercise, "dose": i.dose.as_dict(), "side": i.side,
                 "resistance": i.resistance, "note": i.note}
                for i in self.items
            ],
            **{
                name: [{"text": a.text, "included": a.included, "custom": a.custom}
                       for a in getattr(self, name)]
                for name in ADVICE_SECTIONS
            },
            "precautions": [{"move": p.move, "text": p.text, "included": p.included}
                            for p in self.precautions],
            "patient_name": self.patient_name,
            "affected_side": self.affected_side,
            "therapist_name": self.therapist_name,
            "handout_date": self.handout_date.isoformat(),
            "next_visit": self.next_visit.isoformat() if self.next_visit else None,
            "paper": self.paper,
            "include_log": self.include_log,
            # Written only when set, so programs saved before these fields read back unchanged.
            **({"patient_reference": self.patient_reference} if self.patient_reference else {}),
            **({"changes": list(self.changes)} if self.changes else {}),
            **({"changes_es": list(self.changes_es)} if self.changes_es else {}),
            **({"start_gently": True} if self.start_gently else {}),
            **({"approach": self.approach} if self.approach else {}),
            **({"weight_bearing": self.weight_bearing} if self.weight_bearing else {}),
            **({"layout": self.layout} if self.layout != "standard" else {}),
            **({"greyscale": True} if self.greyscale else {}),
            **({"language": self.language} if self.language != "en" else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Program:
        """Inverse of :meth:`as_dict`."""
        return cls(
            diagnosis=data["diagnosis"],
            items=tuple(
                ProgramItem(exercise=i["exercise"], dose=Dose(**i["dose"]), side=i["side"],
                            resistance=i["resistance"], note=i["note"])
                for i in data["items"]
            ),
            **{**{name: tuple(AdviceLine(**a) for a in data.get(name, [])) for name in ADVICE_SECTIONS},
               **_tiers_from_old_red_flags(data)},
            precautions=tuple(Precaution(**p) for p in data.get("precautions", [])),
            patient_name=data.get("patient_name", ""),
            affected_side=data.get("affected_side", ""),
            therapist_name=data.get("therapist_name", ""),
            handout_date=date.fromisoformat(data["handout_date"]),
            next_visit=date.fromisoformat(data["next_visit"]) if data.get("next_visit") else None,
            paper=data.get("paper", "letter"),
            include_log=data.get("include_log", True),
            patient_reference=data.get("patient_reference", ""),
            changes=tuple(data.get("changes", ())),
            changes_es=tuple(data.get("changes_es", ())),
            start_gently=data.get("start_gently", False),
            approach=data.get("approach", ""),
            weight_bearing=data.get("weight_bearing", ""),
            layout=data.get("layout", "standard"),
            greyscale=data.get("greyscale", False),
            language=data.get("language", "en"),
        )


def handout_languages(catalog, diagnosis: str) -> tuple[str, ...]:
    """The handout languages offered for ``diagnosis``: English, and Spanish and bilingual only when
    every text its default handout prints has a Spanish version (``Catalog.content_languages``)."""
    return tuple(language for content in catalog.content_languages(diagnosis)
                 for language in _LANGUAGES_OF_CONTENT.get(content, ()))


# The dose fields each kind of exercise uses (catalog.Exercise.dose_kind); the others are neither
# printed nor shown in the builder. How often (times a day, days a week) applies to every kind.
DOSE_FIELDS = ("sets", "reps", "hold_seconds", "minutes", "rest_seconds")
DOSE_FIELDS_USED = {
    "reps": ("sets", "reps", "hold_seconds", "rest_seconds"),
    "hold": ("sets", "hold_seconds", "rest_seconds"),
    "minutes": ("minutes",),
}

@dataclass(frozen=True)
class AdviceSection:
    """A list of advice lines a program carries: one row of the table that feeds the builder's form
    and page, the handout's view model and its template."""

    name: str  # the Program field, and the diagnosis field it starts from
    builder_title: str
    handout_title: str = ""  # its heading on the advice pages; "" for a warning-sign tier (printed with the red flags)
    block_id: str = ""  # the handout's block (prescribe.handout.fit reads it)
    pictures: str = ""  # the diagnosis field listing the block's pictures


ADVICE_SECTION_TABLE = (
    AdviceSection("activity_modifications", "Moving through your day", "Moving through your day", "advice-moving",
                  "moving_pictures"),
    AdviceSection("sitting_advice", "Sitting", "Sitting", "advice-sitting", "sitting_pictures"),
    AdviceSection("sleep_advice", "Sleeping", "Sleeping", "advice-sleep", "sleep_pictures"),
    AdviceSection("red_flags_emergency", "Warning signs: call the emergency number now if"),
    AdviceSection("red_flags_today", "Warning signs: call us today if"),
    AdviceSection("red_flags_next_visit", "Warning signs: tell us at the next visit if"),
)
ADVICE_SECTIONS = tuple(section.name for section in ADVICE_SECTION_TABLE)
RED_FLAG_SECTIONS = tuple(section.name for section in ADVICE_SECTION_TABLE if not section.handout_title)

# Words that mark a line of an old single warning-sign list as an emergency.
_EMERGENCY_WORDS = ("emergency", "chest pain", "trouble breathing", "bladder or bowels")


def _tiers_from_old_red_flags(data: dict[str, Any]) -> dict[str, tuple[AdviceLine, ...]]:
    """Programs stored before the tiers had one "red_flags" list: its emergencies go first, the
    rest become "call us today" (the safe middle). A program with the tiers is left as it is."""
    old = data.get("red_flags")
    if not old or any(name in data for name in RED_FLAG_SECTIONS):
        return {}
    tiers: dict[str, list[AdviceLine]] = {"red_flags_emergency": [], "red_flags_today": []}
    for line in (AdviceLine(**a) for a in old):
        urgent = any(word in line.text.lower() for word in _EMERGENCY_WORDS)
        tiers["red_flags_emergency" if urgent else "red_flags_today"].append(line)
    return {name: tuple(lines) for name, lines in tiers.items()}
