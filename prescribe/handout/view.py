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
from typing import TYPE_CHECKING, TypeVar

import segno

from prescribe.catalog import Catalog, HandoutText, PainGuide
from prescribe.catalog.markup import fill
from prescribe.i18n import words_for
from prescribe.programs import (
    ADVICE_SECTION_TABLE,
    LAYOUTS,
    Program,
    amount_in_short,
    dose_in_words,
    filled,
    frequency_phrase,
    how_often_lines,
    side_line,
)
from prescribe.programs.wording import side_values

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

LOG_DAYS = 14
# Printed widths of a thumbnail in "Your program at a glance" and of the key's example figure
# (exercise figures: prescribe.illustration.print_width_mm).
THUMBNAIL_MM = 20.0
KEY_PICTURE_MM = 52.0
# How much larger (large print) or smaller (compact, the fewest pages) the exercise pictures print.
PICTURE_SCALE = {"large": 1.5, "compact": 0.8}
# The clinic's accent in a greyscale handout: dark enough for arrows and rules, and it stays apart
# from the figure's body (#2b2b2b) by weight and from the props' light greys by tone.
GREYSCALE_ACCENT = "#4d4d4d"
T = TypeVar("T", bound="DataclassInstance")


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
    # The translations the clinic's clinicians have checked, as (language, file, text_hash): a handout
    # printing only checked texts carries no draft line (Catalog.unchecked).
    reviewed_translations: frozenset[tuple[str, str, str]] = frozenset()

    @property
    def logo_data_uri(self) -> str | None:
        if not self.logo_png:
            return None
        return "data:image/png;base64," + base64.b64encode(self.logo_png).decode("ascii")

    @property
    def contact_line(self) -> str:
        return " · ".join(part for part in (self.address, self.phone, self.website) if part)


@dataclass(frozen=True)
class PanelCaption:
    """"Start" or "Finish", centred under its panel (offsets in per cent of the picture's width)."""

    text: str
    left: float
    width: float


@dataclass(frozen=True)
class Picture:
    """An exercise figure as printed: where it goes, its size, and a caption under each panel."""

    uri: str
    alt: str
    wide: bool  # spans the card (a figure of someone lying down) rather than the column beside the steps
    width_mm: float
    height_mm: float
    captions: tuple[PanelCaption, ...]


@dataclass(frozen=True)
class GlanceRow:
    """One exercise in "Your program at a glance" and in the log: picture, name, dose in short."""

    number: int
    name: str
    thumbnail: Picture | None
    amount: str
    how_often: str


@dataclass(frozen=True)
class ExerciseCard:
    number: int
    name: str
    purpose: str
    picture: Picture | None
    illustration_alt: str
    dose_lines: tuple[str, ...]
    side_line: str  # which leg does what ("" when the exercise is not done per side)
    resistance: str
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    stop_if: str
    note: str


@dataclass(frozen=True)
class AdvicePictureView:
    """An advice picture as printed: the drawing (with its tick or cross), alt text and caption."""

    uri: str
    alt: str
    caption: str
    kind: str  # "do" | "avoid"


@dataclass(frozen=True)
class AdviceBlock:
    """One block of advice as printed (programs.ADVICE_SECTION_TABLE): heading, ticked lines, pictures."""

    id: str
    title: str
    lines: tuple[str, ...]
    pictures: tuple[AdvicePictureView, ...] = ()


@dataclass(frozen=True)
class SurgeryBox:
    """What the surgeon set, in the patient's words: the operated side, weight and the approach's rules."""

    operated_side: str
    approach_line: str
    weight_line: str
    rules: tuple[str, ...]
    joint: str = "hip"  # the new joint, from the diagnosis's region ("Your new knee: Left.")
    new_joint: str = "Your new hip"  # the words before the operated side, in the handout's language


@dataclass(frozen=True)
class RedFlagTier:
    """One urgency tier of warning signs, as printed: a heading that each line completes."""

    kind: str  # "emergency" | "today" | "next-visit": the print style
    heading: str
    lines: tuple[str, ...]
    call: str = ""  # whom to call, printed right under the heading ("" when nothing to add)
    note: str = ""  # e.g. whom to call when the clinic is closed


