"""The handout's view model: plain data built from a program, the catalog and the clinic.

The print templates receive only these dataclasses, never ORM objects, so rendering cannot touch
the database and every decision (what to print, in which words) is made here, where it is tested.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TypeVar

from prescribe.catalog import Catalog, HandoutText, PainGuide
from prescribe.catalog.markup import fill
from prescribe.programs import LAYOUTS, Program, dose_in_words, filled, how_often_lines, side_line

from .log_grid import log_grids

LOG_DAYS = 14
# The clinic's accent in a greyscale handout: dark enough for arrows and rules, and it stays apart
# from the figure's body (#2b2b2b) by weight and from the props' light greys by tone.
GREYSCALE_ACCENT = "#4d4d4d"
T = TypeVar("T")


@dataclass(frozen=True)
class Branding:
    """What a handout shows of the clinic."""

    name: str
    address: str = ""
    phone: str = ""
    website: str = ""
    accent_colour: str = "#1d6fb8"
    logo_png: bytes | None = None
    footer_line: str = ""
    emergency_number: str = "911"  # printed in "Call 911 now if"; 999, 112, 000 ... per clinic

    @property
    def logo_data_uri(self) -> str | None:
        if not self.logo_png:
            return None
        return "data:image/png;base64," + base64.b64encode(self.logo_png).decode("ascii")

    @property
    def contact_line(self) -> str:
        return " · ".join(part for part in (self.address, self.phone, self.website) if part)


@dataclass(frozen=True)
class ExerciseCard:
    number: int
    name: str
    purpose: str
    illustration_uri: str | None
    illustration_alt: str
    dose_lines: tuple[str, ...]
    side_line: str  # which leg does what ("" when the exercise is not done per side)
    resistance: str
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    stop_if: str
    note: str


@dataclass(frozen=True)
class SurgeryBox:
    """What the surgeon set, in the patient's words: the operated side, weight and hip rules."""

    operated_side: str
    approach_line: str
    weight_line: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class RedFlagTier:
    """One urgency tier of warning signs, as printed: a heading that each line completes."""

    kind: str  # "emergency" | "today" | "next-visit": the print style
    heading: str
    lines: tuple[str, ...]
    call: str = ""  # whom to call, printed right under the heading ("" when nothing to add)
    note: str = ""  # e.g. whom to call when the clinic is closed


@dataclass(frozen=True)
class HandoutView:
    title: str
    lang: str
    paper: str
    branding: Branding
    patient_name: str
    affected_side: str
    therapist_name: str
    handout_date: str
    next_visit: str
    condition_name: str
    explanation: tuple[str, ...]
    goal: str
    how_often: tuple[str, ...]
    text: HandoutText
    cards: tuple[ExerciseCard, ...]
    activity_modifications: tuple[str, ...]
    sitting_advice: tuple[str, ...]
    sleep_advice: tuple[str, ...]
    avoid: tuple[str, ...]
    red_flag_tiers: tuple[RedFlagTier, ...]
    emergency_line: str  # "In any other emergency, call 911."
    pain_guide: PainGuide
    pain_notes: tuple[str, ...]
    progress: tuple[str, ...]
    flare: tuple[str, ...]
    log_rows: tuple[str, ...]
    log_days: int
    log_grids: tuple[str, ...]
    patient_reference: str = ""
    changes: tuple[str, ...] = ()  # "What changed since your last visit" (empty: no box)
    surgery: SurgeryBox | None = None  # after joint surgery: the surgeon's rules, first
    layout: str = "standard"  # a key of LAYOUTS: "standard" | "compact" | "large"
    greyscale: bool = False  # printed in greys; ``branding.accent_colour`` is then GREYSCALE_ACCENT

    @property
    def page_size(self) -> str:
        return "A4" if self.paper == "a4" else "Letter"

    @property
    def body_class(self) -> str:
        """The print options as classes of <body>, which print.css styles: "layout-compact greyscale"."""
        return f"layout-{self.layout}" + (" greyscale" if self.greyscale else "")

    @property
    def red_flags(self) -> tuple[str, ...]:
        """Every printed warning sign, most urgent first."""
        return tuple(line for tier in self.red_flag_tiers for line in tier.lines)


def format_date(value: date) -> str:
    """"21 November 2026": unambiguous for patients in any country."""
    return f"{value.day} {value.strftime('%B %Y')}"


@lru_cache(maxsize=1024)
def illustration_svg(illustration, accent: str) -> str:
    """An illustration drawn in the clinic's accent colour; figures are immutable, so cached."""
    from prescribe.illustration import render_svg

    return render_svg(illustration, accent=accent)


@lru_cache(maxsize=1024)
def illustration_data_uri(illustration, accent: str) -> str:
    """The figure as a ``data:`` URI: the PDF engine parses each distinct one once per process."""
    svg = illustration_svg(illustration, accent).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@lru_cache(maxsize=16)
