"""Deny by default: every request but the sign-in page and static files needs a live session.

Runs before every view (and before the CSRF check, so an anonymous request of any method is sent
to sign-in). The cookie carries only a random token; the server-side row decides whether it still
signs anyone in (idle 15 minutes, 12 hours at most, ended by sign-out, password change or disable).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from prescribe.accounts.sessions import Ended, SessionPolicy, load_session
from prescribe.accounts.throttle import SignInLimits, ThrottlePolicy
from prescribe.db import get_session, storage_trouble, transaction
from prescribe.models import utcnow

from .context import bind_request_to

SESSION_TOKEN_KEY = "sid"
SEEN_KEY = "seen"  # the time of the latest request, for the idle limit (accounts.sessions.last_activity)
ALWAYS_OPEN = {"static"}


def public(view):
    """Mark a view as open to anyone (the sign-in page); everything else needs a session."""
    view.is_public = True
    return view


def is_public(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return endpoint in ALWAYS_OPEN or bool(getattr(view, "is_public", False))


def public_endpoints(app: Flask) -> set[str]:
    """Every endpoint open without signing in (a test pins this set)."""
    return {e for e, view in app.view_functions.items() if e in ALWAYS_OPEN or getattr(view, "is_public", False)}


def session_policy() -> SessionPolicy:
    config = current_app.config
    return SessionPolicy(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                         absolute=timedelta(hours=config["SESSION_MAX_HOURS"]))


def sign_in_limits() -> SignInLimits:
    config = current_app.config
    window, lock = (timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
                    timedelta(minutes=config["LOGIN_LOCK_MINUTES"]))
    return SignInLimits(account=ThrottlePolicy(config["LOGIN_MAX_FAILURES"], window, lock),
                        address=ThrottlePolicy(config["LOGIN_ADDRESS_MAX_FAILURES"], window, lock))


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the start page (no open redirect)."""
    default = url_for("home.index")
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(c) < 33 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _seen() -> datetime | None:
    """The time of this browser's previous request, as the signed cookie carries it."""
    value = session.get(SEEN_KEY)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def _load_user() -> Ended | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token or not isinstance(token, str):
        return None
    db = get_session()
    now = utcnow()
    loaded = None
    try:
        with transaction(db):  # last_seen moved on (at most every 30 s), or the expired row deleted
            loaded = load_session(db, token, now, session_policy(), seen=_seen())
    except DBAPIError as error:
        if loaded is None or storage_trouble(error) is None:
            raise
        # The commit met a full or read-only disk: reading still works, the touch waits for it.
    row, ended = loaded
    if row is None:
        session.clear()
        return ended
    if request.endpoint != "static":  # a page's request counts; its CSS and script carry no new cookie
        session[SEEN_KEY] = round(now.replace(tzinfo=UTC).timestamp(), 3)
    bind_request_to(row)
    return None


def _gate(user, user_session) -> tuple[set[str], str] | None:
    """The only endpoints open to a session that still owes something, and where to send it."""
    if user_session.mfa_pending:
        return {"auth.mfa", "auth.logout"}, "auth.mfa"
    if user.clinic.require_mfa and not user.totp_secret:
        return {"account.mfa_setup", "auth.logout"}, "account.mfa_setup"
    if user.must_change_password:
        return {"account.index", "account.password", "auth.logout"}, "account.index"
    return None


def guard_request():
    """Load the signed-in user from the server-side session, then allow, gate or send to sign-in."""
    ended = _load_user()
    endpoint = request.endpoint
    if endpoint is None or is_public(endpoint):
        return None  # unknown URLs get their 404/405; the sign-in page is open
    user = g.get("user")
    if user is None:
        if ended in (Ended.IDLE, Ended.ABSOLUTE):
            flash(_("You were signed out after a period without activity. Please sign in again.")
                  if ended is Ended.IDLE else _("Your session reached its time limit. Please sign in again."))
        if request.headers.get("HX-Request") == "true":
            # A part of a page asked for by its script: the sign-in page must not be swapped into it.
            # 401 and no swap; the page keeps everything and says how to sign in again (builder.js).
            return "Signed out", 401, {"HX-Reswap": "none", "Cache-Control": "no-store"}
        next_path = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
        return redirect(url_for("auth.login", next=next_path if next_path != "/" else None))
    gate = _gate(user, g.user_session)
    if gate is not None and endpoint not in gate[0]:
        return redirect(url_for(gate[1]))
    return None


def register_guard(app: Flask) -> None:
    app.before_request(guard_request)