@dataclass(frozen=True)
class PhoneLink:
    """What a printed version says about the patient's own page: the QR code's address and the typed way in."""

    qr_address: str      # HTTPS://CLINIC.EXAMPLE/P/TOKEN (upper case: the QR code's alphanumeric mode)
    entry_address: str   # clinic.example/p, where the short code is typed
    code: str            # K7QM2-XRT4P


@dataclass(frozen=True)
class PhoneBox:
    """The box on page 1 that leads to the patient's page: the QR code and the words around it."""

    qr_uri: str
    title: str
    lines: tuple[str, ...]
    type_before: str  # "No camera? Go to"
    address: str
    type_middle: str  # "and type this code:"
    code: str
    type_after: str


PREVIEW_CODE = "(printed with the handout)"
QR_PLACEHOLDER = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect x="3" y="3" width="94" height="94" '
    b'fill="#f2f2f2" stroke="#777" stroke-width="2" stroke-dasharray="6 4"/><text x="50" y="46" '
    b'font-family="sans-serif" font-size="13" text-anchor="middle" fill="#444">QR code</text><text x="50" '
    b'y="63" font-family="sans-serif" font-size="11" text-anchor="middle" fill="#444">when printed</text></svg>'
).decode("ascii")


def phone_box(link: PhoneLink, text: HandoutText) -> PhoneBox:
    """The QR code (vector, medium error correction) and the handout's words for ``link``."""
    before, rest = text.phone_type.split("{address}", 1)
    middle, after = rest.split("{code}", 1) if "{code}" in rest else (rest, "")
    if link.qr_address:
        qr_uri = segno.make(link.qr_address, error="m").svg_data_uri(scale=4, border=4, dark="#000000")
    else:  # a preview: where the printed copy's code goes
        qr_uri = QR_PLACEHOLDER
    return PhoneBox(qr_uri=qr_uri, title=text.phone_title, lines=text.phone_lines, type_before=before.strip(),
                    address=link.entry_address, type_middle=middle.strip(),
                    code=link.code or PREVIEW_CODE, type_after=after.strip())


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
    advice_blocks: tuple[AdviceBlock, ...]  # moving, sitting, sleeping: those with a line ticked
    avoid: tuple[str, ...]
    red_flag_tiers: tuple[RedFlagTier, ...]
    emergency_line: str  # "In any other emergency, call 911."
    pain_guide: PainGuide
    pain_notes: tuple[str, ...]
    progress: tuple[str, ...]
    flare: tuple[str, ...]
    glance: tuple[GlanceRow, ...]
    key_picture: Picture | None  # the example in "How to read the pictures" (None: no figure to show)
    key_marks: tuple[str, ...]  # per key line, a small drawing beside it ("" for none), as data: URIs
    include_log: bool
    log_days: int
    patient_reference: str = ""
    changes: tuple[str, ...] = ()  # "What changed since your last visit" (empty: no box)
    surgery: SurgeryBox | None = None  # after joint surgery: the surgeon's rules, first
    # The "avoid" block's pictures (empty: none) and heading.
    avoid_pictures: tuple[AdvicePictureView, ...] = ()
    avoid_title: str = "Things to avoid until we say they are OK"
    # Lined "Notes" boxes filling a page that would end early: (id of the block after it, height in mm)
    notes_before: tuple[tuple[str, float], ...] = ()
    layout: str = "standard"  # a key of LAYOUTS: "standard" | "compact" | "large"
    greyscale: bool = False  # printed in greys; ``branding.accent_colour`` is then GREYSCALE_ACCENT
    phone: PhoneBox | None = None  # a printed version's way to the patient's page (none in a preview)
    # A bilingual handout: the same handout in English, each section printed after this one's.
    second: HandoutView | None = None
    # Printed under the disclaimer when any printed text's translation is a draft (one line per language).
    draft_note: tuple[str, ...] = ()

    def gettext(self, message: str) -> str:
        """The handout's fixed words in its language (the templates' ``_``)."""
        return words_for(self.lang).gettext(message)

    second_part: bool = False  # this view is the second language of a bilingual handout
    # Only the blocks that differ from one patient to the next (prescribe/handout/personal.py).
    personal_only: bool = False

    @property
    def parts(self) -> tuple[HandoutView, ...]:
        """The languages in print order: this one, then the English of a bilingual handout (which
        shares this one's notes boxes: its blocks' ids start with "en-")."""
        if self.second is None:
            return (self,)
        return (self, replace(self.second, second_part=True, notes_before=self.notes_before))

    @property
    def page_counter(self) -> str:
        """The CSS ``content`` of the page number in the handout's language: "Page " counter(page) ..."""
        words = self.gettext("Page %(page)s of %(pages)s").replace('"', "")
        content = words % {"page": '" counter(page) "', "pages": '" counter(pages) "'}
        return f'"{content}"'.replace(' "" ', " ").removeprefix('"" ').removesuffix(' ""')

    @property
    def lang_tag(self) -> str:
        """The language tag the HTML and the PDF carry: "en", or "es-US" (US Spanish)."""
        return LANG_TAGS.get(self.lang, self.lang)

    @property
    def id_prefix(self) -> str:
        """Block ids of the second language start with its code, so each block's id stays its own."""
        return f"{self.lang}-" if self.second_part else ""


    def notes_height(self, block_id: str) -> float:
        """The height in mm of the notes box printed before ``block_id`` (0: none)."""
        return dict(self.notes_before).get(block_id, 0.0)

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


