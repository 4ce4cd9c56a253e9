"""HTML -> PDF with WeasyPrint: the only module that imports it.

One ``FontConfiguration`` and one parsed stylesheet per process (WeasyPrint leaks memory with a
new font configuration per document, and it is not thread-safe: scale with processes). The URL
fetcher refuses everything but ``data:`` URIs and files inside the app's static folder, so text a
user typed can never make the renderer read a local file or call a server.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .fit import gaps
from .layouts import LayoutCache, layout_key
from .tagging import finish_tags
from .weasy_internals import FigureCache, document_bytes, splice_personal

STATIC_ROOT = Path(__file__).resolve().parents[1] / "static"
PRINT_CSS = STATIC_ROOT / "handout" / "print.css"
PDF_VARIANT = "pdf/ua-1"

log = logging.getLogger(__name__)
_render_lock = threading.Lock()
# Parsed images (the exercise figures, the clinic logo) shared by every render in this process, and
# the figures' drawing operators (prescribe/handout/weasy_internals.py).
_image_cache: dict = FigureCache()
IMAGE_CACHE_LIMIT = 2000
# Handouts laid out for their shared part, reused for every patient on the same program
# (prescribe/handout/personal.py); its size limit is the app's HANDOUT_LAYOUT_CACHE_MB.
layouts = LayoutCache()
_long_lived_frozen = False


class HandoutTooLong(ValueError):
    """The handout would print more pages than a clinic would ever hand over."""


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int


@dataclass(frozen=True)
class SharedPart:
    """A handout split as prescribe/handout/personal.py does: the shared part's HTML (laid out once
    and kept) with its ``refit``, and the personal part's HTML (laid out for every patient)."""

    html: str
    refit: Callable[[dict[str, float]], str]
    personal_html: str


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """Only ``data:`` URIs and regular files below ``root``; everything else refused."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             timeout=5, fail_on_errors=False)
            self.root = root.resolve()

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                parts = urlsplit(url)
                path = Path(url2pathname(parts.path)).resolve()
                if parts.netloc in ("", "localhost") and path.is_relative_to(self.root) and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
            log.warning("Handout renderer refused to fetch %s", url[:80])
            raise ValueError(f"URL refused: {url[:80]}")

    return SafeFetcher


@lru_cache(maxsize=1)
def _engine():
    """Per-process WeasyPrint state: fetcher, fonts and the parsed print stylesheet."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher_class()(STATIC_ROOT)
    fonts = FontConfiguration()
    stylesheet = CSS(filename=str(PRINT_CSS), url_fetcher=fetcher, font_config=fonts)
    return fetcher, fonts, stylesheet


def make_fetcher():
    """A fresh deny-by-default fetcher rooted at the static folder (also used by tests)."""
    return _fetcher_class()(STATIC_ROOT)


def html_to_pdf(html: str, *, identifier: str = "handout", max_pages: int = 20,
                refit: Callable[[dict[str, float]], str] | None = None,
                shared: SharedPart | None = None) -> RenderedPdf:
    """Render handout HTML to a tagged (PDF/UA-1) PDF.

    With ``refit``, a page that would end early because the next card or the log did not fit
    (:func:`prescribe.handout.fit.gaps`) is filled: ``refit(gaps)`` gives the HTML with a notes
    box in each gap, laid out once more. With ``shared``, the handout's shared part is laid out
    once and kept (:data:`layouts`), and only the personal part is laid out and spliced in: the
    same bytes as laying ``html`` out, or ``html`` is laid out after all. Raises
    :class:`HandoutTooLong` instead of writing an absurd document.
    """
    with _render_lock:  # FontConfiguration is not thread-safe
        if len(_image_cache) > IMAGE_CACHE_LIMIT:
            _image_cache.clear()
        # The process's first render keeps nothing (see _freeze_long_lived_objects): no gain in splitting it.
        document = None
        if shared is not None and layouts.enabled and _long_lived_frozen:
            document = _spliced(shared, max_pages)
        if document is None:
            document = _laid_out(html, refit, max_pages)
        if len(document.pages) > max_pages:
            raise HandoutTooLong(f"The handout would be {len(document.pages)} pages long.")
        pdf = finish_tags(document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier.encode()))
        _freeze_long_lived_objects()
    return RenderedPdf(pdf=pdf, page_count=len(document.pages))


def keep_layout(shared: SharedPart, *, max_pages: int) -> bool:
    """Lay out ``shared`` and keep it, unless it is kept already or would push a kept layout out
    (a worker's warm-up never evicts). True when kept now."""
    with _render_lock:
        key = layout_key(shared.html)
        if not _long_lived_frozen or not layouts.enabled or key in layouts:
            return False
        document = _laid_out(shared.html, shared.refit, max_pages)
        return len(document.pages) <= max_pages and layouts.put(key, document, document_bytes(document), evict=False)


def _lay_out(source: str):
    from weasyprint import HTML

    fetcher, fonts, stylesheet = _engine()
    return HTML(string=source, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts, presentational_hints=False,
        pdf_variant=PDF_VARIANT, cache=_image_cache,
    )


def _laid_out(html: str, refit: Callable[[dict[str, float]], str] | None, max_pages: int):
    """``html`` laid out, and again with notes boxes where ``refit`` fills a page ending early."""
    document = _lay_out(html)
    if refit is not None and len(document.pages) <= max_pages and (found := gaps(document)):
        document = _lay_out(refit(found))
    return document


def _spliced(shared: SharedPart, max_pages: int):
    """The kept layout of ``shared`` (laid out now if need be) with its personal part spliced in,
    or None where the personal blocks do not take the room their stand-ins took."""
    key = layout_key(shared.html)
    kept = layouts.get(key)
    if kept is None:
        kept = _laid_out(shared.html, shared.refit, max_pages)
        if len(kept.pages) > max_pages:
            return None
        layouts.put(key, kept, document_bytes(kept))
    document = splice_personal(kept, _lay_out(shared.personal_html))
    layouts.count_splice(done=document is not None)
    return document


def _freeze_long_lived_objects() -> None:
    """After the process's first render, take everything alive out of the cyclic collector's walk.

    By then the process holds the app, the catalog and WeasyPrint's modules, fonts and stylesheet,
    all for its whole life. A render allocates enough to start a full collection about every second
    document, and each walked all of them: about 140 ms here, a tenth of a render and a stall for
    whatever page the worker serves next. Frozen (``gc.freeze``), a full collection walks only what
    was made since. Objects frozen are still freed by reference counting; only cycles among them
    would stay, and these objects live as long as the process anyway.
    """
    global _long_lived_frozen
    if not _long_lived_frozen:
        _long_lived_frozen = True
        gc.collect()
        gc.freeze()


def harfbuzz_subset_available() -> bool:
    """True when WeasyPrint can subset fonts with HarfBuzz (fast) instead of fontTools."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None
