"""Every default handout, Letter and A4, in every print option, as a patient and a screen reader get it.

Pages without waste (no page but the last under 60 % filled), no text under 12 pt, and a structure
tree that PDF/UA-1 accepts: every piece of marked content reached from the tree or an artifact,
figure boxes in points inside the page, table header cells with a scope, list labels, no paragraph
in a paragraph, and each card read as name, picture, steps, dose. Checked from the PDF itself.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pdfua import Severity, validate

from prescribe.catalog import load_default_catalog
from prescribe.handout import render_program
from prescribe.handout.view import Branding
from prescribe.programs import default_program

pytestmark = pytest.mark.pages

ALL_DIAGNOSES = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "exercises_db" / "diagnoses")
                       .glob("*.toml"))
# ``make test`` shares these out by diagnosis over several processes (PRESCRIBE_PART, tests/conftest.py).
DIAGNOSES = ALL_DIAGNOSES
OPTIONS = {"standard": {}, "compact": {"layout": "compact"}, "large": {"layout": "large"},
           "greyscale": {"greyscale": True}}
PAPERS = ("letter", "a4")
CASES = [(slug, paper, option) for slug in DIAGNOSES for paper in PAPERS for option in OPTIONS]
BRANDING = Branding(name="Riverside Physical Therapy", address="12 Mill Lane, Springfield", phone="555-0142",
                    footer_line="Questions? Call 555-0142, Monday to Friday.")
MM = 72 / 25.4
TOP_MARGIN_MM = {"first": 31, "standard": 28, "compact": 22, "large": 34}
BOTTOM_MARGIN_MM = {"standard": 19, "compact": 16, "large": 24}


@lru_cache(maxsize=1)
def _catalog():
    return load_default_catalog()


_warnings: dict[tuple[str, str, str], list[str]] = {}


@cache
def handout(slug: str, paper: str, option: str) -> bytes:
    """The default program of ``slug`` for a named patient, rendered once per test session."""
    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6))
    program = replace(program, paper=paper, patient_name="Ann Example", **OPTIONS[option])
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        pdf = render_program(program, catalog, BRANDING).pdf
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    _warnings[(slug, paper, option)] = records
    return pdf


def page_fill(pdf: bytes, option: str) -> list[float]:
    """Per page, how far down the body area (between the page margins) something is printed."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [_fill(number, page, option) for number, page in enumerate(document.pages)]


def _fill(number: int, page, option: str) -> float:
    layout = "standard" if option == "greyscale" else option
    top_mm = TOP_MARGIN_MM["first" if number == 0 else layout]
    top, bottom = top_mm * MM, float(page.height) - BOTTOM_MARGIN_MM[layout] * MM
    ends = [item["bottom"] for kind in ("chars", "rects", "images", "curves", "lines")
            for item in getattr(page, kind) if item["top"] >= top - 1 and item["bottom"] <= bottom + 1]
    return (max(ends) - top) / (bottom - top) if ends else 0.0


@dataclass(frozen=True)
class ReadBack:
    """What the tests below read off one handout's pages, read once (pdfplumber's parse of every page
    is most of what these tests cost)."""

    fills: list[float]  # per page, see page_fill
    sizes: list[float]  # the size of every printed character
    body: list[tuple[float, str]]  # (size, character) of those between the large-print margins
    texts: list[str]  # per page, its text


@cache
def read_back(slug: str, paper: str, option: str) -> ReadBack:
    fills, sizes, body, texts = [], [], [], []
    with pdfplumber.open(io.BytesIO(handout(slug, paper, option))) as document:
        for number, page in enumerate(document.pages):
            fills.append(_fill(number, page, option))
            top = TOP_MARGIN_MM["first" if number == 0 else "large"] * MM
            bottom = float(page.height) - BOTTOM_MARGIN_MM["large"] * MM
            for char in page.chars:
                if char["text"].strip():
                    sizes.append(round(char["size"], 1))
                    if top < char["top"] and char["bottom"] < bottom:
                        body.append((round(char["size"], 1), char["text"]))
            texts.append(page.extract_text() or "")
    return ReadBack(fills, sizes, body, texts)


@pytest.mark.parametrize(("slug", "paper", "option"), CASES)
def test_no_page_but_the_last_is_under_60_percent_filled(slug, paper, option):
    fills = read_back(slug, paper, option).fills
    assert min(fills[:-1]) >= 0.6, [round(f * 100) for f in fills]
    assert _warnings[(slug, paper, option)] == []


@pytest.mark.parametrize(("slug", "paper", "option"), CASES)
def test_no_text_under_12_pt_and_large_print_at_16(slug, paper, option):
    """Header, footer and log included; in large print everything between the margins is 16 pt
    or more (the running header and footer are 14 pt)."""
    printed = read_back(slug, paper, option)
    assert min(printed.sizes) >= 12.0
    if option == "large":
        assert min(printed.body)[0] >= 16.0, sorted(printed.body)[:20]


