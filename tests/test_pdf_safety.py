"""The PDF engine may load only the app's own assets: no local files, no network, no attachments."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from prescribe.handout import html_to_pdf

from .conftest import builder_form
from .loopback import loopback_server  # noqa: F401  (pytest fixture)
from .pdf_helpers import page_texts


def _attachments(pdf: bytes) -> dict:
    return dict(PdfReader(io.BytesIO(pdf)).attachments)


def test_markup_typed_into_a_note_prints_as_text_and_fetches_nothing(client, loopback_server):
    url, hits = loopback_server
    note = (f'<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname"> '
            f'<img src="{url}/pixel.png">')
    form = builder_form(client, "hip-pain")
    form.update({"exercises-0-note": note[:200], "action": "download"})
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    assert hits == []
    assert _attachments(response.data) == {}
    printed = "".join(page_texts(response.data)).replace(" ", "")
    assert '<imgsrc="file:///etc/passwd">' in printed  # the typed markup, as visible text


def test_engine_refuses_files_outside_its_assets_and_every_network_url(loopback_server, caplog):
    """Even if a template bug let markup through, the fetcher refuses it."""
    url, hits = loopback_server
    html = (f'<html lang="en"><head><title>t</title>'
            f'<link rel="attachment" href="file:///etc/hostname">'
            f'<link rel="stylesheet" href="{url}/style.css"></head><body>'
            f'<img src="file:///etc/passwd" alt="x"><img src="{url}/img.png" alt="y">'
            f'<img src="../../../../etc/passwd" alt="z"><p>ok</p></body></html>')
    rendered = html_to_pdf(html)
    assert hits == []
    assert _attachments(rendered.pdf) == {}
    with open("/etc/hostname", "rb") as handle:
        hostname = handle.read().strip()
    assert not hostname or hostname not in rendered.pdf
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) >= 4


def test_engine_still_loads_its_own_fonts_and_stylesheet():
    from prescribe.handout.pdf import STATIC_ROOT, make_fetcher

    fetcher = make_fetcher()
    font = STATIC_ROOT / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    with pytest.raises(ValueError):
        fetcher.fetch((STATIC_ROOT / ".." / "__init__.py").resolve().as_uri())
