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
from prescribe.handout.layouts import LayoutCache
from prescribe.handout.view import Branding, PhoneLink
from prescribe.programs import default_program, for_patient

from . import test_handout_pages as pages

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
BRANDING = Branding(name="Riverside Physical Therapy", address="12 Mill Lane, Springfield", phone="555-0142",
                    footer_line="Questions? Call 555-0142, Monday to Friday.")


@lru_cache(maxsize=1)
def _catalog():
    return load_default_catalog()


def _program(slug: str, *, name: str = "Ann Example", language: str = "en", **changes):
    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 11, 21), language=language)
    program = for_patient(replace(program, **changes), catalog, name=name, reference="", affected_side="")
    return program


def _render(program, image_cache: dict, branding: Branding = BRANDING, *, layouts: LayoutCache | None = None,
            phone: PhoneLink | None = None) -> bytes:
    """The PDF of ``program`` with ``image_cache`` as the process's image cache and ``layouts`` as
    its layout cache (none given: no layout kept, every handout laid out whole, as before the cache)."""
    saved = pdf._image_cache, pdf.layouts
    pdf._image_cache, pdf.layouts = image_cache, layouts if layouts is not None else LayoutCache(limit_mb=0)
    try:
        return render_program(program, _catalog(), branding, phone=phone).pdf
    finally:
        pdf._image_cache, pdf.layouts = saved


def _uncached(program, branding: Branding = BRANDING, phone: PhoneLink | None = None) -> bytes:
    """The PDF as it was before any cache: WeasyPrint's plain image cache, every handout laid out whole."""
    return _render(program, {}, branding, phone=phone)


