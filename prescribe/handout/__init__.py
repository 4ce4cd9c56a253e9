"""Handouts: view model -> HTML (Jinja) -> PDF (WeasyPrint)."""

from collections.abc import Callable
from dataclasses import replace

from .cache import RenderCache, render_key
from .html import render_handout_html
from .pdf import HandoutTooLong, RenderedPdf, SharedPart, html_to_pdf
from .personal import split as split_personal
from .view import Branding, HandoutView, PhoneLink, build_handout_view, format_date, phone_box

__all__ = [
    "Branding", "HandoutTooLong", "PhoneLink", "RenderCache", "render_key", "HandoutView", "RenderedPdf",
    "build_handout_view",
    "format_date", "html_to_pdf", "render_handout_html", "render_program",
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
    # Spanish runs about a fifth longer than English, and a bilingual handout prints every section
    # twice: each has its own share of pages before a handout counts as too long.
    max_pages = {"es": max_pages + max_pages // 4, "en-es": 2 * max_pages}.get(program.language, max_pages)
    view = build_handout_view(program, catalog, branding)
    if phone is not None:
        view = replace(view, phone=phone_box(phone, catalog.handout_text))

    def with_notes(view: HandoutView) -> Callable[[dict[str, float]], str]:
        return lambda gaps: render_handout_html(replace(view, notes_before=tuple(sorted(gaps.items()))))

    # The layout every patient on this program shares is kept; only the personal part is laid out.
    shared = None
    if (parts := split_personal(view)) is not None:
        shared = SharedPart(render_handout_html(parts[0]), with_notes(parts[0]), render_handout_html(parts[1]))
    rendered = html_to_pdf(render_handout_html(view), identifier=identifier, max_pages=max_pages,
                           refit=with_notes(view), shared=shared)
    if cache is not None:
        cache.put(key, rendered)
    return rendered
