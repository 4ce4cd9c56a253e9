"""View model -> HTML, with a Jinja environment of its own over ``templates/handout/``.

The environment is independent of Flask so the CLI, the benchmark and the web app render the
exact same HTML. Autoescaping is on: user text (names, notes) can never become markup.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .view import HandoutView

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "handout"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Illustrations are SVG our own renderer produced from numbers; never user text.
    env.filters["trusted_svg"] = Markup
    return env


def render_handout_html(view: HandoutView) -> str:
    """The handout as one HTML document, ready for :func:`prescribe.handout.pdf.html_to_pdf`."""
    return _environment().get_template("handout.html").render(h=view, _=view.gettext)
