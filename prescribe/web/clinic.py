"""Clinic settings: the branding printed on every handout (clinic admins only), and the logo."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from prescribe import webhooks
from prescribe.clinics import LogoError, process_logo
from prescribe.db import get_session, transaction

from .auth_forms import WebhookActionForm, WebhookForm
from .context import admin_required, current_clinic, record_audit
from .forms import ClinicForm

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
BRANDING_FIELDS = ("name", "address", "phone", "website", "footer_line", "accent_colour", "default_paper",
                   "default_layout", "default_language", "emergency_number")


# What the audit log names when a setting changes (the logo by whether it changed, not its bytes).
SETTING_LABELS = {"name": "name", "address": "address", "phone": "phone", "website": "website",
                  "footer_line": "footer line", "accent_colour": "accent colour", "default_paper": "paper size",
                  "default_layout": "layout", "default_greyscale": "greyscale",
                  "default_language": "handout language",
                  "emergency_number": "emergency number", "zero_phi": "zero-PHI mode", "logo_png": "logo",
                  "link_days": "days a link works", "link_to_newer": "link to the newest handout",
                  "share_progress": "progress sharing", "email_pdf": "PDF in emails"}


def _settings_of(clinic) -> dict[str, object]:
    return {name: getattr(clinic, name) for name in SETTING_LABELS}


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    clinic = current_clinic()
    form = ClinicForm(obj=clinic)
    if form.validate_on_submit():
        logo = None
        upload = form.logo.data
        if upload and getattr(upload, "filename", ""):
            try:
                logo = process_logo(upload.read(), max_bytes=current_app.config["LOGO_MAX_BYTES"],
                                    max_pixels=current_app.config["LOGO_MAX_PIXELS"])
            except LogoError as exc:
                form.logo.errors = [exc.in_words(_)]
                return render_template("clinic/settings.html", form=form, clinic=clinic), 422
        with transaction():
            before = _settings_of(clinic)
            for name in BRANDING_FIELDS:
                setattr(clinic, name, (getattr(form, name).data or "").strip())
            clinic.accent_colour = clinic.accent_colour.lower()
            clinic.zero_phi = bool(form.zero_phi.data)
            clinic.default_greyscale = bool(form.default_greyscale.data)
            clinic.link_days = form.link_days.data
            clinic.link_to_newer = bool(form.link_to_newer.data)
            clinic.share_progress = bool(form.share_progress.data)
            clinic.email_pdf = bool(form.email_pdf.data)
            if logo is not None:
                clinic.logo_png = logo
            elif form.remove_logo.data:
                clinic.logo_png = None
            changed = [label for name, label in SETTING_LABELS.items() if _settings_of(clinic)[name] != before[name]]
            if changed:
                record_audit("clinic_settings", "clinic", clinic.id, detail="changed: " + ", ".join(changed))
        flash(_("Clinic settings saved. New handouts use them."))
        return redirect(url_for("clinic.settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("clinic/settings.html", form=form, clinic=clinic), status


@bp.get("/logo.png")
def logo():
    """The signed-in user's clinic's logo (there is no way to name another clinic's)."""
    clinic = current_clinic()
    if not clinic.logo_png:
        return ("", 404)
    return current_app.response_class(clinic.logo_png, mimetype="image/png")


def _render_webhooks(form: WebhookForm | None = None, added: webhooks.NewWebhook | None = None, status: int = 200):
    clinic = current_clinic()
    session = get_session()
    return render_template("clinic/webhooks.html", clinic=clinic, form=form or WebhookForm(formdata=None),
                           action_form=WebhookActionForm(formdata=None), added=added,
                           hooks=webhooks.webhooks_of(session, clinic.id),
                           deliveries=webhooks.recent_deliveries(session, clinic.id),
                           events=webhooks.EVENTS, retries=len(webhooks.RETRY_AFTER)), status


@bp.get("/webhooks")
@admin_required
def webhooks_page():
    """The clinic's webhooks: where "handout printed" events go, and how the last deliveries went."""
    return _render_webhooks()


@bp.post("/webhooks")
@admin_required
def webhook_add():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _render_webhooks(form, status=422)
    try:
        with transaction() as db:
            added = webhooks.add_webhook(db, current_clinic().id, form.url.data or "", g.user.id,
                                         bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]))
            record_audit("webhook_create", "webhook", added.webhook.id)
    except webhooks.WebhookError as exc:
        form.url.errors = [*form.url.errors, exc.in_words(_)]
        return _render_webhooks(form, status=422)
    return _render_webhooks(added=added)


@bp.post("/webhooks/<int:webhook_id>/test")
@admin_required
def webhook_test(webhook_id: int):
    if not WebhookActionForm().validate_on_submit():
        return _render_webhooks(status=400)
    with transaction() as db:
        hook = webhooks.get_webhook(db, current_clinic().id, webhook_id) or abort(404)
        webhooks.send_test(db, hook)
    flash(_("A test event is on its way. Its delivery shows below in a moment (reload the page)."))
    return redirect(url_for("clinic.webhooks_page"))


@bp.post("/webhooks/<int:webhook_id>/remove")
@admin_required
def webhook_remove(webhook_id: int):
    if not WebhookActionForm().validate_on_submit():
        return _render_webhooks(status=400)
    with transaction() as db:
        hook = webhooks.get_webhook(db, current_clinic().id, webhook_id) or abort(404)
        webhooks.remove_webhook(db, hook)
        record_audit("webhook_remove", "webhook", webhook_id)
    flash(_("Webhook removed: nothing more is sent to it."))
    return redirect(url_for("clinic.webhooks_page"))
