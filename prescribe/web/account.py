"""The signed-in user's own account: change the password, turn the second factor on or off, and
make or revoke API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from prescribe import api_tokens
from prescribe.accounts import totp
from prescribe.accounts.users import AccountError, change_password, enrol_second_factor, remove_second_factor
from prescribe.db import get_session, transaction
from prescribe.models import utcnow

from .auth import start_signed_in_session
from .auth_forms import (
    ApiTokenForm,
    ChangePasswordForm,
    EnrolForm,
    InterfaceLanguageForm,
    RemoveSecondFactorForm,
    RevokeTokenForm,
)
from .context import client_address, record_audit

bp = Blueprint("account", __name__, url_prefix="/account")


def _render_index(password_form=None, remove_form=None, token_form=None, issued=None, status: int = 200,
                  language_form=None):
    language_form = language_form or InterfaceLanguageForm(formdata=None, language=g.user.interface_language)
    password_form = password_form or ChangePasswordForm(formdata=None, email=g.user.email)
    remove_form = remove_form or RemoveSecondFactorForm(formdata=None)
    token_form = token_form or ApiTokenForm(formdata=None)
    return render_template("account/index.html", user=g.user, password_form=password_form,
                           remove_form=remove_form, token_form=token_form, revoke_form=RevokeTokenForm(formdata=None),
                           tokens=api_tokens.tokens_of(get_session(), g.user), issued=issued,
                           scopes=api_tokens.SCOPES, language_form=language_form), status


@bp.get("/")
def index():
    return _render_index()


@bp.post("/language")
def language():
    """The language of the app's pages for this user (the handout's language is chosen per handout)."""
    form = InterfaceLanguageForm()
    if not form.validate_on_submit():
        return _render_index(language_form=form, status=422)
    with transaction():
        g.user.interface_language = form.language.data or ""
        record_audit("interface_language", "user", g.user.id, detail=g.user.interface_language or "browser")
    refresh()  # the flash below and the next page in the new language
    flash(_("The app now shows its pages in this language."))
    return redirect(url_for("account.index"))


@bp.post("/password")
def password():
    """Needs the current password; every other session of the user ends, this one gets a new id."""
    form = ChangePasswordForm(email=g.user.email)
    if not form.validate_on_submit():
        return _render_index(password_form=form, status=422)
    try:
        with transaction() as db:
            change_password(db, g.user, form.current_password.data, form.new_password.data, keep=None)
            record_audit("password_change", "user", g.user.id)
    except AccountError as exc:
        form[exc.field or "current_password"].errors.append(str(exc))
        return _render_index(password_form=form, status=422)
    start_signed_in_session(g.user)
    flash(_("Your password is changed. You were signed out everywhere else."))
    return redirect(url_for("home.index"))


@bp.route("/second-factor", methods=["GET", "POST"])
def mfa_setup():
    """Enrol an authenticator app: scan the QR code, then type one code to prove it works."""
    db = get_session()
    if g.user.totp_secret:
        flash(_("Your second factor is already on."))
        return redirect(url_for("account.index"))
    if not g.user_session.pending_totp_secret:
        # Kept in the server-side session row, not the cookie, until a code proves the app has it.
        with transaction(db):
            g.user_session.pending_totp_secret = totp.new_secret()
    secret = g.user_session.pending_totp_secret
    form = EnrolForm()
    if form.validate_on_submit():
        if enrol_second_factor(g.user, secret, form.code.data, utcnow()):
            with transaction(db):  # with the secret enrol_second_factor set on the user
                g.user_session.pending_totp_secret = None
                record_audit("second_factor_on", "user", g.user.id)
            flash(_("Your second factor is on. You will enter a code from your app at every sign-in."))
            return redirect(url_for("account.index"))
        form.code.errors.append(_("That code is not right. "
                                  "Check the app shows Prescribe and enter the code it shows now."))
    uri = totp.provisioning_uri(secret, g.user.email)
    return render_template("account/mfa_setup.html", form=form, qr=totp.qr_svg_data_uri(uri),
                           secret=totp.grouped(secret)), 422 if form.is_submitted() else 200


@bp.post("/second-factor/remove")
def mfa_remove():
    form = RemoveSecondFactorForm()
    if not form.validate_on_submit():
        return _render_index(remove_form=form, status=422)
    try:
        with transaction():
            remove_second_factor(g.user, form.password.data, form.code.data, utcnow())
            record_audit("second_factor_off", "user", g.user.id)
    except AccountError as exc:
        form[exc.field or "code"].errors.append(str(exc))
        return _render_index(remove_form=form, status=422)
    flash(_("Your second factor is off."))
    return redirect(url_for("account.index"))


@bp.post("/api-tokens")
def new_token():
    """Make an API token; its secret is on this response only."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_index(token_form=form, status=422)
    issued = api_tokens.issue(get_session(), g.user, form.name.data, form.scope.data, ip=client_address())
    return _render_index(issued=issued)


@bp.post("/api-tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of the user's own tokens; another's, or another clinic's, is a 404."""
    if not RevokeTokenForm().validate_on_submit():
        return _render_index(status=400)
    api_tokens.revoke(get_session(), g.user, token_id, ip=client_address()) or abort(404)
    flash(_("Token revoked: it no longer works."))
    return redirect(url_for("account.index"))
