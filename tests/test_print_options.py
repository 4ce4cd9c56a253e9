"""Print options: layout (standard, compact, large print) and greyscale, per handout with a clinic default."""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import select

from prescribe.clinics import branding_for, ensure_default_clinic
from prescribe.db import get_session
from prescribe.handout import build_handout_view, render_handout_html, render_program
from prescribe.handout.view import GREYSCALE_ACCENT, Branding
from prescribe.models import Clinic, HandoutVersion
from prescribe.programs import Program, default_program

from .conftest import builder_form, form_fields, png_bytes

TODAY = date(2026, 12, 7)
ACCENT = "#1d6fb8"


def _program(catalog, slug="hip-impingement", **changes) -> Program:
    return replace(default_program(catalog.diagnoses[slug], catalog, today=TODAY), **changes)


def _branding(**changes) -> Branding:
    return Branding(name="Riverside Physical Therapy", phone="555-0142", accent_colour=ACCENT, **changes)


def _field_block(html: str, field_id: str) -> str:
    """The markup around one field: its label, input, hint and messages."""
    start = html.index(f'id="{field_id}"')
    return html[html.rfind("<div", 0, start):html.find("</div>", start)]


# --- The program and the view model -----------------------------------------------------------

def test_a_program_stored_before_the_options_reads_back_as_standard_colour_and_unchanged(catalog):
    program = _program(catalog)
    stored = program.as_dict()
    assert "layout" not in stored and "greyscale" not in stored  # versions of today keep their JSON exactly
    old = Program.from_dict(stored)
    assert (old.layout, old.greyscale) == ("standard", False)
    chosen = replace(program, layout="large", greyscale=True)
    assert Program.from_dict(json.loads(json.dumps(chosen.as_dict()))) == chosen


@pytest.mark.parametrize("layout, greyscale, body_class", [
    ("standard", False, "layout-standard"),
    ("compact", True, "layout-compact greyscale"),
    ("large", False, "layout-large"),
    ("sideways", False, "layout-standard"),  # a stored value the app no longer knows prints as standard
])
def test_the_view_model_and_body_carry_the_options(catalog, layout, greyscale, body_class):
    view = build_handout_view(_program(catalog, layout=layout, greyscale=greyscale), catalog, _branding())
    assert view.body_class == body_class
    assert (view.layout, view.greyscale) == (body_class.split()[0].removeprefix("layout-"), greyscale)
    assert f'<body class="{body_class}">' in render_handout_html(view)


def test_greyscale_replaces_the_accent_everywhere_figures_and_logo_included(catalog):
    view = build_handout_view(_program(catalog, greyscale=True), catalog, _branding(logo_png=png_bytes()))
    html = render_handout_html(view)
    assert view.branding.accent_colour == GREYSCALE_ACCENT
    assert ACCENT not in html.lower()
    figures = [base64.b64decode(card.picture.uri.split(",", 1)[1]).decode() for card in view.cards
               if card.picture]
    assert figures and all(ACCENT not in svg and GREYSCALE_ACCENT in svg for svg in figures)
    from PIL import Image

    assert Image.open(io.BytesIO(view.branding.logo_png)).mode == "LA"
    in_colour = build_handout_view(_program(catalog), catalog, _branding())
    assert ACCENT in render_handout_html(in_colour)


# --- The builder and the clinic's defaults ----------------------------------------------------

def test_the_builder_offers_the_options_labelled_with_help_and_the_clinic_defaults(client):
    html = client.get("/build/hip-pain").get_data(as_text=True)
    layout = _field_block(html, "layout")
    assert '<label for="layout">Layout</label>' in layout and "Compact fits 2 or 3 exercises" in layout
    assert re.search(r'<option selected value="standard">|<option value="standard" selected', layout)
    assert '<label for="greyscale">' in html and "black-and-white printers" in html
    assert form_fields(html).get("greyscale") is None  # unticked


def test_the_clinic_default_flows_into_a_new_program_and_the_change_is_audited(app, admin_client):
    form = form_fields(admin_client.get("/clinic/settings").get_data(as_text=True))
    form.update(default_layout="large", default_greyscale="y")
    response = admin_client.post("/clinic/settings", data=form, follow_redirects=True)
    assert "Clinic settings saved" in response.get_data(as_text=True)
    with app.app_context():
        clinic = get_session().scalar(select(Clinic))
        assert (clinic.default_layout, clinic.default_greyscale) == ("large", True)
        from prescribe.models import AuditEvent

        assert get_session().scalars(select(AuditEvent.detail)).all()[-1] == "changed: layout, greyscale"
    builder = builder_form(admin_client, "hip-pain")
    assert builder["layout"] == "large" and builder["greyscale"] == "y"
    download = admin_client.post("/build/", data={**builder, "action": "download"})
    assert download.status_code == 200
    with app.app_context():
        stored = json.loads(get_session().scalar(select(HandoutVersion.program_json)))
    assert (stored["layout"], stored["greyscale"]) == ("large", True)