def test_the_installed_weasyprint_is_the_version_the_internals_are_written_for():
    pinned = re.search(r"^weasyprint==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned is not None, "requirements.txt pins weasyprint"
    assert internals.WEASYPRINT_VERSION == pinned.group(1), \
        "requirements.txt moved WeasyPrint: check prescribe/handout/weasy_internals.py against it"
    assert metadata.version("weasyprint") == internals.WEASYPRINT_VERSION


def test_the_app_renders_with_the_figure_cache():
    assert isinstance(pdf._image_cache, internals.FigureCache)


def _kept_layouts(limit_mb: float = 200) -> LayoutCache:
    """A layout cache that keeps from the first render on (the process's first render keeps nothing:
    prescribe/handout/pdf.py freezes what is alive after it)."""
    pdf.html_to_pdf('<html lang="en"><body><p>Ready</p></body></html>', identifier="warm-up")
    return LayoutCache(limit_mb=limit_mb)


def test_the_next_patient_on_a_kept_layout_gets_the_bytes_a_whole_layout_gives():
    """One patient's handout keeps the layout; the next ones (another name, a long one, a reference,
    a printed version with its QR code, large print) lay out only their personal part."""
    layouts = _kept_layouts()
    figures = internals.FigureCache()
    first = _program("hip-impingement")
    _render(first, figures, layouts=layouts)
    printed = PhoneLink(qr_address="HTTPS://CLINIC.EXAMPLE/P/K7QM2XRT4PABCDEFGH", entry_address="clinic.example/p",
                        code="K7QM2-XRT4P")
    cases = [(replace(first, patient_name="Bartholomew Longname-Featherstonehaugh"), None),
             (replace(first, patient_name="Li", patient_reference="MRN 0042"), None),
             (first, printed)]
    for program, phone in cases:
        assert _render(program, figures, layouts=layouts, phone=phone) == _uncached(program, phone=phone)
    large = _program("patellofemoral-pain", layout="large")
    _render(large, figures, layouts=layouts)
    other = replace(large, patient_name="Zoë Ångström-Núñez")
    assert _render(other, figures, layouts=layouts) == _uncached(other)
    stats = layouts.stats()
    # The first of each program laid out its shared part and kept it (plus a reference and a printed
    # version are shapes of their own); every other handout was spliced into a kept layout.
    assert stats.spliced == 6 and stats.refused == 0
    assert stats.hits >= 2 and stats.entries == stats.misses


def test_a_personal_part_that_takes_more_room_is_laid_out_whole_with_the_same_bytes():
    """A name too long for one line moves what follows it: no splice, the whole handout is laid out."""
    layouts = _kept_layouts()
    first = _program("hip-pain")
    _render(first, {}, layouts=layouts)
    long_name = replace(first, patient_name=" ".join(["Maximiliana-Josephina Featherstonehaugh-Cholmondeley"] * 4))
    assert _render(long_name, {}, layouts=layouts) == _uncached(long_name)
    assert layouts.stats().refused == 1


def test_a_changed_dose_is_laid_out_afresh_and_kept_apart():
    layouts = _kept_layouts()
    first = _program("hip-impingement")
    item = first.items[0]
    dose_change = replace(first, items=(replace(item, dose=replace(item.dose, sets=item.dose.sets + 1)),
                                        *first.items[1:]))
    _render(first, {}, layouts=layouts)
    assert _render(dose_change, {}, layouts=layouts) == _uncached(dose_change)
    assert layouts.stats().entries == 2 and layouts.stats().hits == 0


def test_a_spanish_handout_reuses_its_layout_and_a_bilingual_one_is_laid_out_whole():
    layouts = _kept_layouts()
    spanish = _program("hip-pain", language="es")
    _render(spanish, {}, layouts=layouts)
    another = replace(spanish, patient_name="María José Pérez")
    assert _render(another, {}, layouts=layouts) == _uncached(another)
    assert layouts.stats().spliced == 2
    bilingual = _program("hip-pain", language="en-es")
    assert _render(bilingual, {}, layouts=layouts) == _uncached(bilingual)
    assert layouts.stats().entries == 1  # the facts table is printed twice: nothing split, nothing kept


def test_the_layouts_kept_stay_under_their_size_limit():
    layouts = _kept_layouts(limit_mb=12)  # room for one handout's layout (about 7 MB)
    for slug in ("hip-pain", "hip-impingement", "low-back-pain"):
        _render(_program(slug), {}, layouts=layouts)
    stats = layouts.stats()
    assert stats.entries == 1 and stats.evictions == 2
    assert 0 < stats.megabytes <= stats.limit_mb


def test_the_least_recently_used_layout_goes_first():
    layouts = LayoutCache(limit_mb=1)
    third = 1024 * 1024 // 3
    for key in "abc":
        assert layouts.put(key, object(), third)
    assert layouts.get("a") is not None  # "b" is now the least recently used
    layouts.put("d", object(), third)
    assert "b" not in layouts and all(key in layouts for key in "acd")
    assert not layouts.put("huge", object(), 2 * 1024 * 1024) and "huge" not in layouts
    layouts.resize(limit_mb=0.5)
    assert layouts.stats().entries == 1 and "d" in layouts


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
def test_every_default_handout_in_every_paper_and_option_is_the_same_without_the_caches(slug, paper, option):
    """The pages tier's handout (rendered once per session with the app's caches: its shared part laid
    out and kept, its personal part spliced in, the figures drawn from the cache) against one render
    without any cache."""
    catalog = _catalog()
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6))  # as pages.handout
    program = replace(program, paper=paper, patient_name="Ann Example", **pages.OPTIONS[option])
    assert pages.handout(slug, paper, option) == _uncached(program, pages.BRANDING)


