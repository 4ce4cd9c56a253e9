"""prescribe/handout/tagging.py on a small document: what each PDF/UA repair does."""

from __future__ import annotations

import io
import time

import pikepdf

from prescribe.handout.pdf import html_to_pdf

HTML = """<!doctype html><html lang="en"><head><title>Tagging</title><style>
@page { size: A4; margin: 30mm 15mm; @top-center { content: element(head); } @bottom-right { content: counter(page); } }
.ua-start { display: block; height: 0; } .lbl { font-weight: bold; } header { position: running(head); }
</style></head><body>
<header><span>Clinic on Mill Lane</span></header>
<main><span class="ua-start"></span>
<section><span class="ua-start"></span><h1>Title</h1>
{paragraphs}
<ul class="bullets"><span class="ua-start"></span><li><span class="lbl">* </span>first</li><li><span class="lbl">* </span>second</li></ul>
<table><thead><tr><th scope="col">Day</th><th scope="col">1</th></tr></thead>
<tbody><tr><th scope="row">Walk</th><td></td></tr></tbody></table>
<div><img alt="A figure" src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxMCAxMCI+PHJlY3Qgd2lkdGg9IjEwIiBoZWlnaHQ9IjEwIi8+PC9zdmc+" style="display: block; width: 40mm; height: 40mm"></div>
</section></main></body></html>"""  # noqa: E501 (the markup under test, on its own lines)


def _tree(pdf: bytes):
    document = pikepdf.open(io.BytesIO(pdf))
    return document, document.Root.StructTreeRoot.K[0]


def _kids(node):
    kids = node.get("/K")
    return [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(node):
    yield node
    for kid in _kids(node):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            yield from _elements(kid)


def test_a_section_over_two_pages_is_one_section_and_the_header_is_read_once():
    pdf = html_to_pdf(HTML.replace("{paragraphs}", "<p>Some words of text here.</p>" * 70)).pdf
    document, root = _tree(pdf)
    assert len(document.pages) >= 2
    tags = [str(e.S) for e in _elements(root)]
    assert tags.count("/Part") == 1 and tags.count("/Sect") == 1
    assert "/Span" not in [str(k.S) for k in _kids(root)]  # no start marks left
    # The first page's running header is linked first; later pages' headers are artifacts.
    assert str(_kids(root)[0].S) == "/Div"
    later = document.pages[1].Contents.read_bytes()
    assert b"/Artifact" in later


def test_lists_get_labels_tables_scopes_and_figures_boxes_in_points():
    pdf = html_to_pdf(HTML.replace("{paragraphs}", "<p>One page.</p>")).pdf
    document, root = _tree(pdf)
    elements = list(_elements(root))
    items = [e for e in elements if str(e.S) == "/LI"]
    assert len(items) == 2 and all([str(k.S) for k in _kids(item)] == ["/Lbl", "/LBody"] for item in items)
    scopes = [str(e.A.Scope) for e in elements if str(e.S) == "/TH"]
    assert scopes == ["/Column", "/Column", "/Row"]
    assert "/IDTree" in document.Root.StructTreeRoot
    figure = next(e for e in elements if str(e.S) == "/Figure")
    x1, y1, x2, y2 = (float(v) for v in figure.A.BBox)
    assert abs((x2 - x1) - 40 * 72 / 25.4) < 1 and abs((y2 - y1) - 40 * 72 / 25.4) < 1  # 40 mm in points
    assert 0 < y1 < y2 < float(document.pages[0].MediaBox[3])


def test_the_same_pdf_in_gives_the_same_bytes_out_a_second_later():
    """The file ID comes from the content, not the clock: a reprint is byte-identical."""
    first = html_to_pdf(HTML.replace("{paragraphs}", "")).pdf
    time.sleep(1.1)
    assert html_to_pdf(HTML.replace("{paragraphs}", "")).pdf == first