@pytest.mark.parametrize("action, status", [("update", 200), ("download", 422), ("preview", 422)])
@pytest.mark.parametrize("field, value, message", [
    ("layout", "huge", "Choose one of the layouts in the list"),
    ("layout", "", "Choose one of the layouts in the list"),
    ("greyscale", "maybe", "Tick the box or leave it empty."),
])
def test_a_bad_option_is_named_next_to_its_field_and_what_was_typed_stays(client, action, status, field, value,
                                                                          message):
    form = {**builder_form(client, "hip-pain"), field: value, "patient_name": "Ann Example",
            "exercises-0-sets": "4", "action": action}
    response = client.post("/build/", data=form)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html.split(f'id="{field}"', 1)[1][:800]  # right after the field, not only at the top
    shown = form_fields(html)
    assert shown["patient_name"] == "Ann Example" and shown["exercises-0-sets"] == "4"


@pytest.mark.parametrize("field, value, message", [
    ("default_layout", "tiny", "Choose one of the layouts in the list"),
    ("default_greyscale", "perhaps", "Tick the box or leave it empty."),
])
def test_a_bad_clinic_default_is_refused_next_to_its_field(admin_client, field, value, message):
    form = {**form_fields(admin_client.get("/clinic/settings").get_data(as_text=True)), field: value,
            "phone": "555 0100"}
    response = admin_client.post("/clinic/settings", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.split(f'id="{field}"', 1)[1][:800]
    assert form_fields(html)["phone"] == "555 0100"


def test_a_version_reprints_with_its_options_byte_for_byte_and_progresses_with_them(client):
    form = {**builder_form(client, "hip-impingement"), "layout": "compact", "greyscale": "y",
            "patient_name": "Ann Example", "action": "download"}
    printed = client.post("/build/", data=form)
    assert printed.status_code == 200
    assert client.get("/handouts/1/versions/1.pdf").data == printed.data
    again = client.post("/build/", data=form)
    assert again.data == printed.data and client.get("/handouts/2").status_code == 404
    edit = form_fields(client.get("/build/from/1").get_data(as_text=True))
    assert (edit["layout"], edit["greyscale"]) == ("compact", "y")
    standard = client.post("/build/", data={**form, "layout": "standard", "greyscale": ""})
    assert standard.data != printed.data


# --- The printed pages ------------------------------------------------------------------------

def _render(app, catalog, slug, **changes):
    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        return render_program(_program(catalog, slug, **changes), catalog, branding_for(clinic), max_pages=40)


@pytest.mark.parametrize("slug", ["hip-impingement", "hip-osteoarthritis"])
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_compact_never_takes_more_pages_and_large_print_more(app, catalog, slug, paper, weasyprint_log):
    pages = {layout: _render(app, catalog, slug, layout=layout, paper=paper).page_count
             for layout in ("standard", "compact", "large")}
    assert pages["compact"] < pages["standard"] < pages["large"], pages
    assert weasyprint_log() == []


def _chars_in_text_area(pdf: bytes, top_mm: float, bottom_mm: float):
    """Every character between the page margins (header and footer left out), per page."""
    mm = 72 / 25.4
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [[c for c in page.chars if top_mm * mm <= c["top"] and c["bottom"] <= page.height - bottom_mm * mm]
                for page in document.pages]


def test_large_print_body_text_is_16_pt_or_more(app, catalog):
    rendered = _render(app, catalog, "hip-impingement", layout="large")
    pages = _chars_in_text_area(rendered.pdf, 34, 24)
    text_pages = pages[:-1]  # the last page is the log, a drawing of a fixed size: its labels stay 11 pt for now
    sizes = [c["size"] for page in text_pages for c in page]
    assert len(sizes) > 5000 and min(sizes) >= 15.9, min(sizes)


def test_compact_text_is_never_under_12_pt(app, catalog):
    rendered = _render(app, catalog, "hip-impingement", layout="compact")
    pages = _chars_in_text_area(rendered.pdf, 22, 16)
    sizes = [c["size"] for page in pages[:-1] for c in page]
    assert min(sizes) >= 11.9, min(sizes)


def _is_grey(colour) -> bool:
    values = tuple(colour) if isinstance(colour, (list, tuple)) else (colour,)
    return len(values) == 1 or max(values) - min(values) < 0.002


def test_a_greyscale_pdf_draws_in_greys_only(app, catalog, weasyprint_log):
    rendered = _render(app, catalog, "hip-impingement", greyscale=True)
    colours = set()
    with pdfplumber.open(io.BytesIO(rendered.pdf)) as document:
        for page in document.pages:
            for item in (*page.chars, *page.rects, *page.lines, *page.curves):
                colours |= {tuple(c) if isinstance(c, (list, tuple)) else c
                            for c in (item.get("stroking_color"), item.get("non_stroking_color")) if c is not None}
    assert colours and [c for c in colours if not _is_grey(c)] == []
    assert weasyprint_log() == []
    in_colour = _render(app, catalog, "hip-impingement")
    with pdfplumber.open(io.BytesIO(in_colour.pdf)) as document:
        assert any(not _is_grey(r["non_stroking_color"]) for page in document.pages for r in page.rects
                   if r.get("non_stroking_color") is not None)