def _n(message: str) -> str:
    """Marks a message for the catalog; translated where it is used."""
    return message


MONTHS = (_n("January"), _n("February"), _n("March"), _n("April"), _n("May"), _n("June"), _n("July"),
          _n("August"), _n("September"), _n("October"), _n("November"), _n("December"))
NEW_JOINT = {"hip": _n("Your new hip"), "knee": _n("Your new knee"), "shoulder": _n("Your new shoulder")}
AFFECTED = {"left": _n("Left"), "right": _n("Right"), "both": _n("Both")}
LANG_TAGS = {"en": "en", "es": "es-US"}
DRAFT_NOTE = _n("Translation not yet checked by a clinician.")
# Headings the view passes on from programs.ADVICE_SECTION_TABLE, marked here for the catalog.
HEADINGS = (_n("Moving through your day"), _n("Sitting"), _n("Sleeping"),
            _n("Things to avoid until we say they are OK"), _n("Do not do these until your surgeon says it is OK"))


def format_date(value: date, lang: str = "en") -> str:
    """"21 November 2026" ("21 de noviembre de 2026"): unambiguous for patients in any country."""
    w = words_for(lang)
    return w.gettext("%(day)d %(month)s %(year)d") % {"day": value.day, "month": w.gettext(MONTHS[value.month - 1]),
                                                       "year": value.year}


@lru_cache(maxsize=1024)
def illustration_svg(illustration, accent: str, scale: float = 1.0) -> str:
    """An illustration drawn in the clinic's accent colour for printing ``scale`` times its usual
    size; figures are immutable, so cached."""
    from prescribe.illustration import render_svg

    return render_svg(illustration, accent=accent, print_scale=scale)


@lru_cache(maxsize=1024)
def illustration_data_uri(illustration, accent: str, scale: float = 1.0) -> str:
    """The figure as a ``data:`` URI: the PDF engine parses each distinct one once per process."""
    svg = illustration_svg(illustration, accent, scale).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def picture(illustration, accent: str, *, width_mm: float | None = None, captions: bool = True,
            scale: float = 1.0, lang: str = "en") -> Picture:
    """The figure as printed, with "Start" and "Finish" under its two panels.

    Wide figures (two panels of someone lying down) span the card; the others sit beside the steps
    (sizes: :func:`prescribe.illustration.print_width_mm`). ``width_mm`` fixes the width instead (a
    thumbnail, the key's example). ``scale`` prints it larger (large print) or smaller (compact);
    its arrowheads are drawn to stay at least 4 mm on paper.
    """
    from prescribe.illustration.render import (
        WIDE_FIGURE_ASPECT,
        panel_layout,
        print_width_mm,
    )

    layout = panel_layout(illustration_svg(illustration, accent, scale))
    aspect = layout.width / layout.height
    wide = width_mm is None and aspect >= WIDE_FIGURE_ASPECT
    printed = width_mm or print_width_mm(layout.width, layout.height) * scale
    labels: tuple[PanelCaption, ...] = ()
    if layout.count == 2 and captions:
        panel = round(layout.panel_width * 100, 2)
        w = words_for(lang)
        labels = (PanelCaption(w.gettext("Start"), 0.0, panel),
                  PanelCaption(w.gettext("Finish"), round((layout.panel_width + layout.gap) * 100, 2), panel))
    return Picture(uri=illustration_data_uri(illustration, accent, scale), alt=illustration.alt, wide=wide,
                   width_mm=round(printed, 2), height_mm=round(printed / aspect, 2), captions=labels)


