"""Handouts: view model -> HTML (Jinja) -> PDF (WeasyPrint)."""

from dataclasses import replace

from .cache import RenderCache, render_key
from .html import render_handout_html
from .pdf import HandoutTooLong, RenderedPdf, html_to_pdf
from .view import Branding, HandoutView, build_handout_view, format_date

__all__ = [
    "Branding", "HandoutTooLong", "RenderCache", "render_key", "HandoutView", "RenderedPdf", "build_handout_view",
    "format_date", "html_to_pdf", "render_handout_html", "render_program",
]


def render_program(program, catalog, branding, *, max_pages: int = 20, identifier: str = "handout",
                   cache: "RenderCache | None" = None) -> RenderedPdf:
    """Program -> view model -> HTML -> PDF, the whole path in one call.

    With a ``cache``, a program rendered moments ago (the preview) is handed back unchanged.
    """
    key = render_key(program, branding, catalog) if cache is not None else ""
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    view = build_handout_view(program, catalog, branding)

    def with_notes(gaps: dict[str, float]) -> str:
        return render_handout_html(replace(view, notes_before=tuple(sorted(gaps.items()))))

    rendered = html_to_pdf(render_handout_html(view), identifier=identifier, max_pages=max_pages,
                           refit=with_notes)
    if cache is not None:
        cache.put(key, rendered)
    return rendered
