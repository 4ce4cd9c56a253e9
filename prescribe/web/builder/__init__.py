"""The builder: tailor a diagnosis's program, preview it and download the PDF.

views (routes: validate, call a service, respond), forms (the posted program), page (what the page
shows, as plain values), rows (the row actions: add, remove, move, swap, undo).
"""

from .views import bp

__all__ = ["bp"]