def test_a_worker_warm_up_keeps_default_programs_so_the_first_preview_for_a_patient_is_spliced(
        app, default_therapist, monkeypatch):
    """gunicorn.conf.py starts prescribe.handouts.warm_layouts in each worker: a therapist who then opens a
    diagnosis's default program for a patient gets the preview from the kept layout, byte for byte."""
    from prescribe import handouts
    from prescribe.clinics import branding_for
    from prescribe.db import get_session
    from prescribe.handout import RenderCache
    from prescribe.models import Clinic
    from prescribe.patient_links import placeholder_link

    from .conftest import default_clinic_id

    layouts = _kept_layouts(limit_mb=25)  # room for about three handouts' layouts
    monkeypatch.setattr(pdf, "layouts", layouts)
    catalog = app.extensions["catalog"]
    with app.app_context():
        session = get_session()
        printer = handouts.Printer(catalog, RenderCache())
        kept = handouts.warm_layouts(session, printer, page_base="https://clinic.example")
        stats = layouts.stats()
        assert kept == stats.entries >= 2 and stats.evictions == 0  # it stops when full, evicting nothing
        clinic = session.get(Clinic, default_clinic_id(app))
        first = next(iter(catalog.diagnoses.values()))
        program = for_patient(default_program(first, catalog, paper=clinic.default_paper, layout=clinic.default_layout,
                                              greyscale=clinic.default_greyscale, language=clinic.default_language),
                              catalog, name="Ann Example", reference="", affected_side="")
        actor = handouts.Actor(clinic_id=clinic.id, user_id=default_therapist.id, ip="192.0.2.1")
        shown = handouts.preview(session, actor, printer, program, page_base="https://clinic.example")
        branding = branding_for(clinic)
    assert layouts.stats().hits == 1 and layouts.stats().spliced == 1
    assert shown.pdf == _uncached(program, branding, phone=placeholder_link("https://clinic.example"))


def test_the_layout_cache_can_be_turned_off_and_its_size_must_be_megabytes(tmp_path, monkeypatch):
    from prescribe.config import ConfigError

    from .conftest import make_app

    monkeypatch.setattr(pdf, "layouts", LayoutCache())
    off = make_app(tmp_path, HANDOUT_LAYOUT_CACHE_MB=0)
    try:
        assert not pdf.layouts.enabled
        program = _program("hip-pain")
        assert render_program(program, off.extensions["catalog"], BRANDING).pdf == _uncached(program)
        assert pdf.layouts.stats().entries == 0
    finally:
        off.extensions["webhooks"].stop()
        off.extensions["db_engine"].dispose()
    for wrong in (-1, "lots", True):
        with pytest.raises(ConfigError, match="HANDOUT_LAYOUT_CACHE_MB must be a number of megabytes"):
            make_app(tmp_path / str(wrong), HANDOUT_LAYOUT_CACHE_MB=wrong)


@pytest.mark.slow
def test_each_gunicorn_worker_keeps_handout_layouts_as_it_starts(tmp_path):
    """gunicorn.conf.py's warm-up, in a real worker: it keeps layouts until its cache is full and says so."""
    import time

    from scripts.loopback import Gunicorn, prepare_database

    url = f"sqlite:///{tmp_path / 'warm.sqlite'}"
    prepare_database(url, tmp_path)
    server = Gunicorn(url, tmp_path, workers=1, settings={"PRESCRIBE_HANDOUT_WARM_LAYOUTS": "true",
                                                          "PRESCRIBE_HANDOUT_LAYOUT_CACHE_MB": "20"})
    try:
        deadline = time.monotonic() + 120
        while "handout layouts" not in server.error_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        log = server.error_log.read_text()
    finally:
        server.kill_all()
    assert re.search(r"Kept [12] handout layouts in \d+ s", log), log[-2000:]  # 20 MB: room for two
    assert "Warming the handout layouts failed" not in log


def test_the_warm_up_finds_the_flask_app_under_wsgi_middleware(app):
    """gunicorn may serve the app wrapped (the bench mounts a page beside it): the worker still boots."""
    import runpy

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    settings = runpy.run_path(str(REQUIREMENTS.parent / "gunicorn.conf.py"))
    assert settings["_flask_app"](app) is app
    assert settings["_flask_app"](DispatcherMiddleware(app, {"/other": lambda environ, start: []})) is app
    assert settings["_flask_app"](lambda environ, start: []) is None
