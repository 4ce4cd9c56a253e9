"""Clinics and their users: create, authenticate, change passwords, disable, reset.

Services take a SQLAlchemy session and plain values and never commit: the view or command that
called them commits once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prescribe.db import transaction
from prescribe.models import ROLES, Clinic, User, UserSession, utcnow

from . import passwords, sessions, throttle, totp

EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 254


class AccountError(ValueError):
    """A request the account rules refuse; the message is shown next to ``field`` when given."""

    def __init__(self, message: str | LazyString, field: str | None = None):
        super().__init__(message)
        self.field = field


class SignIn(Enum):
    OK = "ok"
    NEEDS_CODE = "needs_code"  # password right; the second factor is next
    REFUSED = "refused"  # unknown address, wrong password or disabled: one answer for all
    CHOOSE_CLINIC = "choose_clinic"  # the password opens accounts in several clinics: which one?
    LOCKED = "locked"  # this account, after too many failures
    ADDRESS_LOCKED = "address_locked"  # every account, from this client address


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    user: User | None = None
    # CHOOSE_CLINIC: the clinics whose account this address and password open (the person's own).
    clinics: tuple[Clinic, ...] = ()


def normalise_email(email: str) -> str:
    """NFKC and case-folded, so ``Ann@Clinic.example`` and ``ann@clinic.example`` are one account."""
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


def valid_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX and EMAIL_SHAPE.match(email) is not None


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
                  .decode("ascii").lower()).strip("-")
    return slug[:60] or "clinic"


def create_clinic(session: Session, name: str, slug: str | None = None) -> Clinic:
    """A new clinic with default branding; the slug must be unused."""
    name = name.strip()
    if not name:
        raise AccountError("Give the clinic a name.")
    slug = slugify(slug or name)
    if session.scalar(select(Clinic.id).where(Clinic.slug == slug)) is not None:
        raise AccountError(f"A clinic with the slug {slug!r} already exists.")
    clinic = Clinic(slug=slug, name=name[:120])
    session.add(clinic)
    session.flush()
    return clinic


def clinic_by_slug(session: Session, slug: str) -> Clinic | None:
    return session.scalar(select(Clinic).where(Clinic.slug == slug))


def create_user(session: Session, clinic: Clinic, email: str, password: str, *, role: str = "therapist",
                name: str = "", must_change_password: bool = False) -> User:
    """A new account in ``clinic``; the password must pass the policy. Raises AccountError."""
    email = normalise_email(email)
    if not valid_email(email):
        raise AccountError(_l("Enter an email address like name@clinic.example."), field="email")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    try:
        passwords.check_new_password(password, email=email)
    except passwords.PasswordPolicyError as exc:
        raise AccountError(str(exc), field="password") from None
    user = User(clinic_id=clinic.id, email=email, name=name.strip()[:80], role=role,
                password_hash=passwords.hash_password(password), must_change_password=must_change_password)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # Unique per clinic (the database's check). Another clinic's account with this address
        # is no obstacle and is never mentioned: that would tell this clinic it exists.
        raise AccountError(_l("That email address already has an account in this clinic."), field="email") from None
    return user


def authenticate(session: Session, email: str, password: str, now: datetime,
                 limits: throttle.SignInLimits, client_address: str, clinic_id: int | None = None) -> SignInResult:
    """Check an email and password, counting failures per account and per client address.

    One address may hold accounts in several clinics, each with its own password. The password is
    checked against each; when it opens more than one and ``clinic_id`` does not pick one of them,
    the answer is CHOOSE_CLINIC with those clinics (the person's own: they just proved it). The
    failure counts are per address, whichever clinics' accounts it holds.

    A right password clears the account's count but not the address's: whoever holds one
    account could otherwise sign in to it between guesses at others. Caller commits the writes either
    way (call it outside a ``transaction()`` block).

    Commits the reads before checking the password: the hash takes a deliberate 0.1 s or more of
    CPU, and on SQLite every transaction holds the write lock, so a sign-in would make every other
    worker's request wait for its hash (16 sign-ins at once on a slow machine made one wait past
    the 5 s busy timeout).
    """
    email = normalise_email(email)
    account, address = throttle.account_key(email), throttle.address_key(client_address)
    with transaction(session):  # the users stay loaded (no expiry on commit); the writes below are short
        if throttle.is_locked(session, address, now):
            return SignInResult(SignIn.ADDRESS_LOCKED)
        if throttle.is_locked(session, account, now):
            return SignInResult(SignIn.LOCKED)
        users = users_by_email(session, email)
        for each in users:
            each.clinic  # noqa: B018 - loaded now, with the reads, not after the commit
    if not users:
        passwords.spend_verify_time(password)
    opened = [user for user in users if passwords.verify_password(user.password_hash, password) and user.active]
    if clinic_id is not None and any(user.clinic_id == clinic_id for user in opened):
        opened = [user for user in opened if user.clinic_id == clinic_id]
    if len(opened) > 1:
        return SignInResult(SignIn.CHOOSE_CLINIC, clinics=tuple(user.clinic for user in opened))
    user = opened[0] if opened else None
    if user is None:
        account_locked = throttle.record_failure(session, account, now, limits.account)
        address_locked = throttle.record_failure(session, address, now, limits.address)
        if address_locked:
            return SignInResult(SignIn.ADDRESS_LOCKED)
        return SignInResult(SignIn.LOCKED if account_locked else SignIn.REFUSED)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.totp_secret:
        # The count is cleared only once the code is right too, or signing in again would
        # reset it and allow endless guessing of codes.
        return SignInResult(SignIn.NEEDS_CODE, user)
    throttle.record_success(session, account)
    user.last_sign_in_at = now
    return SignInResult(SignIn.OK, user)


def check_second_factor(session: Session, user: User, code: str, now: datetime,
                        limits: throttle.SignInLimits) -> SignIn:
    """OK for a fresh valid code; a wrong one counts as a failed sign-in of the account."""
    account = throttle.account_key(user.email)
    if throttle.is_locked(session, account, now):
        return SignIn.LOCKED
    step = totp.accept_code(user.totp_secret or "", code, user.totp_last_step, now)
    # Claim the step in one UPDATE, so two workers handed the same code cannot both accept it.
    claimed = step is not None and session.execute(
        update(User).where(User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount == 1  # type: ignore[attr-defined]  # CursorResult
    if not claimed or step is None:
        locked = throttle.record_failure(session, account, now, limits.account)
        return SignIn.LOCKED if locked else SignIn.REFUSED
    user.totp_last_step = step
    user.last_sign_in_at = now
    throttle.record_success(session, account)
    return SignIn.OK


def change_password(session: Session, user: User, current: str, new: str, *,
                    keep: UserSession | None) -> None:
    """Set a new password after checking the current one; every other session of the user ends."""
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(_l("Your current password is not correct."), field="current_password")
    if new == current:
        raise AccountError(_l("Choose a password different from the current one."), field="new_password")
    set_password(session, user, new)
    user.must_change_password = False
    sessions.end_user_sessions(session, user, keep=keep)


def set_password(session: Session, user: User, new: str) -> None:
    """Hash and store a new password that passes the policy (raises AccountError otherwise)."""
    try:
        passwords.check_new_password(new, email=user.email)
    except passwords.PasswordPolicyError as exc:
        raise AccountError(str(exc), field="new_password") from None
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()


def reset_password(session: Session, user: User) -> str:
    """A generated password, changed at next sign-in; every session ends, any sign-in lock lifts.

    For a clinic admin's reset of a user, and for the server command that lets a locked-out admin in.
    """
    password = passwords.generate_password()
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    sessions.end_user_sessions(session, user)
    throttle.record_success(session, throttle.account_key(user.email))  # a sign-in lock ends too
    return password


def set_active(session: Session, acting: User, user: User, active: bool) -> None:
    """Disable (ending every session at once) or re-enable an account of the admin's clinic."""
    if user.id == acting.id and not active:
        raise AccountError(_l("You cannot disable your own account."))
    if not active and user.is_admin and _active_admins(session, user.clinic_id) <= 1:
        raise AccountError(_l("A clinic needs at least one active clinic admin."))
    user.active = active
    if not active:
        sessions.end_user_sessions(session, user)


