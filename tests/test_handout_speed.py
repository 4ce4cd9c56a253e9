"""What makes handouts faster must not change one byte of them (prescribe/handout/weasy_internals.py).

Each test renders the same program with the figure drawing cache (what the app uses) and without it
(WeasyPrint's plain image cache, as before the cache existed) and compares the PDFs byte for byte. The
whole matrix (every default handout x paper x print option) runs in the pages tier, against the
handouts tests/test_handout_pages.py renders anyway: one more render per case.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pytest

from prescribe.catalog import load_default_catalog
from prescribe.handout import pdf, render_program
from prescribe.handout import weasy_internals as internals
from prescribe.handout.view import Branding
from prescribe.programs import default_program, for_patient

from . import test_handout_pages as pages

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
BRANDING = Branding(name="Riverside Physical Therapy", address="12 Mill Lane, Springfield", phone="555-0142",
                    footer_line="Questions? Call 555-0142, Monday to Friday.")


@lru_cache(maxsize=1)
def _catalog():
    return load_default_catalog()


def _program(slug: str, *, name: str = "Ann Example", **changes):
    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 11, 21))
    program = for_patient(replace(program, **changes), catalog, name=name, reference="", affected_side="")
    return program


def _render(program, image_cache: dict, branding: Branding = BRANDING) -> bytes:
    """The PDF of ``program`` with ``image_cache`` as the process's image cache."""
    saved = pdf._image_cache
    pdf._image_cache = image_cache
    try:
        return render_program(program, _catalog(), branding).pdf
    finally:
        pdf._image_cache = saved


def test_the_installed_weasyprint_is_the_version_the_internals_are_written_for():
    pinned = re.search(r"^weasyprint==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned is not None, "requirements.txt pins weasyprint"
    assert internals.WEASYPRINT_VERSION == pinned.group(1), \
        "requirements.txt moved WeasyPrint: check prescribe/handout/weasy_internals.py against it"
    assert metadata.version("weasyprint") == internals.WEASYPRINT_VERSION


def test_the_app_renders_with_the_figure_cache():
    assert isinstance(pdf._image_cache, internals.FigureCache)


def test_figures_drawn_from_the_cache_give_the_same_bytes_for_a_patient_a_dose_change_and_a_new_name():
    """A first handout fills the cache; a changed dose, another patient and A4 paper then reuse it."""
    figures = internals.FigureCache()
    replays = []
    original_replay = internals._replay

    def counting_replay(stream, drawing):
        replays.append(drawing)
        original_replay(stream, drawing)

    first = _program("hip-impingement")
    item = first.items[0]
    dose_change = replace(first, items=(replace(item, dose=replace(item.dose, sets=item.dose.sets + 1)),
                                        *first.items[1:]))
    other_patient = _program("hip-impingement", name="Bartholomew Longname-Featherstonehaugh")
    a4 = _program("hip-impingement", paper="a4")
    internals._replay = counting_replay
    try:
        for program in (first, dose_change, other_patient, a4):
            assert _render(program, figures) == _render(program, {})
    finally:
        internals._replay = original_replay
    assert replays, "the handouts after the first drew their figures from the cache"


def test_a_figure_the_cache_cannot_replay_is_drawn_every_time():
    """Opacity, clip paths, gradients and text name resources of their page: never kept."""
    from xml.etree import ElementTree

    from weasyprint.images import SVGImage

    bodies = {"plain": '<path d="M0 0L10 10" stroke="#000"/>', "faded": '<g opacity="0.5"><path d="M0 0L9 9"/></g>',
              "text": '<text x="1" y="5">Hi</text>'}
    cache = internals.FigureCache()
    for url, body in bodies.items():
        source = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{body}</svg>'
        cache[url] = SVGImage(ElementTree.fromstring(source), url, None, None)
    assert "draw" in vars(cache["plain"]._svg)
    assert "draw" not in vars(cache["faded"]._svg)
    assert "draw" not in vars(cache["text"]._svg)


def test_the_drawings_kept_stay_under_the_size_limit_and_the_rest_are_drawn_as_before():
    figures = internals.FigureCache(limit_mb=0.05)  # room for two or three figures' drawings
    program = _program("hip-impingement")
    uncached = _render(program, {})
    assert _render(program, figures) == uncached
    assert 0 < figures.drawing_bytes <= figures.limit_bytes
    assert _render(program, figures) == uncached
    assert figures.drawing_bytes <= figures.limit_bytes


def test_the_image_cache_is_emptied_past_its_limit_and_its_drawings_with_it():
    """The figures and their drawings live as long as their entry in the process's image cache."""
    cache = internals.FigureCache()
    _render(_program("hip-pain"), cache)
    one_handout = cache.drawing_bytes
    assert one_handout > 0
    for number in range(pdf.IMAGE_CACHE_LIMIT):
        cache[f"data:{number}"] = None
    _render(_program("hip-pain"), cache)  # the render past the limit starts from an empty cache
    assert len(cache) < pdf.IMAGE_CACHE_LIMIT
    assert cache.drawing_bytes == one_handout  # counted afresh, not on top of what was dropped


@pytest.mark.pages
@pytest.mark.parametrize(("slug", "paper", "option"), pages.CASES)
def test_every_default_handout_in_every_paper_and_option_is_the_same_without_the_figure_cache(slug, paper, option):
    """The pages tier's handout (rendered once per session, with the app's caches) against one render
    without the figure cache."""
    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6))  # as pages.handout
    program = replace(program, paper=paper, patient_name="Ann Example", **pages.OPTIONS[option])
    assert pages.handout(slug, paper, option) == _render(program, {}, pages.BRANDING)
