"""Per-user API tokens: made and revoked on "Your account", checked on every ``/api/v1/`` request.

A token acts as its user, in the user's clinic, with its scope: ``read`` or ``read-write``. Its
secret (``pst_`` and 256 random bits, URL-safe base64) is shown once when it is made; only its
SHA-256 is stored, so a copy of the database opens nothing. A revoked token, or one whose user is
disabled, stops working at once: :func:`authenticate` checks both on every request.

Each call owns its short transaction, its audit row included (as :mod:`prescribe.patient_pages`
does); call them outside any ``transaction()`` block. A secret is looked up across clinics (the
secret is the key, as a patient's link is), then the token keeps to its user's clinic. An address
that sends many unknown secrets waits (as for patients' links): :func:`authenticate` answers None.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .accounts.throttle import ThrottlePolicy, address_key, is_locked, record_failure
from .audit import ALL_CLINICS
from .db import transaction
from .models import ApiToken, User, utcnow

SCOPES = {"read": "Read", "read-write": "Read and write"}
PREFIX = "pst_"
SECRET_BYTES = 32  # 256 bits: 43 URL-safe base64 characters after the prefix
NAME_MAX = 60
# last_used_at is written at most this often per token, not on every request.
LAST_USED_STEP = timedelta(minutes=1)
# Unknown secrets from one address: 20 in 15 minutes lock it out for 15 minutes.
GUESS_POLICY = ThrottlePolicy(max_failures=20, window=timedelta(minutes=15), lock=timedelta(minutes=15))


@dataclass(frozen=True)
class TokenUse:
    """Who an API request acts as."""

    token_id: int
    user_id: int
    clinic_id: int
    scope: str  # "read" | "read-write"

    @property
    def can_write(self) -> bool:
        return self.scope == "read-write"


@dataclass(frozen=True)
class IssuedToken:
    """A token made just now: its secret is shown this once, never again."""

    token_id: int
    name: str
    secret: str


@dataclass(frozen=True)
class TokenRow:
    """A token as "Your account" lists it (never its secret or hash)."""

    id: int
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def scope_label(self) -> str:
        return SCOPES.get(self.scope, self.scope)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def digest(secret: str) -> str:
    """What the database keeps of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def issue(session: Session, user: User, name: str, scope: str, *, ip: str = "",
          now: datetime | None = None) -> IssuedToken:
    """Make a token for ``user`` in their clinic; the secret in the answer is the only copy.

    Raises ValueError for an empty or too long name, or a scope not in :data:`SCOPES` (the form
    refuses those first).
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"name: 1 to {NAME_MAX} characters")
    if scope not in SCOPES:
        raise ValueError(f"scope: one of {', '.join(SCOPES)}")
    secret = new_secret()
    with transaction(session):
        token = ApiToken(clinic_id=user.clinic_id, user_id=user.id, name=name, scope=scope,
                         token_hash=digest(secret), created_at=now or utcnow())
        session.add(token)
        session.flush()
        audit.record(session, "api_token_create", clinic_id=user.clinic_id, user_id=user.id,
                     object_type="api_token", object_id=token.id, detail=f"scope {scope}", ip=ip)
        return IssuedToken(token_id=token.id, name=name, secret=secret)


def revoke(session: Session, user: User, token_id: int, *, ip: str = "", now: datetime | None = None) -> bool:
    """Revoke one of ``user``'s own tokens; it stops working at once. False if it is not theirs
    (another user's, another clinic's, or none); revoking a revoked token again changes nothing."""
    with transaction(session):
        token = session.scalar(select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.clinic_id == user.clinic_id))
        if token is None:
            return False
        if token.revoked_at is None:
            token.revoked_at = now or utcnow()
            audit.record(session, "api_token_revoke", clinic_id=user.clinic_id, user_id=user.id,
                         object_type="api_token", object_id=token.id, ip=ip)
        return True


def tokens_of(session: Session, user: User) -> list[TokenRow]:
    """``user``'s tokens, newest first, revoked ones included."""
    tokens = session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.clinic_id == user.clinic_id).order_by(ApiToken.id.desc()))
    return [TokenRow(id=token.id, name=token.name, scope=token.scope, created_at=token.created_at,
                     last_used_at=token.last_used_at, revoked_at=token.revoked_at) for token in tokens]


def authenticate(session: Session, secret: str, client_address: str, *,
                 now: datetime | None = None) -> TokenUse | None:
    """Who the request bearing ``secret`` acts as; None for an unknown or revoked token, one whose
    user is disabled, or an address locked out after many unknown secrets (the caller cannot tell
    which). Notes the token's last use, at most once a minute."""
    now = now or utcnow()
    with transaction(session):
        guesses = _guess_key(client_address)
        if is_locked(session, guesses, now):
            return None
        if not secret.startswith(PREFIX) or len(secret) > 200:
            record_failure(session, guesses, now, GUESS_POLICY)
            return None
        row = session.execute(
            select(ApiToken, User.active).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(secret), User.clinic_id == ApiToken.clinic_id)
            .execution_options(**{ALL_CLINICS: True})).first()
        if row is None:
            record_failure(session, guesses, now, GUESS_POLICY)
            return None
        token, active = row
        if token.revoked_at is not None or not active:
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
            token.last_used_at = now
        return TokenUse(token_id=token.id, user_id=token.user_id, clinic_id=token.clinic_id, scope=token.scope)


def _guess_key(client_address: str) -> str:
    return hashlib.sha256(("api-token:" + address_key(client_address)).encode("ascii")).hexdigest()
