"""Handouts: view model -> HTML (Jinja) -> PDF (WeasyPrint)."""

from collections.abc import Callable
from dataclasses import replace

from .cache import RenderCache, render_key
from .html import render_handout_html
from .pdf import HandoutTooLong, RenderedPdf, SharedPart, html_to_pdf, keep_layout
from .personal import split as split_personal
from .view import Branding, HandoutView, PhoneLink, build_handout_view, format_date, phone_box

__all__ = [
    "Branding", "HandoutTooLong", "PhoneLink", "RenderCache", "render_key", "HandoutView", "RenderedPdf",
    "build_handout_view",
    "format_date", "html_to_pdf", "keep_shared_layout", "layout_cache_full", "render_handout_html", "render_program",
]


def render_program(program, catalog, branding, *, max_pages: int = 20, identifier: str = "handout",
                   cache: "RenderCache | None" = None, phone: PhoneLink | None = None) -> RenderedPdf:
    """Program -> view model -> HTML -> PDF, the whole path in one call.

    With a ``cache``, a program rendered moments ago (the preview) is handed back unchanged. A
    printed version passes its ``phone`` link: page 1 then carries its QR code and short code.
    """
    key = render_key(program, branding, catalog, phone) if cache is not None else ""
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    view = _view(program, catalog, branding, phone)
    rendered = html_to_pdf(render_handout_html(view), identifier=identifier, max_pages=_page_limit(program, max_pages),
                           refit=_with_notes(view), shared=_shared_part(view))
    if cache is not None:
        cache.put(key, rendered)
    return rendered


def keep_shared_layout(program, catalog, branding, *, max_pages: int = 20, phone: PhoneLink | None = None) -> bool:
    """Lay out the part of ``program``'s handout every patient shares and keep it (a worker's
    warm-up: prescribe/handouts.py). True when kept now; False when kept already, not split (a
    bilingual handout), too long, or when the layout cache has no room left."""
    shared = _shared_part(_view(program, catalog, branding, phone))
    return shared is not None and keep_layout(shared, max_pages=_page_limit(program, max_pages))


def layout_cache_full() -> bool:
    """True when the process's layout cache has no room for another handout's layout."""
    from .pdf import layouts

    return not layouts.has_room()


def _view(program, catalog, branding, phone: PhoneLink | None) -> HandoutView:
    view = build_handout_view(program, catalog, branding)
    return replace(view, phone=phone_box(phone, catalog.handout_text)) if phone is not None else view


def _page_limit(program, max_pages: int) -> int:
    """Spanish runs about a fifth longer than English, and a bilingual handout prints every section
    twice: each has its own share of pages before a handout counts as too long."""
    return {"es": max_pages + max_pages // 4, "en-es": 2 * max_pages}.get(program.language, max_pages)


def _with_notes(view: HandoutView) -> Callable[[dict[str, float]], str]:
    """The HTML of ``view`` with a notes box filling each gap (prescribe/handout/fit.py)."""
    return lambda gaps: render_handout_html(replace(view, notes_before=tuple(sorted(gaps.items()))))


def _shared_part(view: HandoutView) -> SharedPart | None:
    """The layout every patient on this program shares, kept; only the personal part is laid out."""
    if (parts := split_personal(view)) is None:
        return None
    shared, personal = parts
    return SharedPart(render_handout_html(shared), _with_notes(shared), render_handout_html(personal))
