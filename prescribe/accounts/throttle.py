"""Failed sign-ins, counted in the database so all gunicorn workers share the count.

Two counts, each a soft lock that ends by itself: per account (after ``max_failures`` failures
inside ``window`` the email address is locked for ``lock``, even for the right password) and per
client address (the network a request came from: many accounts tried from one place, the shape
of password spraying). The account count is keyed by a hash of the normalised email whether or
not an account exists, so a lock reveals nothing about which emails are real. Both counting
statements are single UPDATEs, safe when workers race.
"""

from __future__ import annotations

import hashlib
import ipaddress
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


@dataclass(frozen=True)
class SignInLimits:
    """The per-account and the per-address policy of one deployment."""

    account: ThrottlePolicy = ThrottlePolicy()
    address: ThrottlePolicy = ThrottlePolicy(max_failures=30)


def account_key(normalised_email: str) -> str:
    return hashlib.sha256(("login:" + normalised_email).encode("utf-8")).hexdigest()


def address_key(client_address: str) -> str:
    """The count of a client address: an IPv4 address, or an IPv6 address's /64 network.

    One IPv6 subscriber holds a whole /64 and can pick a new address for every request; counting
    per address would count nothing. Anything unparsable counts under its own text.
    """
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        text = client_address
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if isinstance(address, ipaddress.IPv6Address):
            text = str(ipaddress.IPv6Network(f"{address}/64", strict=False))
        else:
            text = str(address)
    return hashlib.sha256(("address:" + text).encode("utf-8")).hexdigest()


def is_locked(session: Session, key: str, now: datetime) -> bool:
    """True while the account or address behind ``key`` is locked after too many failures."""
    locked_until = session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key == key))
    return locked_until is not None and locked_until > now


def record_failure(session: Session, key: str, now: datetime, policy: ThrottlePolicy) -> bool:
    """Count one failure (a wrong password or second-factor code); True if ``key`` is now locked.

    The caller commits, also when the sign-in itself is refused.
    """
    cutoff = now - policy.window
    fresh_window = LoginThrottle.window_start < cutoff
    result = session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(
            failures=case((fresh_window, 1), else_=LoginThrottle.failures + 1),
            window_start=case((fresh_window, now), else_=LoginThrottle.window_start),
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
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
    return locked.rowcount > 0  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult


def record_success(session: Session, key: str) -> None:
    """A good sign-in clears the account's failures (never an address's: see users.authenticate)."""
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                    .values(failures=0, locked_until=None).execution_options(synchronize_session=False))
