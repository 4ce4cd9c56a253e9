"""Saved handouts: see a handout's versions and download any of them byte for byte; manage the
links to the patient's own page (copy, email, extend, revoke, re-issue) and see what they sent."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from prescribe import handouts, patient_pages
from prescribe.db import get_session
from prescribe.mail import mail_settings, valid_address
from prescribe.patient_links import page_address
from prescribe.patient_pages import IssuedLink
from prescribe.storage import get_handout, program_of

from .context import catalog, current_actor, current_clinic, page_base
from .forms import AppForm

bp = Blueprint("handouts", __name__, url_prefix="/handouts")


class EmailLinkForm(AppForm):
    email = StringField(_l("Patient's email address"), validators=[
        DataRequired(message=_l("Enter the patient's email address.")), Length(max=254)],
        description=_l("Used for this message only: Prescribe does not keep it."))

    def validate_email(self, field: StringField) -> None:
        if field.data and not valid_address(field.data.strip()):
            raise ValidationError(_("Enter one email address, like name@example.com."))


class LinkActionForm(AppForm):
    action = HiddenField()


@bp.get("/<int:handout_id>")
def show(handout_id: int):
    return _show(handout_id)


@bp.post("/<int:handout_id>/links")
def new_link(handout_id: int):
    """A new link to the newest version, shown once to copy into a message of the therapist's own."""
    form = LinkActionForm()
    if not form.validate_on_submit():
        return _show(handout_id, status=400)
    issued = patient_pages.issue_link(get_session(), current_actor(), handout_id, channel="copy") or abort(404)
    return _show(handout_id, issued=issued, said=_("New link made. Copy it now: it is shown only once."))


@bp.post("/<int:handout_id>/links/email")
def email_link(handout_id: int):
    form = EmailLinkForm()
    settings = mail_settings(current_app.config) or abort(404)
    if not form.validate_on_submit():
        return _show(handout_id, email_form=form, status=422)
    emailed = patient_pages.email_link(get_session(), current_actor(), handout_id, form.email.data.strip(),
                                       settings, page_base()) or abort(404)
    if emailed.error:
        form.email.errors = [emailed.error]
        return _show(handout_id, email_form=form, issued=emailed.issued)
    return _show(handout_id, issued=emailed.issued, said=_("Email sent. The address was not kept."))


@bp.post("/<int:handout_id>/links/<int:link_id>")
def change_link(handout_id: int, link_id: int):
    """Extend, revoke or re-issue one link."""
    form = LinkActionForm()
    action = form.action.data
    if not form.validate_on_submit() or action not in ("extend", "revoke", "reissue"):
        return _show(handout_id, status=400)
    session, actor = get_session(), current_actor()
    if action == "reissue":
        issued = patient_pages.issue_link(session, actor, handout_id, channel="copy", replacing=link_id) or abort(404)
        return _show(handout_id, issued=issued,
                     said=_("The old link no longer works (nor the QR code it was printed as). Copy the new one now."))
    try:
        patient_pages.change_link(session, actor, handout_id, link_id, action) or abort(404)
    except patient_pages.LinkRevoked:
        return _show(handout_id, said=_("This link was revoked, so it cannot be extended: re-issue it instead."),
                     status=409)
    return _show(handout_id, said=_("Link extended.") if action == "extend" else
                 _("Link revoked: it no longer works. A copy already kept on the patient's phone stays there."))


@bp.get("/<int:handout_id>/versions/<int:number>.pdf")
def download(handout_id: int, number: int):
    """The exact bytes that were printed, with a strong ETag so a reprint costs nothing."""
    stored = handouts.version_pdf(get_session(), current_actor(), handout_id, number) or abort(404)
    return send_file(io.BytesIO(stored.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=stored.filename, etag=stored.etag, max_age=0, conditional=True)


@bp.get("/<int:handout_id>/versions/<int:number>.fhir.json")
def download_fhir(handout_id: int, number: int):
    """The stored version as a FHIR R4 Bundle (its exact PDF inside), for the clinic's electronic record."""
    export = handouts.version_fhir(get_session(), current_actor(), handout_id, number, catalog()) or abort(404)
    return send_file(io.BytesIO(export.data), mimetype="application/fhir+json", as_attachment=True,
                     download_name=export.filename, max_age=0)


def _show(handout_id: int, *, issued: IssuedLink | None = None, said: str = "",
          email_form: EmailLinkForm | None = None, status: int = 200):
    handout = get_handout(get_session(), current_clinic(), handout_id) or abort(404)
    latest = handout.versions[-1]
    program = program_of(latest)
    names = [catalog().exercises[i.exercise].name if i.exercise in catalog().exercises else i.exercise
             for i in program.items]
    panel = patient_pages.links_panel(get_session(), current_actor(), handout.id)
    base = page_base()
    page = render_template(
        "handouts/show.html", handout=handout, latest=latest, exercise_names=names, panel=panel,
        issued=issued, issued_url=page_address(base, issued.token) if issued else "", entry_address=base + "/p",
        said=said, email_form=email_form or EmailLinkForm(formdata=None),
        mail_on=mail_settings(current_app.config) is not None, action_form=LinkActionForm(formdata=None))
    handouts.log_access(get_session(), current_actor(), "handout_view", handout.id)
    return page, status
