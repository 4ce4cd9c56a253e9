"""Server-side sessions: a random token in the signed cookie, its hash in ``user_session``.

Flask's cookie session alone cannot be revoked (security.md, trap 2). Here every request looks
its token up: a deleted row (logout, password change, disabled account) or a row past its idle or
absolute limit ends the session, whatever copy of the cookie is presented.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload

from prescribe.models import User, UserSession

# last_seen is written at most this often: fewer writes. The idle limit still holds to the second,
# because each request also hands back its time in the signed cookie (``seen``, see load_session).
TOUCH_EVERY = timedelta(seconds=30)

# Every request runs this lookup: built once (with the user and their clinic, which every request
# needs next for the sign-in gates and the clinic scope), so only the token's digest changes.
_SESSION_BY_DIGEST = (select(UserSession).where(UserSession.id == bindparam("digest"))
                      .options(joinedload(UserSession.user).joinedload(User.clinic)))


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=12)


class Ended(Enum):
    """Why a presented session token no longer signs anyone in."""

    UNKNOWN = "unknown"  # never existed, or ended by sign-out, password change or an admin
    IDLE = "idle"
    ABSOLUTE = "absolute"
    DISABLED = "disabled"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, now: datetime, *, mfa_pending: bool = False) -> str:
    """A new session for ``user``; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, last_seen=now,
                            mfa_pending=mfa_pending))
    return token


def last_activity(row: UserSession, seen: datetime | None, now: datetime) -> datetime:
    """When the session was last used: ``last_seen`` (written at most every TOUCH_EVERY), or the
    time of the latest request, ``seen``, which the signed cookie carries back, when that is later.

    Only the server writes ``seen`` and only at a request, so a client can present an older one
    (its session then ends sooner), never a later one; one from the future or from before the
    session began is ignored.
    """
    if seen is not None and row.last_seen < seen <= now:
        return seen
    return row.last_seen


def load_session(session: Session, token: str, now: datetime, policy: SessionPolicy,
                 seen: datetime | None = None) -> tuple[UserSession | None, Ended | None]:
    """The live session for ``token``, or None and the reason it ended (expired rows are deleted).

    ``seen`` is the time of this browser's previous request (from the signed cookie): idleness is
    counted from it, so the session ends exactly at the idle limit, not up to TOUCH_EVERY early.
    """
    row = session.scalar(_SESSION_BY_DIGEST, {"digest": _digest(token)})
    if row is None:
        return None, Ended.UNKNOWN
    reason = None
    if not row.user.active:
        reason = Ended.DISABLED
    elif now - row.created_at > policy.absolute:
        reason = Ended.ABSOLUTE
    elif now - last_activity(row, seen, now) > policy.idle:
        reason = Ended.IDLE
    if reason is not None:
        session.delete(row)
        return None, reason
    if now - row.last_seen > TOUCH_EVERY:
        row.last_seen = now
    return row, None


def end_session(session: Session, row: UserSession) -> None:
    """Sign-out: the row goes, so the cookie is worthless everywhere."""
    session.execute(delete(UserSession).where(UserSession.id == row.id)
                    .execution_options(synchronize_session=False))


def end_user_sessions(session: Session, user: User, *, keep: UserSession | None = None) -> int:
    """End every session of ``user`` (but ``keep``): after a password change, disable or reset."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult
