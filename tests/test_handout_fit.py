"""prescribe/handout/fit.py reads WeasyPrint's laid-out pages (internal API, pinned version)."""

from __future__ import annotations

from prescribe.handout.fit import gaps
from prescribe.handout.pdf import STATIC_ROOT, _engine


def _lay_out(body: str):
    from weasyprint import HTML

    fetcher, fonts, stylesheet = _engine()
    html = (f'<html lang="en"><head><title>t</title><style>@page {{ size: A4; }}</style></head>'
            f'<body>{body}</body></html>')
    return HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts)


def _block(block_id: str, height_mm: int) -> str:
    return (f'<div id="{block_id}" data-fit style="break-inside: avoid; height: {height_mm}mm; '
            f'border: 1px solid black">{block_id}</div>')


def test_a_page_ending_early_before_a_block_that_did_not_fit_is_a_gap():
    document = _lay_out("<p>A short start.</p>" + _block("card-1", 240) + _block("card-2", 30))
    assert len(document.pages) == 3
    found = gaps(document)
    assert list(found) == ["card-1"]  # page 2 is full, page 3 the last
    # Page 1 holds one line: nearly its whole body height (297 - 31 - 19 mm) is free.
    assert 220 < found["card-1"] < 247


def test_a_full_enough_page_or_the_last_page_is_no_gap():
    full = _lay_out("<p>Start.</p>" + _block("a", 160) + _block("b", 150))
    assert len(full.pages) == 2 and gaps(full) == {}
    one_page = _lay_out(_block("a", 30))
    assert gaps(one_page) == {}


def test_a_page_that_ends_early_before_flowing_text_is_no_gap():
    document = _lay_out("<p>Start.</p>" + _block("a", 120) + "<p>x</p>" * 80)
    assert gaps(document) == {}
