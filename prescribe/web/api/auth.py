"""Who an API request acts as: a per-user token (``Authorization: Bearer pst_...``), never a cookie.

Each request is checked here before its view runs: the token must be live (not revoked, its user
active), its scope must allow the method (read: GET only), and the token must not have sent more
than :data:`RATE_LIMIT` requests in the last minute (shared by every worker, in the database). The
request is then bound to the token's clinic exactly as a signed-in page is (every query is scoped
to it) and logged in the audit log. Failures are problem details: 401, 403, 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import g, request

from prescribe import api_tokens
from prescribe.accounts.throttle import ThrottlePolicy, is_locked, record_failure
from prescribe.db import get_session, transaction
from prescribe.handouts import Actor
from prescribe.models import utcnow

from ..context import client_address
from ..guard import public
from .problems import problem

# 300 requests a minute per token; over it the token waits until the minute is out.
RATE_LIMIT = ThrottlePolicy(max_failures=300, window=timedelta(minutes=1), lock=timedelta(minutes=1))
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class ApiCaller:
    use: api_tokens.TokenUse
    actor: Actor


def current_caller() -> ApiCaller:
    return g.api_caller


def token_required(view=None, *, changes: bool = True):
    """Open to a valid token only (the sign-in guard steps aside: the token is the credential).

    A read token may send GET requests, and POSTs declared ``changes=False`` (checking or
    previewing a program, which keep nothing); everything else needs a read-write token.
    """
    if view is None:
        return lambda inner: _token_required(inner, changes)
    return _token_required(view, changes)


def _token_required(view, changes: bool):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="prescribe"'}
        if scheme.lower() != "bearer" or not secret.strip():
            return problem(401, "Send an API token: Authorization: Bearer <token> (make one under Your account).",
                           headers=challenge)
        session = get_session()
        use = api_tokens.authenticate(session, secret.strip(), client_address())
        if use is None:
            return problem(401, "This token is not valid: it was revoked, its user was disabled, or it is mistyped.",
                           headers=challenge)
        if changes and request.method not in READ_METHODS and use.scope != "read-write":
            return problem(403, "This token can only read. Make a read-and-write token to change anything.")
        now = utcnow()
        key = f"api-token:{use.token_id}"
        with transaction(session):
            if is_locked(session, key, now) or record_failure(session, key, now, RATE_LIMIT):
                return problem(429, f"Over {RATE_LIMIT.max_failures} requests a minute: wait a minute.",
                               headers={"Retry-After": "60"})
        g.clinic_id = use.clinic_id  # every query of this request keeps to the token's clinic
        g.api_caller = ApiCaller(use, Actor(clinic_id=use.clinic_id, user_id=use.user_id, ip=client_address()))
        with transaction(session):
            from prescribe import audit

            audit.record(session, "api_request", clinic_id=use.clinic_id, user_id=use.user_id, object_type="",
                         detail=f"token {use.token_id}: {request.method} {request.path}"[:200], ip=client_address())
        return view(*args, **kwargs)

    return public(wrapped)