@pytest.mark.parametrize(("slug", "paper", "option"), CASES)
def test_page_one_explains_the_pictures_and_the_log_fits_one_page(slug, paper, option):
    texts = read_back(slug, paper, option).texts
    assert "How to read the pictures" in texts[0]
    log_pages = [i for i, text in enumerate(texts) if "Pain (0 to 10)" in text or "My exercise log" in text]
    # Title, every row and the pain row on one page; in large print a log of 7 or more exercises
    # goes on over a second page, under its header rows repeated.
    rows = len(default_program(_catalog().diagnoses[slug], _catalog(), today=date(2026, 12, 6)).items)
    pages_allowed = 2 if option == "large" and rows >= 7 else 1
    assert 1 <= len(log_pages) <= pages_allowed, log_pages
    assert log_pages == list(range(log_pages[0], log_pages[0] + len(log_pages)))  # one after the other


def test_a_six_exercise_handout_stays_under_100_kb():
    catalog = _catalog()
    program = default_program(catalog.diagnoses["hip-impingement"], catalog, today=date(2026, 12, 6))
    program = replace(program, items=program.items[:6])
    assert len(render_program(program, catalog, BRANDING).pdf) <= 100_000


# -- The structure tree ---------------------------------------------------------------------------

def _kids(node) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(node) -> bool:
    return isinstance(node, pikepdf.Dictionary) and node.get("/Type") not in ("/MCR", "/OBJR")


def _walk(node, parents=()):
    yield node, parents
    for kid in _kids(node):
        if _is_element(kid):
            yield from _walk(kid, (*parents, node))


def _reached(pdf: pikepdf.Pdf, root) -> set[tuple[int, int]]:
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    reached = set()
    for element, _ in _walk(root):
        page = index.get(element.Pg.objgen) if "/Pg" in element else None
        for kid in _kids(element):
            if isinstance(kid, int):
                reached.add((page, kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                reached.add((index[kid.Pg.objgen], int(kid.MCID)))
    return reached


def _marked_content(pdf: pikepdf.Pdf):
    """Per page: the MCIDs of its content stream and whether each sits inside an artifact."""
    for number, page in enumerate(pdf.pages):
        stack: list[str] = []
        ids = []
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BMC", "BDC"):
                tag = str(operands[0])
                inside_artifact = "/Artifact" in stack or tag == "/Artifact"
                if name == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                    ids.append((int(operands[1].MCID), inside_artifact))
                stack.append(tag)
            elif name == "EMC":
                stack.pop()
        yield number, ids


STRUCTURE_CASES = [(slug, "letter", "standard") for slug in DIAGNOSES] + \
    [("hip-impingement", paper, option) for paper in PAPERS for option in OPTIONS if "hip-impingement" in DIAGNOSES]


@pytest.mark.parametrize(("slug", "paper", "option"), STRUCTURE_CASES)
def test_every_marked_content_is_in_the_tree_or_an_artifact(slug, paper, option):
    with pikepdf.open(io.BytesIO(handout(slug, paper, option))) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert str(pdf.open_metadata().get("dc:title")).startswith("Home exercise program")
        root = pdf.Root.StructTreeRoot.K[0]
        reached = _reached(pdf, root)
        for number, ids in _marked_content(pdf):
            assert ids, f"page {number + 1} has no marked content"
            for mcid, artifact in ids:
                assert artifact != ((number, mcid) in reached), (number + 1, mcid, artifact)


@pytest.mark.parametrize(("slug", "paper", "option"), STRUCTURE_CASES)
def test_the_structure_tree_reads_as_the_handout(slug, paper, option):
    with pikepdf.open(io.BytesIO(handout(slug, paper, option))) as pdf:
        root = pdf.Root.StructTreeRoot.K[0]
        elements = list(_walk(root))
        tags = [str(element.S) for element, _ in elements]
        # One section per part of the handout, not one per page; one letterhead, linked first.
        assert tags.count("/Part") == 1
        assert len(pdf.pages) > tags.count("/Sect") >= 3
        assert str(_kids(root)[0].S) == "/Div"
        for element, parents in elements:
            tag = str(element.S)
            if tag == "/P":
                assert "/P" not in [str(p.S) for p in parents], "a paragraph inside a paragraph"
            if tag.startswith("/H") and tag[2:].isdigit():
                assert _kids(element), "an empty heading"
            if tag == "/Figure":
                assert str(element.Alt)
                x1, y1, x2, y2 = (float(v) for v in element.A.BBox)
                width, height = (float(v) for v in element.Pg.MediaBox[2:])
                assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height, (x1, y1, x2, y2)
            if tag == "/TH":
                assert str(element.A.Scope) in ("/Row", "/Column")
            if tag == "/TD" and "/Headers" in element.A:
                ids = pdf.Root.StructTreeRoot.IDTree.Names
                known = {str(ids[i]) for i in range(0, len(ids), 2)}
                assert {str(h) for h in element.A.Headers} <= known
            if tag == "/LI":
                assert [str(k.S) for k in _kids(element)][:2] == ["/Lbl", "/LBody"]
            if tag == "/Art":
                order = [str(e.S) for e, _ in _walk(element) if str(e.S) in ("/H3", "/Figure", "/L", "/H4")]
                assert order[0] == "/H3"
                assert order.index("/L") < order.index("/H4"), "the dose must come after the steps"
                if "/Figure" in order:
                    assert order.index("/Figure") < order.index("/L")


@pytest.mark.parametrize(("slug", "paper", "option"), STRUCTURE_CASES)
def test_pdfua_checker_finds_nothing(slug, paper, option, tmp_path):
    path = tmp_path / "handout.pdf"
    path.write_bytes(handout(slug, paper, option))
    report = validate(str(path))
    findings = [(f.rule_id, f.message) for f in report.findings if f.severity >= Severity.INFO]
    assert findings == []


# Every diagnosis in Spanish and bilingual (Letter, standard; one side, as a patient's handout is).
# Known and visible (strict: the day it passes, this mark must go): the meniscal tear's bilingual
# handout leaves the exercises' heading alone on a page, its first card (a wide picture, in both
# languages) not splitting between its languages as the others do.
KNOWN_LAYOUT_FAULTS = {("meniscal-tear", "en-es"): "the exercises' heading alone on page 6 (first card does not split)"}
# The PDF/UA checks, one diagnosis of each region (the tagging is the same code for all of them).
STRUCTURE_SAMPLE = {"hip-pain", "knee-replacement-early", "low-back-pain", "rotator-cuff-pain"}
LANGUAGE_CASES = [pytest.param(slug, language, marks=pytest.mark.xfail(
                      reason=KNOWN_LAYOUT_FAULTS[(slug, language)], strict=True))
                  if (slug, language) in KNOWN_LAYOUT_FAULTS else (slug, language)
                  for slug in DIAGNOSES for language in ("es", "en-es")]


@cache
def handout_in(slug: str, language: str) -> tuple[bytes, int]:
    """The default program of ``slug`` in ``language`` for a patient with a sore left side, and the
    page count of its English handout."""
    from prescribe.programs import for_patient

    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6), language=language)
    assert program.language == language, f"{slug} is not ready in {language}"
    program = for_patient(program, catalog, name="Ana Ejemplo", reference="", affected_side="left")
    with pikepdf.open(io.BytesIO(handout(slug, "letter", "standard"))) as english_pdf:  # rendered for its own tests
        english = len(english_pdf.pages)
    # render_program allows Spanish a quarter more pages than English, a bilingual handout twice as many.
    # The clinic's own footer line is printed as the clinic wrote it: here in Spanish.
    spanish_clinic = replace(BRANDING, footer_line="¿Preguntas? Llame al 555-0142, de lunes a viernes.")
    return render_program(program, catalog, spanish_clinic).pdf, english


