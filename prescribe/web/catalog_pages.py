"""The exercise catalog, browsable: every exercise with its picture, steps and default dose."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from prescribe.catalog import CATEGORIES, EQUIPMENT, POSITIONS
from prescribe.programs import dose_in_words, filled

from .context import catalog

bp = Blueprint("catalog", __name__, url_prefix="/exercises")


@bp.get("/")
def index():
    position = request.args.get("position", "")
    equipment = request.args.get("equipment", "")
    diagnosis_slug = request.args.get("diagnosis", "")
    query = request.args.get("q", "")[:60]
    region = request.args.get("region", "")
    regions = catalog().regions
    problem = ""
    if region and region not in regions:  # a hand-made or stale address: say so, and show every region
        problem = _("There is no body region “%(region)s”. Choose one of: %(regions)s. Showing every region.",
                    region=region[:40], regions=", ".join(r.label for r in regions.values()))
        region = ""
    exercises = catalog().filter_exercises(query=query, position=position, equipment=equipment,
                                           diagnosis=diagnosis_slug, region=region)
    page = render_template(
        "catalog/index.html", exercises=exercises, query=query, position=position,
        equipment=equipment, diagnosis=diagnosis_slug, positions=POSITIONS, equipment_names=EQUIPMENT,
        categories=CATEGORIES, diagnoses=catalog().sorted_diagnoses(), region=region, regions=regions,
        problem=problem, dose_words={e.slug: dose_in_words(e.dose) for e in exercises},
        steps={e.slug: filled(e.steps, e.dose) for e in exercises},  # "[Hold for {hold}.]" as the default dose says
    )
    return page, 400 if problem else 200
