"""The printed handout, read back from the PDF: what the patient holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from prescribe.catalog.markup import fill
from prescribe.clinics import branding_for, ensure_default_clinic
from prescribe.db import get_session
from prescribe.handout import build_handout_view, render_handout_html, render_program
from prescribe.programs import default_program, dose_in_words, filled, side_line

from .conftest import builder_form, png_bytes
from .pdf_helpers import column_texts, metadata, page_texts, pages_containing, pages_with_words


def _render(app, catalog, slug, **changes):
    from dataclasses import replace
    from pathlib import Path

    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        program = replace(default_program(catalog.diagnoses[slug], catalog, today=date(2026, 11, 21)),
                          **changes)
        return program, render_program(program, catalog, branding_for(clinic))


def test_tailored_download_prints_every_exercise_dose_and_section(client, catalog, weasyprint_log):
    form = builder_form(client, "hip-impingement")
    form.update({"exercises-0-sets": "4", "exercises-0-reps": "12", "exercises-0-side": "left",
                 "exercises-0-times_per_day": "2", "exercises-0-days_per_week": "7",
                 "exercises-0-note": "Slow and steady.", "patient_name": "Ann Example",
                 "own_sitting_advice": "Use the blue cushion at work.", "action": "download"})
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    pages = page_texts(response.data)
    text = " ".join(pages)
    left_columns = [left for left, _ in column_texts(response.data)]
    first = catalog.exercises[catalog.diagnoses["hip-impingement"].program[0].exercise]
    assert pages_containing(left_columns, "Do 12 times. Rest 1 minute. Do this 4 times. Twice a day, every day.")
    assert pages_containing(left_columns, side_line(first, "left"))
    assert "Slow and steady." in text
    assert "Use the blue cushion at work." in text
    diagnosis = catalog.diagnoses["hip-impingement"]
    for entry in diagnosis.program:
        assert catalog.exercises[entry.exercise].name in text
    for line in (*diagnosis.activity_modifications, *diagnosis.red_flags, *diagnosis.sitting_advice):
        assert fill(line) in text, line
    assert weasyprint_log() == []


ALL_DIAGNOSES = sorted(p.stem for p in
                       (Path(__file__).resolve().parents[1] / "exercises_db" / "diagnoses").glob("*.toml"))


@pytest.mark.pages  # every diagnosis: run once (the pages tier), not on each database
@pytest.mark.parametrize("slug", ALL_DIAGNOSES)
def test_pages_are_numbered_and_no_exercise_card_splits(app, catalog, slug, weasyprint_log):
    program, rendered = _render(app, catalog, slug)
    pages = page_texts(rendered.pdf)
    total = len(pages)
    assert rendered.page_count == total
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    for position, item in enumerate(program.items, start=1):
        exercise = catalog.exercises[item.exercise]
        # The card's heading and purpose (the program at a glance on page 1 names it too).
        heading_pages = pages_containing(pages, f"{position} {exercise.name} {exercise.purpose}")
        assert len(heading_pages) == 1, exercise.name
        page = heading_pages[0]
        for text in (*dose_in_words(item.dose, item.side, limb=exercise.limb), f"Stop if {exercise.stop_if}.",
                     filled(exercise.steps, item.dose)[0]):
            assert page in pages_with_words(pages, text), (exercise.name, text)
    assert weasyprint_log() == []


def test_pdf_metadata_has_the_title_and_clinic_but_never_the_patient(app, catalog):
    _, rendered = _render(app, catalog, "hip-impingement", patient_name="Zqxcanary Patient")
    info = metadata(rendered.pdf)
    assert info.title == "Home exercise program: Hip impingement"
    assert info.author == "Riverside Physical Therapy"
    assert b"Zqxcanary" not in rendered.pdf  # subset fonts and compression: name never in plain bytes
    assert "Zqxcanary Patient" in page_texts(rendered.pdf)[0]


def test_log_page_is_optional_and_lists_every_exercise(app, catalog):
    program, with_log = _render(app, catalog, "hip-pain")
    _, without_log = _render(app, catalog, "hip-pain", include_log=False)
    pages = page_texts(with_log.pdf)
    log = " ".join(pages[pages_containing(pages, "My exercise log")[0]:])
    for number, item in enumerate(program.items, start=1):
        assert f"{number}. {catalog.exercises[item.exercise].name}" in log
    assert "Pain (0 to 10)" in log
    assert "My exercise log" not in " ".join(page_texts(without_log.pdf))
    assert without_log.page_count <= with_log.page_count


def test_paper_size_letter_and_a4(app, catalog):
    from io import BytesIO

    from pypdf import PdfReader

    _, letter = _render(app, catalog, "hip-pain", paper="letter")
    _, a4 = _render(app, catalog, "hip-pain", paper="a4")
    letter_box = PdfReader(BytesIO(letter.pdf)).pages[0].mediabox
    a4_box = PdfReader(BytesIO(a4.pdf)).pages[0].mediabox
    assert (round(float(letter_box.width)), round(float(letter_box.height))) == (612, 792)
    assert (round(float(a4_box.width)), round(float(a4_box.height))) == (595, 842)


def _struct_elements(node, found):
    from pypdf.generic import ArrayObject, DictionaryObject

    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, ArrayObject):
        for child in node:
            _struct_elements(child, found)
    elif isinstance(node, DictionaryObject):
        if "/S" in node:
            found.append(node)
        if "/K" in node:
            _struct_elements(node["/K"], found)


def test_handout_is_a_tagged_pdf_with_language_and_alt_text_on_every_figure(app, catalog):
    from io import BytesIO

    from pypdf import PdfReader

    _, rendered = _render(app, catalog, "hip-impingement")
    root = PdfReader(BytesIO(rendered.pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert root["/Lang"] == "en"
    elements: list = []
    _struct_elements(root["/StructTreeRoot"], elements)
    kinds = {str(e["/S"]) for e in elements}
    assert {"/H1", "/H2", "/L", "/LI", "/LBody"} <= kinds
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert all(str(f.get("/Alt", "")).strip() for f in figures)


def test_every_handout_carries_the_disclaimer(app, catalog):
    _, rendered = _render(app, catalog, "hip-pain")
    disclaimer = catalog.handout_text.disclaimer
    assert all(disclaimer in page for page in page_texts(rendered.pdf))


def test_user_text_is_escaped_in_the_html(app, catalog):
    from dataclasses import replace
    from pathlib import Path

    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        program = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21))
        program = replace(program, patient_name="<script>alert(1)</script>")
        html = render_handout_html(build_handout_view(program, catalog, branding_for(clinic)))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_twenty_exercise_program_prints_its_whole_log(app, catalog, weasyprint_log):
    slugs = sorted(catalog.exercises)[:20]
    from prescribe.programs import new_item

    items = tuple(new_item(catalog.exercises[s]) for s in slugs)
    program, rendered = _render(app, catalog, "hip-pain", items=items)
    pages = page_texts(rendered.pdf)
    log_pages = [p for p in pages if "My exercise log" in p or "Pain (0 to 10)" in p]
    first_log_page = pages_containing(pages, "My exercise log")[0]
    log_text = " ".join(pages[first_log_page:])
    for slug in slugs:
        assert catalog.exercises[slug].name.split()[0] in log_text
    assert "Pain (0 to 10)" in pages[-1]
    assert len(log_pages) >= 1
    assert weasyprint_log() == []


@pytest.mark.parametrize("clinic_name, address, patient_name", [
    ("Riverside Physical Therapy", "12 Mill Lane, Springfield", "Maria Fernandez-Gonzalez"),
    ("Northside Sports, Spine and Orthopaedic Physical Therapy and Rehabilitation Associates of "
     "Greater Springfield County", "Suite 400, Riverside Medical Arts Building, 1200 North Mill Lane "
     "Extension, Springfield Township", "Maximilian Bartholomew Featherstonehaugh-Smythe Montgomery III"),
])
def test_the_header_stays_on_the_page_with_a_logo_and_long_names(app, catalog, clinic_name, address,
                                                                  patient_name):
    import io
    from dataclasses import replace

    import pdfplumber

    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        branding = replace(branding_for(clinic), name=clinic_name, address=address,
                           logo_png=png_bytes(size=(400, 160)))
        program = replace(default_program(catalog.diagnoses["hip-impingement"], catalog,
                                          today=date(2026, 11, 21)), patient_name=patient_name)
        pdf = render_program(program, catalog, branding).pdf
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) > 1
        for page in document.pages:
            # The letterhead with the logo heads page 1 only; every page names the clinic and the patient.
            logos = [image for image in page.images if image["top"] < 90]
            if page.page_number == 1:
                assert len(logos) == 1 and logos[0]["top"] >= 0, "logo cut off on page 1"
            else:
                assert logos == [], f"a logo in the header of page {page.page_number}"
            assert min(char["top"] for char in page.chars) >= 0, f"text cut off on page {page.page_number}"
            top_margin = page.crop((0, 0, page.width, 80))  # the 28 mm top margin
            header = top_margin.extract_text()
            assert clinic_name.split()[0] in header and "For:" in header and patient_name.split()[0] in header
            header_lines = {round(char["top"]) for char in top_margin.chars}
            if page.page_number > 1:  # one line: clinic and patient side by side, cut, never wrapped
                assert max(header_lines) - min(header_lines) <= 2, f"header of page {page.page_number} wraps"


def test_the_handout_embeds_only_its_own_typeface(app, catalog):
    """Text and figures (their panel numbers too) use the bundled font: no fallback font in the PDF."""
    import io

    from pypdf import PdfReader

    _, rendered = _render(app, catalog, "hip-impingement")
    fonts = set()
    for page in PdfReader(io.BytesIO(rendered.pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert fonts and all(name.startswith("Atkinson") for name in fonts), fonts