def _text_and_fills(pdf: bytes) -> tuple[str, list[float]]:
    """The handout's text as one line (hyphenated words joined), and each page's fill, in one read."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = " ".join((page.extract_text() or "") for page in document.pages)
        fills = [_fill(number, page, "standard") for number, page in enumerate(document.pages)]
    return " ".join(text.replace("-\n", "").split()), fills


@pytest.mark.parametrize(("slug", "language"), LANGUAGE_CASES)
def test_every_diagnosis_prints_in_spanish_and_bilingual(slug, language, tmp_path):
    from .test_spanish_handout import DRAFT_ES, english_left

    pdf, english_pages = handout_in(slug, language)
    text, fills = _text_and_fills(pdf)
    catalog = _catalog()
    spanish_name = catalog.in_language("es").diagnoses[slug].patient_name
    assert spanish_name in text and DRAFT_ES in text
    if language == "es":
        assert english_left(text, catalog, slug) == []
        assert "{" not in text and "[" not in text
    else:
        assert catalog.diagnoses[slug].patient_name in text  # the English follows the Spanish
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.Root.Lang) == "es-US"
        pages = len(document.pages)
        if slug in STRUCTURE_SAMPLE:  # the tagged structure is the same code for every diagnosis
            reached = _reached(document, document.Root.StructTreeRoot.K[0])
            for number, ids in _marked_content(document):
                assert ids, f"page {number + 1} has no marked content"
                for mcid, artifact in ids:
                    assert artifact != ((number, mcid) in reached), (number + 1, mcid, artifact)
    # Spanish runs about a fifth longer than English (render_program allows it a quarter more pages, a
    # bilingual handout twice as many, and refuses more).
    if language == "es":
        assert pages <= english_pages * 1.4, (pages, english_pages)
    assert all(fill >= 0.6 for fill in fills[:-1]), [round(f, 2) for f in fills]
    if slug in STRUCTURE_SAMPLE:
        path = tmp_path / "handout.pdf"
        path.write_bytes(pdf)
        findings = [(f.rule_id, f.message) for f in validate(str(path)).findings if f.severity >= Severity.INFO]
        assert findings == []