def reset_second_factor(session: Session, user: User) -> None:
    """Remove a user's authenticator (a lost phone); they enrol again at next sign-in if required."""
    user.totp_secret = None
    user.totp_last_step = 0
    sessions.end_user_sessions(session, user)


def enrol_second_factor(user: User, secret: str, code: str, now: datetime) -> bool:
    """Turn the second factor on once the person proves their app shows the right code."""
    step = totp.accept_code(secret, code, 0, now)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    return True


def remove_second_factor(user: User, password: str, code: str, now: datetime) -> None:
    """The user turns their own second factor off, proving both factors; not when the clinic requires it."""
    if user.clinic.require_mfa:
        raise AccountError(_l("Your clinic requires a second factor for everyone."))
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError(_l("Your current password is not correct."), field="password")
    step = totp.accept_code(user.totp_secret or "", code, user.totp_last_step, now)
    if step is None:
        raise AccountError(_l("That code is not right. Enter the 6 digits your app shows now."), field="code")
    user.totp_secret = None
    user.totp_last_step = 0


def set_clinic_mfa_requirement(acting: User, required: bool) -> None:
    """Require (or stop requiring) a second factor for the whole clinic."""
    if required and not acting.totp_secret:
        raise AccountError(_l("Turn on your own second factor first, on your account page."))
    acting.clinic.require_mfa = required


def users_by_email(session: Session, email: str) -> list[User]:
    """The accounts with this address, one per clinic at most (for signing in, and for attributing
    a failed sign-in to each of them)."""
    email = normalise_email(email)
    if not valid_email(email):
        return []
    return list(session.scalars(select(User).where(User.email == email).order_by(User.clinic_id)))


def clinic_users(session: Session, clinic: Clinic) -> list[User]:
    """The clinic's users, admins first."""
    return list(session.scalars(select(User).where(User.clinic_id == clinic.id)
                                .order_by(User.role, User.email)))


def clinic_user(session: Session, clinic: Clinic, user_id: int) -> User | None:
    """The clinic's user with this id, or None (also for another clinic's user)."""
    return session.scalar(select(User).where(User.id == user_id, User.clinic_id == clinic.id))


def _active_admins(session: Session, clinic_id: int) -> int:
    return session.scalar(select(func.count(User.id)).where(
        User.clinic_id == clinic_id, User.role == "admin", User.active.is_(True))) or 0
