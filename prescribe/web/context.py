"""Request-scoped helpers shared by the blueprints: the catalog, the clinic, template globals."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from markupsafe import Markup

from prescribe.catalog import Catalog
from prescribe.clinics import ensure_default_clinic
from prescribe.db import get_session
from prescribe.models import Clinic


def catalog() -> Catalog:
    return current_app.extensions["catalog"]


def current_clinic() -> Clinic:
    """The clinic whose data this request may see (one default clinic until accounts exist)."""
    if "clinic" not in g:
        g.clinic = ensure_default_clinic(get_session(), Path(current_app.instance_path))
    return g.clinic


def illustration_svg(exercise) -> Markup:
    """An exercise's picture as inline SVG in the clinic's colour (our renderer's own markup)."""
    if exercise is None or exercise.illustration is None:
        return Markup("")
    from prescribe.illustration import render_svg

    return Markup(render_svg(exercise.illustration, accent=current_clinic().accent_colour))


def register_template_helpers(app: Flask) -> None:
    from prescribe.catalog import CATEGORIES

    app.jinja_env.globals.update(illustration_svg=illustration_svg, categories=CATEGORIES)

    @app.context_processor
    def _globals():
        return {"clinic_name": current_clinic().name}
