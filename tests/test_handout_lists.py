"""Bullets and step numbers are text, hung by their own width: the page reads as a proper list."""

from __future__ import annotations

import io
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from prescribe.clinics import branding_for, ensure_default_clinic
from prescribe.db import get_session
from prescribe.handout import render_program
from prescribe.handout.pdf import PRINT_CSS, STATIC_ROOT
from prescribe.programs import default_program

BODY_FONT = STATIC_ROOT / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
STEP_NUMBER = re.compile(r"^\d\.$")


@lru_cache(maxsize=1)
def _font():
    return TTFont(BODY_FONT)


def _advance_em(text: str) -> float:
    """How wide ``text`` is in the body font, in em (no kerning between these characters)."""
    font = _font()
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    return sum(metrics[cmap[ord(char)]][0] for char in text) / font["head"].unitsPerEm


def _hang_em(selector: str) -> float:
    css = PRINT_CSS.read_text(encoding="utf-8")
    match = re.search(re.escape(selector) + r"\s*\{\s*text-indent:\s*(?:calc\()?-(\d+\.\d+)em", css)
    assert match, f"print.css has no hanging indent for {selector}"
    return float(match.group(1))


def test_bullets_hang_by_the_width_of_a_bullet_and_a_space():
    assert _hang_em(".bullets li") == pytest.approx(_advance_em("\u2022 "), abs=0.001)


@pytest.mark.parametrize("number", range(1, 10))
def test_each_step_number_hangs_by_its_own_width(number):
    assert _hang_em(f".steps .step-{number}") == pytest.approx(_advance_em(f"{number}. "), abs=0.001)


def test_the_catalog_never_has_more_steps_than_print_css_can_hang(catalog):
    assert max(len(exercise.steps) for exercise in catalog.exercises.values()) <= 9


def _step_lines(pdf: bytes) -> list[list[dict]]:
    """The words of each text line of each column (a gap wider than 15 pt parts two columns), on
    every page before the log (whose rows are numbered too)."""
    lines = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            if "My exercise log" in (page.extract_text() or ""):
                break
            by_line: dict[int, list[dict]] = {}
            for word in page.extract_words():
                by_line.setdefault(round(word["top"]), []).append(word)
            for _, line in sorted(by_line.items()):
                segment: list[dict] = []
                for word in sorted(line, key=lambda w: w["x0"]):
                    if segment and word["x0"] - segment[-1]["x1"] > 15:
                        lines.append(segment)
                        segment = []
                    segment.append(word)
                lines.append(segment)
    return lines


def test_step_numbers_line_up_and_wrapped_step_text_starts_under_the_text(app, catalog):
    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        program = default_program(catalog.diagnoses["hip-impingement"], catalog, today=date(2026, 11, 21))
        pdf = render_program(program, catalog, branding_for(clinic)).pdf
    lines = _step_lines(pdf)
    numbered = [line for line in lines if STEP_NUMBER.match(line[0]["text"]) and len(line) > 1]
    assert len(numbered) == sum(len(catalog.exercise(item.exercise).steps) for item in program.items)

    # Steps beside a picture, or under a wide picture across the card: one place each.
    number_ends = {round(line[0]["x1"]) for line in numbered}
    text_starts = {round(line[1]["x0"]) for line in numbered}
    assert len(number_ends) <= 2, f"step numbers end at different places: {sorted(number_ends)}"
    assert len(text_starts) == len(number_ends), f"step text starts at different places: {sorted(text_starts)}"
    for line in numbered:
        assert line[1]["x0"] - line[0]["x1"] >= 3, "a number must not touch its step's text"

    # A step too long for one line goes on under its own text, not under the number.
    continued = [line for line in lines if not STEP_NUMBER.match(line[0]["text"])
                 and any(abs(line[0]["x0"] - start) <= 1 for start in text_starts)]
    assert continued, "no step wrapped onto a second line in this program"
