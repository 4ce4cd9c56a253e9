"""Program templates: the templates a therapist can use, and deleting the ones they manage."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from prescribe.db import get_session, transaction
from prescribe.program_templates import TemplateError, can_manage, delete_template, get_template, visible_templates

from .context import catalog, current_clinic

bp = Blueprint("program_templates", __name__, url_prefix="/templates")


@bp.get("/")
def index():
    personal, shared = visible_templates(get_session(), current_clinic(), g.user)
    return render_template("program_templates/index.html", personal=personal, shared=shared, can_manage=can_manage,
                           diagnoses=catalog().diagnoses)


@bp.post("/<int:template_id>/delete")
def delete(template_id: int):
    db = get_session()
    template = get_template(db, current_clinic(), g.user, template_id) or abort(404)
    try:
        with transaction(db):
            delete_template(db, g.user, template)
    except TemplateError as exc:
        flash(exc.in_words(_))
        return redirect(url_for("program_templates.index"))
    flash(_("Template “%(name)s” deleted.", name=template.name))
    return redirect(url_for("program_templates.index"))
