"""Saved handouts: see a handout's versions and download any of them byte for byte."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file

from prescribe.db import get_session
from prescribe.storage import get_handout, get_version, program_of

from .context import catalog, current_clinic, record_audit

bp = Blueprint("handouts", __name__, url_prefix="/handouts")


@bp.get("/<int:handout_id>")
def show(handout_id: int):
    db = get_session()
    handout = get_handout(db, current_clinic(), handout_id) or abort(404)
    latest = handout.versions[-1]
    program = program_of(latest)
    names = [catalog().exercises[i.exercise].name if i.exercise in catalog().exercises else i.exercise
             for i in program.items]
    page = render_template("handouts/show.html", handout=handout, latest=latest, exercise_names=names)
    record_audit("handout_view", "handout", handout.id)
    db.commit()
    return page


@bp.get("/<int:handout_id>/versions/<int:number>.pdf")
def download(handout_id: int, number: int):
    """The exact bytes that were printed, with a strong ETag so a reprint costs nothing."""
    db = get_session()
    version = get_version(db, current_clinic(), handout_id, number) or abort(404)
    record_audit("handout_export", "handout", handout_id, detail=f"version {number}")
    db.commit()
    response = send_file(io.BytesIO(version.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=version.filename, etag=version.pdf_sha256, max_age=0,
                         conditional=True)
    return response