def greyscale_png(png: bytes) -> bytes:
    """The clinic's logo in greys (transparency kept): the print CSS cannot filter an image."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        grey = image.convert("LA")
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _illustration(exercise, accent: str) -> tuple[str | None, str]:
    if exercise.illustration is None:
        return None, f"{exercise.name}: picture not available yet"
    return illustration_data_uri(exercise.illustration, accent), exercise.illustration.alt


def build_handout_view(program: Program, catalog: Catalog, branding: Branding) -> HandoutView:
    """Everything the print template shows, in the words it shows them.

    In greyscale the clinic's accent becomes a dark grey everywhere, figures included, so no
    colour of the clinic reaches the page.
    """
    if program.greyscale:
        branding = replace(branding, accent_colour=GREYSCALE_ACCENT,
                           logo_png=greyscale_png(branding.logo_png) if branding.logo_png else None)
    diagnosis = catalog.diagnoses[program.diagnosis]
    assert catalog.handout_text is not None, "the catalog was loaded without handout.toml"
    cards = []
    for number, item in enumerate(program.items, start=1):
        exercise = catalog.exercises[item.exercise]
        uri, alt = _illustration(exercise, branding.accent_colour)
        side = item.side if exercise.per_side else ""
        cards.append(ExerciseCard(
            number=number,
            name=exercise.name,
            purpose=exercise.purpose,
            illustration_uri=uri,
            illustration_alt=alt,
            dose_lines=tuple(dose_in_words(item.dose, side, program.start_gently)),
            side_line=side_line(exercise, side),
            resistance=item.resistance,
            steps=filled(exercise.steps, item.dose),
            tips=filled(exercise.tips, item.dose),
            stop_if=filled([exercise.stop_if], item.dose)[0],
            note=item.note,
        ))
    log_rows = tuple(card.name for card in cards) if program.include_log else ()
    return HandoutView(
        title=f"Home exercise program: {diagnosis.patient_name}",
        lang="en",
        paper=program.paper,
        branding=branding,
        patient_name=program.patient_name,
        affected_side={"left": "Left", "right": "Right", "both": "Both"}.get(program.affected_side, ""),
        therapist_name=program.therapist_name,
        handout_date=format_date(program.handout_date),
        next_visit=format_date(program.next_visit) if program.next_visit else "",
        condition_name=diagnosis.patient_name,
        explanation=_filled(diagnosis.explanation),
        goal=fill(diagnosis.goal),
        how_often=(*how_often_lines([(c.name, i.dose) for c, i in zip(cards, program.items)],
                                    program.start_gently),
                   *((fill(diagnosis.how_long),) if diagnosis.how_long else ())),
        text=_as_printed(catalog.handout_text, branding.emergency_number),
        cards=tuple(cards),
        activity_modifications=_included(program.activity_modifications),
        sitting_advice=_included(program.sitting_advice),
        sleep_advice=_included(program.sleep_advice),
        avoid=tuple(p.text for p in program.precautions if p.included),
        red_flag_tiers=red_flag_tiers(program, catalog.handout_text, branding),
        emergency_line=catalog.handout_text.emergency_line(branding.emergency_number),
        pain_guide=_as_printed(catalog.pain_guide_for(diagnosis)),
        pain_notes=_filled(catalog.handout_text.pain_notes),
        progress=_filled(catalog.progress_for(diagnosis)),
        flare=_filled(catalog.flare_for(diagnosis)),
        log_rows=log_rows,
        log_days=LOG_DAYS,
        log_grids=log_grids(log_rows, LOG_DAYS) if log_rows else (),
        patient_reference=program.patient_reference,
        changes=program.changes,
        surgery=_surgery_box(program, catalog),
        layout=program.layout if program.layout in LAYOUTS else "standard",
        greyscale=program.greyscale,
    )


def _surgery_box(program: Program, catalog: Catalog) -> SurgeryBox | None:
    """The surgeon's rules for a program after surgery (None for other programs)."""
    diagnosis = catalog.diagnoses[program.diagnosis]
    surgery = catalog.surgery
    if not diagnosis.surgery or surgery is None or not program.approach:
        return None
    side = program.affected_side if program.affected_side in ("left", "right") else ""
    approach = surgery.approaches[program.approach]
    weight = surgery.weight_bearing.get(program.weight_bearing, "")
    return SurgeryBox(
        operated_side=side.capitalize(),
        approach_line=approach.patient_text,
        weight_line=fill(weight, {"side": side or "operated"}) if weight else "",
        rules=tuple(rule.patient_text for rule in approach.avoid),
    )


def red_flag_tiers(program: Program, text: HandoutText, branding: Branding) -> tuple[RedFlagTier, ...]:
    """The ticked warning signs by urgency, emergencies first; a tier with no line is left out.

    The emergency heading names the clinic's emergency number, and "call us today" prints the
    clinic's phone right there, so nobody has to look for it when it matters.
    """
    today_call = f"{branding.name}: {branding.phone}" if branding.phone else ""
    tiers = (
        RedFlagTier("emergency", text.emergency_heading(branding.emergency_number),
                    _included(program.red_flags_emergency)),
        RedFlagTier("today", text.red_flags_today_heading, _included(program.red_flags_today), today_call,
                    text.red_flags_today_note),
        RedFlagTier("next-visit", text.red_flags_next_visit_heading, _included(program.red_flags_next_visit)),
    )
    return tuple(tier for tier in tiers if tier.lines)


def _filled(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fill(text) for text in texts)


def _as_printed(content: T, emergency_number: str = "") -> T:
    """A copy of a content dataclass with every text as the patient reads it ({=...} unmarked, the
    clinic's emergency number in place of {number})."""
    def printed(text: str) -> str:
        return fill(text).replace("{number}", emergency_number) if emergency_number else fill(text)

    changes = {name: printed(value) if isinstance(value, str) else tuple(printed(v) for v in value)
               for name, value in vars(content).items()
               if isinstance(value, str) or (isinstance(value, tuple) and all(isinstance(v, str) for v in value))}
    return replace(content, **changes)


def _included(lines) -> tuple[str, ...]:
    return tuple(line.text for line in lines if line.included)
