"""Saved handouts: see a handout's versions and download any of them byte for byte."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file

from prescribe import handouts
from prescribe.db import get_session
from prescribe.storage import get_handout, program_of

from .context import catalog, current_actor, current_clinic

bp = Blueprint("handouts", __name__, url_prefix="/handouts")


@bp.get("/<int:handout_id>")
def show(handout_id: int):
    handout = get_handout(get_session(), current_clinic(), handout_id) or abort(404)
    latest = handout.versions[-1]
    program = program_of(latest)
    names = [catalog().exercises[i.exercise].name if i.exercise in catalog().exercises else i.exercise
             for i in program.items]
    page = render_template("handouts/show.html", handout=handout, latest=latest, exercise_names=names)
    handouts.log_access(get_session(), current_actor(), "handout_view", handout.id)
    return page


@bp.get("/<int:handout_id>/versions/<int:number>.pdf")
def download(handout_id: int, number: int):
    """The exact bytes that were printed, with a strong ETag so a reprint costs nothing."""
    stored = handouts.version_pdf(get_session(), current_actor(), handout_id, number) or abort(404)
    return send_file(io.BytesIO(stored.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=stored.filename, etag=stored.etag, max_age=0, conditional=True)
