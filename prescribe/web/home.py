"""Start page: pick a diagnosis (listed under its body region, searchable across all of them) or a
saved template, or reopen a recent handout.

With ``?patient=<id>`` (from a patient's page) every choice starts a handout for that patient.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from prescribe.db import get_session
from prescribe.patients import get_patient
from prescribe.program_templates import visible_templates
from prescribe.storage import recent_handouts

from .context import catalog, current_clinic, parse_id

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    query = request.args.get("q", "")[:60]
    db = get_session()
    clinic = current_clinic()
    patient = None
    if "patient" in request.args:
        patient = get_patient(db, clinic, parse_id(request.args["patient"]) or abort(404)) or abort(404)
    personal, shared = visible_templates(db, clinic, g.user)
    groups = catalog().diagnoses_by_region(catalog().search_diagnoses(query))
    return render_template("home/index.html", query=query, groups=groups,
                           handouts=recent_handouts(db, clinic), patient=patient,
                           personal_templates=personal, clinic_templates=shared)
