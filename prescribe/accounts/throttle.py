"""Failed sign-ins per account, counted in the database so all gunicorn workers share the count.

After ``max_failures`` failures inside ``window`` the address is locked for ``lock``, even for the
right password (a soft lock that ends by itself). Counting is keyed by a hash of the normalised
email whether or not an account exists, so a lock reveals nothing about which addresses are real.
Both counting statements are single UPDATEs, safe when workers race.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prescribe.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


def throttle_key(normalised_email: str) -> str:
    return hashlib.sha256(("login:" + normalised_email).encode("utf-8")).hexdigest()


def is_locked(session: Session, normalised_email: str, now: datetime) -> bool:
    """True while the address is locked after too many failures."""
    locked_until = session.scalar(select(LoginThrottle.locked_until)
                                  .where(LoginThrottle.key == throttle_key(normalised_email)))
    return locked_until is not None and locked_until > now


def record_failure(session: Session, normalised_email: str, now: datetime, policy: ThrottlePolicy) -> bool:
    """Count one failure (a wrong password or second-factor code); True if the address is now locked.

    The caller commits, also when the sign-in itself is refused.
    """
    key = throttle_key(normalised_email)
    cutoff = now - policy.window
    fresh_window = LoginThrottle.window_start < cutoff
    result = session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(
            failures=case((fresh_window, 1), else_=LoginThrottle.failures + 1),
            window_start=case((fresh_window, now), else_=LoginThrottle.window_start),
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(key=key, failures=1, window_start=now))
        except IntegrityError:  # another worker inserted the row first: count on it
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                            .values(failures=LoginThrottle.failures + 1)
                            .execution_options(synchronize_session=False))
    locked = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.failures >= policy.max_failures)
        .values(locked_until=now + policy.lock, failures=0, window_start=now)
        .execution_options(synchronize_session=False)
    )
    return locked.rowcount > 0


def record_success(session: Session, normalised_email: str) -> None:
    """A good sign-in clears the address's failures."""
    session.execute(update(LoginThrottle).where(LoginThrottle.key == throttle_key(normalised_email))
                    .values(failures=0, locked_until=None).execution_options(synchronize_session=False))
