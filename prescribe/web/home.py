"""Start page: pick a diagnosis (searchable) or reopen a recent handout."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from prescribe.db import get_session
from prescribe.storage import recent_handouts

from .context import catalog, current_clinic

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    query = request.args.get("q", "")[:60]
    diagnoses = catalog().search_diagnoses(query)
    return render_template("home/index.html", query=query, diagnoses=diagnoses,
                           handouts=recent_handouts(get_session(), current_clinic()))