def _picture(exercise, accent: str, **size) -> Picture | None:
    return None if exercise.illustration is None else picture(exercise.illustration, accent, **size)


@lru_cache(maxsize=256)
def advice_picture_uri(illustration, accent: str, kind: str, greyscale: bool = False) -> str:
    """An advice picture with its tick or cross, as a ``data:`` URI (cached like the figures)."""
    from prescribe.illustration import render_svg

    svg = render_svg(illustration, accent=accent, mark=kind, greyscale=greyscale).encode("utf-8")
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


def build_handout_view(program: Program, catalog: Catalog, branding: Branding) -> HandoutView:
    """Everything the print template shows, in the words it shows them, in the program's language.

    A Spanish handout takes every text from the catalog's Spanish and its fixed words from the
    Spanish gettext catalog; a bilingual one ("en-es") is the Spanish view carrying the English one
    (``second``), each section printed in Spanish and then in English. Any draft translation among
    the printed texts adds the draft note under the disclaimer, in each language printed.

    In greyscale the clinic's accent becomes a dark grey everywhere, figures included, so no
    colour of the clinic reaches the page.
    """
    if program.greyscale:
        branding = replace(branding, accent_colour=GREYSCALE_ACCENT,
                           logo_png=greyscale_png(branding.logo_png) if branding.logo_png else None)
    if program.language not in ("es", "en-es"):
        return _view(program, catalog, branding, "en")
    spanish = _view(program, catalog, branding, "es")
    draft = bool(catalog.unchecked("es", printed_files(program, catalog), branding.reviewed_translations))
    if program.language == "es":
        return replace(spanish, draft_note=(words_for("es").gettext(DRAFT_NOTE),) if draft else ())
    english = _view(program, catalog, branding, "en")
    notes = (words_for("es").gettext(DRAFT_NOTE), DRAFT_NOTE) if draft else ()
    return replace(spanish, second=english, draft_note=notes)


def printed_files(program: Program, catalog: Catalog) -> tuple[str, ...]:
    """The content files whose text this program's handout prints."""
    diagnosis = catalog.diagnoses[program.diagnosis]
    files = list(catalog.handout_files(diagnosis))
    for item in program.items:
        files.append(f"exercises/{item.exercise}.toml")
        exercise = catalog.exercises.get(item.exercise)
        if exercise is not None and exercise.illustration is not None:
            files.append(f"illustrations/{item.exercise}.toml")
    return tuple(dict.fromkeys(files))


def in_language(program: Program, catalog: Catalog, lang: str) -> Program:
    """The program's advice lines and safety rules in ``lang``: each line as the catalog wrote it
    becomes the catalog's line in that language; a line the therapist typed or changed stays as typed."""
    if lang == "en":
        return program
    english, spoken = catalog.diagnoses[program.diagnosis], catalog.in_language(lang).diagnoses[program.diagnosis]
    changes: dict = {}
    for section in ADVICE_SECTION_TABLE:
        words = dict(zip((fill(t) for t in getattr(english, section.name)),
                         (fill(t) for t in getattr(spoken, section.name)), strict=True))
        changes[section.name] = tuple(line if line.custom else replace(line, text=words.get(line.text, line.text))
                                      for line in getattr(program, section.name))
    rules = {rule.move: (fill(rule.patient_text), fill(said.patient_text))
             for rule, said in zip(english.avoid, spoken.avoid, strict=True)}
    changes["precautions"] = tuple(
        replace(p, text=rules[p.move][1]) if p.move in rules and rules[p.move][0] == p.text else p
        for p in program.precautions)
    return replace(program, **changes)


