"""Signing in and out: email and password, then the second factor when the user has one.

One answer for an unknown address, a wrong password and a disabled account; a new session id at
every sign-in (the old cookie, and its CSRF token, are dropped); sign-out is a POST that deletes
the server-side session.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from prescribe.accounts import sessions as user_sessions
from prescribe.accounts.users import SignIn, authenticate, check_second_factor, users_by_email
from prescribe.db import get_session, transaction
from prescribe.models import User, utcnow

from .auth_forms import CodeForm, LoginForm
from .context import client_address, parse_id, record_audit
from .guard import SESSION_TOKEN_KEY, public, safe_next, sign_in_limits

bp = Blueprint("auth", __name__, url_prefix="/auth")
log = logging.getLogger(__name__)

REFUSED = _l("That email and password do not match an account. Please check them and try again.")
LOCKED = _l("Too many attempts to sign in to this account. For its safety, signing in is paused "
            "for 15 minutes. Please try again later or ask your clinic admin.")
ADDRESS_LOCKED = _l("Too many failed attempts to sign in from this network. For safety, signing in from "
                    "here is paused for 15 minutes. Please try again later.")
CHOOSE_CLINIC = _l("Your address has an account in more than one clinic. Choose the clinic to sign in to "
                   "and enter your password again.")
REFUSALS = {SignIn.REFUSED: (REFUSED, 422), SignIn.LOCKED: (LOCKED, 429),
            SignIn.ADDRESS_LOCKED: (ADDRESS_LOCKED, 429)}


def start_signed_in_session(user: User, *, mfa_pending: bool = False) -> None:
    """Drop the old session (cookie, CSRF token and all) and start a new one for ``user``."""
    with transaction() as db:
        old = g.pop("user_session", None)
        if old is not None:
            user_sessions.end_session(db, old)
        token = user_sessions.start_session(db, user, utcnow(), mfa_pending=mfa_pending)
    session.clear()
    session[SESSION_TOKEN_KEY] = token


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if g.get("user") is not None and not g.user_session.mfa_pending:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    db = get_session()
    # Ends its reads before the password hash; what it writes (the counts) is committed below.
    result = authenticate(db, form.email.data, form.password.data, utcnow(), sign_in_limits(), client_address(),
                          clinic_id=parse_id(form.clinic.data))
    refusal = REFUSALS.get(result.outcome)
    with transaction(db):  # failures are counted (and logged) even though the sign-in is refused
        if refusal:
            # Attributed to each account the address has (one per clinic, each clinic's log sees its
            # own); the typed address is never logged.
            holders: list[User | None] = [*users_by_email(db, form.email.data)] or [None]
            for holder in holders:
                record_audit("sign_in_failed", detail=result.outcome.value, user=holder)
        elif result.outcome is SignIn.OK:
            assert result.user is not None  # an OK result carries its user
            record_audit("sign_in", "user", result.user.id, user=result.user)
    if result.outcome is SignIn.CHOOSE_CLINIC:
        form.clinic.choices = [("", _("Choose your clinic"))] + [(str(c.id), c.name) for c in result.clinics]
        form.clinic.errors = [str(CHOOSE_CLINIC)]
        return render_template("auth/login.html", form=form), 200
    if refusal:
        log.info("Sign-in refused (%s)", result.outcome.value)
        message, status = refusal
        form.form_errors.append(str(message))
        return render_template("auth/login.html", form=form), status
    assert result.user is not None  # OK and NEEDS_CODE results carry their user
    start_signed_in_session(result.user, mfa_pending=result.outcome is SignIn.NEEDS_CODE)
    log.info("Sign-in: password accepted for user %s", result.user.id)
    next_path = request.args.get("next")
    if result.outcome is SignIn.NEEDS_CODE:
        return redirect(url_for("auth.mfa", next=safe_next(next_path)))
    return redirect(safe_next(next_path))


@bp.route("/code", methods=["GET", "POST"])
def mfa():
    """The second step for users with an authenticator app; nothing else is open until it passes."""
    if not g.user_session.mfa_pending:
        return redirect(safe_next(request.args.get("next")))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/mfa.html", form=form), 422 if form.is_submitted() else 200
    with transaction() as db:
        outcome = check_second_factor(db, g.user, form.code.data, utcnow(), sign_in_limits())
        if outcome is SignIn.OK:
            record_audit("sign_in", "user", g.user.id, detail="with second factor")
        else:
            record_audit("sign_in_failed", "user", g.user.id, detail=f"second factor {outcome.value}")
    if outcome is SignIn.LOCKED:
        with transaction(db):
            user_sessions.end_session(db, g.user_session)
        session.clear()
        flash(str(LOCKED))
        return redirect(url_for("auth.login"))
    if outcome is SignIn.REFUSED:
        form.code.errors.append(_("That code is not right, or was already used. Enter the code your app shows now."))
        return render_template("auth/mfa.html", form=form), 422
    start_signed_in_session(g.user)  # a fresh session id for the fully signed-in session
    log.info("Sign-in: second factor accepted for user %s", g.user.id)
    return redirect(safe_next(request.args.get("next")))


@bp.get("/still-signed-in")
def still_signed_in():
    """For a page left open: this session's CSRF token, or (from the guard) the way to sign in.

    The builder asks before it sends its form, so a session that ended while the page sat idle
    costs the therapist a sign-in in another tab, never the changes on the page; after that
    sign-in the page takes the new session's token from here.
    """
    return {"csrf_token": generate_csrf()}


@bp.post("/logout")
def logout():
    """End the session on the server: a copy of the cookie signs nobody in afterwards."""
    with transaction() as db:
        user_sessions.end_session(db, g.user_session)
        record_audit("sign_out", "user", g.user.id)
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))
