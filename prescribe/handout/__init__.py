"""Handouts: view model -> HTML (Jinja) -> PDF (WeasyPrint)."""

from .html import render_handout_html
from .pdf import HandoutTooLong, RenderedPdf, html_to_pdf
from .view import Branding, HandoutView, build_handout_view, format_date

__all__ = [
    "Branding", "HandoutTooLong", "HandoutView", "RenderedPdf", "build_handout_view",
    "format_date", "html_to_pdf", "render_handout_html", "render_program",
]


def render_program(program, catalog, branding, *, max_pages: int = 16, identifier: str = "handout"
                   ) -> RenderedPdf:
    """Program -> view model -> HTML -> PDF, the whole path in one call."""
    html = render_handout_html(build_handout_view(program, catalog, branding))
    return html_to_pdf(html, identifier=identifier, max_pages=max_pages)