def _view(program: Program, catalog: Catalog, branding: Branding, lang: str) -> HandoutView:
    """The handout in one language (``catalog`` and ``program`` as given: in English)."""
    program = in_language(program, catalog, lang)
    catalog = catalog.in_language(lang)
    w = words_for(lang)
    diagnosis = catalog.diagnoses[program.diagnosis]
    assert catalog.handout_text is not None, "the catalog was loaded without handout.toml"
    cards, glance = [], []
    accent = branding.accent_colour
    for number, item in enumerate(program.items, start=1):
        exercise = catalog.exercises[item.exercise]
        side = item.side if exercise.per_side else ""
        glance.append(GlanceRow(
            number=number, name=exercise.name,
            thumbnail=_picture(exercise, accent, width_mm=THUMBNAIL_MM, captions=False),
            amount=amount_in_short(item.dose, side, lang, exercise.limb),
            how_often=frequency_phrase(item.dose, lang).capitalize(),
        ))
        cards.append(ExerciseCard(
            number=number,
            name=exercise.name,
            purpose=exercise.purpose,
            picture=_picture(exercise, accent, scale=PICTURE_SCALE.get(program.layout, 1.0), lang=lang),
            illustration_alt=(exercise.illustration.alt if exercise.illustration
                              else w.gettext("%(name)s: picture not available yet") % {"name": exercise.name}),
            dose_lines=tuple(dose_in_words(item.dose, side, program.start_gently, lang, exercise.limb)),
            side_line=side_line(exercise, side, lang),
            resistance=item.resistance,
            steps=filled(exercise.steps, item.dose, lang),
            tips=filled(exercise.tips, item.dose, lang),
            stop_if=filled([exercise.stop_if], item.dose, lang)[0],
            note=item.note,
        ))
    pictures = advice_pictures(program, catalog, branding.accent_colour, program.greyscale)
    avoid = tuple(p.text for p in program.precautions if p.included)
    return HandoutView(
        title=w.gettext("Home exercise program: %(condition)s") % {"condition": diagnosis.patient_name},
        lang=lang,
        paper=program.paper,
        branding=branding,
        patient_name=program.patient_name,
        affected_side=w.gettext(AFFECTED[program.affected_side]) if program.affected_side in AFFECTED else "",
        therapist_name=program.therapist_name,
        handout_date=format_date(program.handout_date, lang),
        next_visit=format_date(program.next_visit, lang) if program.next_visit else "",
        condition_name=diagnosis.patient_name,
        explanation=_filled(diagnosis.explanation),
        goal=fill(diagnosis.goal),
        how_often=(*how_often_lines([(c.name, i.dose) for c, i in zip(cards, program.items, strict=True)],
                                    program.start_gently, lang),
                   *((fill(diagnosis.how_long),) if diagnosis.how_long else ())),
        # phone_type's {address} and {code} are each printed version's own: phone_box() fills them.
        text=replace(_as_printed(catalog.handout_text, branding.emergency_number), phone_type=""),
        cards=tuple(cards),
        advice_blocks=tuple(
            AdviceBlock(section.block_id, w.gettext(section.handout_title), _included(getattr(program, section.name)),
                        pictures[section.name])
            for section in ADVICE_SECTION_TABLE if section.handout_title and _included(getattr(program, section.name))),
        avoid=avoid,
        red_flag_tiers=red_flag_tiers(program, catalog.handout_text, branding),
        emergency_line=catalog.handout_text.emergency_line(branding.emergency_number),
        pain_guide=_as_printed(catalog.pain_guide_for(diagnosis)),
        pain_notes=_filled(catalog.handout_text.pain_notes),
        progress=_filled(catalog.progress_for(diagnosis)),
        flare=_filled(catalog.flare_for(diagnosis)),
        glance=tuple(glance),
        key_picture=_key_picture(program, catalog, accent, lang),
        key_marks=key_marks(accent),
        include_log=program.include_log,
        log_days=LOG_DAYS,
        patient_reference=program.patient_reference,
        changes=program.changes_es if lang == "es" and program.changes_es else program.changes,
        surgery=_surgery_box(program, catalog, lang),
        avoid_pictures=pictures["avoid"],
        avoid_title=w.gettext(HEADINGS[3] if avoid else HEADINGS[4]),
        layout=program.layout if program.layout in LAYOUTS else "standard",
        greyscale=program.greyscale,
    )


@lru_cache(maxsize=64)
def key_marks(accent: str) -> tuple[str, ...]:
    """Beside the key's lines: a caption box for "Start" and "Finish", a patch of the working colour,
    and an arrow drawn like the figures' (a background, so not read out twice)."""
    def uri(body: str) -> str:
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 16">{body}</svg>'
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")

    caption = uri('<rect x="1" y="3" width="22" height="10" rx="2" fill="none" stroke="#1a1a1a" stroke-width="1.6"/>')
    patch = uri(f'<rect x="1" y="2" width="22" height="12" rx="3" fill="{accent}"/>')
    arrow = uri(f'<path d="M2 8H15" stroke="{accent}" stroke-width="3.2" stroke-linecap="round"/>'
                f'<path d="M13 2L23 8L13 14Z" fill="{accent}"/>')
    return (caption, caption, patch, arrow)


def _key_picture(program: Program, catalog: Catalog, accent: str, lang: str = "en") -> Picture | None:
    """The example in the key: the program's first two-panel figure (start, finish, arrow)."""
    for item in program.items:
        illustration = catalog.exercises[item.exercise].illustration
        if illustration is not None and illustration.panels == 2:
            return picture(illustration, accent, width_mm=KEY_PICTURE_MM, lang=lang)
    return None


def advice_pictures(program: Program, catalog: Catalog, accent: str,
                    greyscale: bool = False) -> dict[str, tuple[AdvicePictureView, ...]]:
    """The pictures of each advice block that prints, by section name (and "avoid").

    A block's pictures print with its lines (none when every line is left out). An "avoid"
    picture prints only while a movement it shows is among the ticked precautions or the
    surgical approach's rules; the approach's own "avoid" pictures join the avoid block.
    """
    diagnosis = catalog.diagnoses[program.diagnosis]
    rules = catalog.rules_for(diagnosis, program.approach)
    avoided = {p.move for p in program.precautions if p.included} | {r.move for r in rules}
    approach = catalog.surgery.approaches.get(program.approach) if catalog.surgery and diagnosis.surgery else None
    blocks = {
        section.name: (getattr(diagnosis, section.pictures), bool(_included(getattr(program, section.name))))
        for section in ADVICE_SECTION_TABLE if section.pictures
    }
    blocks["avoid"] = ((*diagnosis.avoid_pictures, *(approach.avoid_pictures if approach else ())), True)
    printed: dict[str, tuple[AdvicePictureView, ...]] = {}
    seen: set[str] = set()   # a picture prints once, in the first block that has it
    for field, (slugs, shown) in blocks.items():
        views = []
        for slug in slugs if shown else ():
            picture = catalog.advice_pictures.get(slug)
            if picture is None or picture.illustration is None or slug in seen:
                continue
            if picture.kind == "avoid" and not avoided & set(picture.moves):
                continue
            seen.add(slug)
            views.append(AdvicePictureView(advice_picture_uri(picture.illustration, accent, picture.kind, greyscale),
                                           picture.alt, picture.caption, picture.kind))
        printed[field] = tuple(views)
    return printed


def _surgery_box(program: Program, catalog: Catalog, lang: str = "en") -> SurgeryBox | None:
    """The surgeon's rules for a program after surgery (None for other programs)."""
    diagnosis = catalog.diagnoses[program.diagnosis]
    surgery = catalog.surgery
    if not diagnosis.surgery or surgery is None or not program.approach:
        return None
    side = program.affected_side if program.affected_side in ("left", "right") else ""
    approach = surgery.approaches[program.approach]
    weight = surgery.weight_bearing.get(program.weight_bearing, "")
    joint = region.label.lower() if (region := catalog.regions.get(diagnosis.region)) else "joint"
    w = words_for(lang)  # the side of the new joint ("Tu cadera nueva: Izquierda.")
    operated = {"left": w.pgettext("new joint", "Left"), "right": w.pgettext("new joint", "Right")}
    return SurgeryBox(
        operated_side=operated.get(side, ""),
        approach_line=approach.patient_text,
        weight_line=fill(weight, side_values(side, lang, operated=True)) if weight else "",
        rules=tuple(rule.patient_text for rule in approach.avoid),
        joint=joint,
        new_joint=words_for(lang).gettext(NEW_JOINT[diagnosis.region]) if diagnosis.region in NEW_JOINT
        else f"Your new {joint}",
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
