"""Patient links: the address of a patient's own page of one printed version, and its short code.

A link is a random token (128 bits, upper-case base32 without padding: 26 characters, the QR
code's alphanumeric mode, so the code is smaller) and a short code to type from the sheet (10
characters of Crockford's base32, 50 bits, shown as ``K7QM2-XRT4P``). Only the SHA-256 of each is
stored in the links table. (The printed version's PDF carries its QR code and short code, as the
patient's sheet does: a reprint is the same sheet.) Guessing either is throttled per client
address (:func:`note_miss`); an unknown, expired and revoked link all look the same to the caller.

A version may have several links, one per way it went out: the QR code printed on it, each
email, each copied link. Each can be extended or revoked; re-issuing revokes one and makes a new
one for the same version. Functions take a session and plain values and never commit; the
views own the transaction and write the audit row in it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .accounts.throttle import ThrottlePolicy, address_key, is_locked, record_failure
from .audit import ALL_CLINICS
from .handout import PhoneLink
from .models import Clinic, Handout, HandoutVersion, PatientLink, ProgressEntry, utcnow

TOKEN_BYTES = 16
TOKEN_LENGTH = 26
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O or U to misread
CODE_LENGTH = 10
# What a mistyped code reads as: the letters Crockford's base32 leaves out, and spacing.
CODE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V", "-": None, " ": None, ".": None})
CHANNELS = {"print": "Printed QR code", "email": "Emailed", "copy": "Copied link"}
MIN_LINK_DAYS, MAX_LINK_DAYS = 1, 730
# Guessing: 40 unknown links or codes from one address in 15 minutes lock it out for 15 minutes. Only
# keys that match no link count (an old sheet's expired code is no guess), so patients behind one
# clinic Wi-Fi or mobile carrier address are not locked out by each other's old sheets.
GUESS_POLICY = ThrottlePolicy(max_failures=40, window=timedelta(minutes=15), lock=timedelta(minutes=15))
# A link works to the end of its last day wherever the patient is: until noon UTC the next day
# (midnight at UTC-12), so the date printed is never a day too generous or too short.
LAST_DAY_GRACE = timedelta(hours=36)


@dataclass(frozen=True)
class Secrets:
    """A link's token and short code, known only until they are printed or sent."""

    token: str
    code: str

    @property
    def code_display(self) -> str:
        return f"{self.code[:5]}-{self.code[5:]}"


@dataclass(frozen=True)
class LinkRow:
    """A link as the handout's page lists it."""

    id: int
    version_number: int
    channel: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    opens: int
    last_opened_at: datetime | None
    state: str  # "active" | "expired" | "revoked"

    @property
    def last_day(self) -> date:
        return works_until(self.expires_at)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)


@dataclass(frozen=True)
class Progress:
    """What a patient sent from their page, oldest day first (the clinic shares progress)."""

    days: tuple[tuple[date, int, int | None], ...]  # (day, sessions ticked, pain 0-10 or None)

    @property
    def days_logged(self) -> int:
        return sum(1 for _, sessions, _ in self.days if sessions > 0)

    @property
    def pain_scores(self) -> tuple[int, ...]:
        return tuple(pain for _, _, pain in self.days if pain is not None)


def new_secrets() -> Secrets:
    token = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii").rstrip("=")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return Secrets(token=token, code=code)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def normalise_token(text: str) -> str | None:
    """A token as typed or scanned (either case), or None if it cannot be one."""
    token = text.strip().upper()
    if len(token) != TOKEN_LENGTH or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in token):
        return None
    return token


def normalise_code(text: str) -> str | None:
    """A short code as typed: any case, dashes and spaces, O for 0, I or L for 1; None if it cannot be one."""
    code = text.upper().translate(CODE_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def phone_link(base_url: str, link: Secrets) -> PhoneLink:
    """What the handout prints for ``link`` on a server reached at ``base_url`` (``https://clinic.example``)."""
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}".upper()
    prefix = parts.path.rstrip("/")
    qr = f"{root}{prefix}/p/{link.token}" if prefix else f"{root}/P/{link.token}"
    return PhoneLink(qr_address=qr, entry_address=f"{parts.netloc}{prefix}/p", code=link.code_display)


def placeholder_link(base_url: str) -> PhoneLink:
    """What a preview shows where the printed copy's QR code and short code go (no link exists yet)."""
    parts = urlsplit(base_url)
    return PhoneLink(qr_address="", entry_address=f"{parts.netloc}{parts.path.rstrip('/')}/p", code="")


def page_address(base_url: str, token: str) -> str:
    """The page's address as a link in an email or to copy."""
    return f"{base_url.rstrip('/')}/p/{token}"


def link_days(clinic: Clinic) -> int:
    return min(max(clinic.link_days or 90, MIN_LINK_DAYS), MAX_LINK_DAYS)


def link_end(start: datetime, days: int) -> datetime:
    """When a link made at ``start`` stops, working ``days`` days: the end of that last day anywhere."""
    return datetime.combine((start + timedelta(days=days)).date(), time()) + LAST_DAY_GRACE


def works_until(expires_at: datetime) -> date:
    """The last day a link works, as the patient and the therapist read it."""
    return (expires_at - LAST_DAY_GRACE).date()


def store(session: Session, clinic: Clinic, version: HandoutVersion, link: Secrets, *, channel: str,
          user_id: int | None, now: datetime | None = None) -> PatientLink:
    """Keep ``link`` (its hashes) for ``version``, working for the clinic's number of days."""
    if channel not in CHANNELS:
        raise ValueError(f"channel: one of {', '.join(CHANNELS)}, not {channel!r}")
    now = now or utcnow()
    row = PatientLink(clinic_id=clinic.id, handout_id=version.handout_id, version_id=version.id,
                      token_hash=digest(link.token), code_hash=digest(link.code), created_at=now,
                      expires_at=link_end(now, link_days(clinic)), created_by=user_id, channel=channel)
    session.add(row)
    session.flush()
    return row


def links_of(session: Session, clinic: Clinic, handout_id: int, now: datetime | None = None) -> list[LinkRow]:
    """The handout's links, newest first."""
    now = now or utcnow()
    rows = session.execute(
        select(PatientLink, HandoutVersion.number).join(HandoutVersion, PatientLink.version_id == HandoutVersion.id)
        .where(PatientLink.clinic_id == clinic.id, PatientLink.handout_id == handout_id)
        .order_by(PatientLink.id.desc())
    ).all()
    return [LinkRow(id=link.id, version_number=number, channel=link.channel, created_at=link.created_at,
                    expires_at=link.expires_at, revoked_at=link.revoked_at, opens=link.opens,
                    last_opened_at=link.last_opened_at, state=_state(link, now)) for link, number in rows]


def get_link(session: Session, clinic: Clinic, handout_id: int, link_id: int) -> PatientLink | None:
    """The clinic's link ``link_id`` of handout ``handout_id``, or None (also another clinic's)."""
    return session.scalar(select(PatientLink).where(PatientLink.id == link_id, PatientLink.clinic_id == clinic.id,
                                                    PatientLink.handout_id == handout_id))


def extend(link: PatientLink, clinic: Clinic, now: datetime | None = None) -> None:
    """The link works the clinic's number of days from now (a revoked link stays revoked)."""
    if link.revoked_at is not None:
        raise ValueError("A revoked link cannot be extended: re-issue it.")
    link.expires_at = max(link.expires_at, link_end(now or utcnow(), link_days(clinic)))


def revoke(link: PatientLink, now: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()


def find_key(session: Session, key: str) -> PatientLink | None:
    """The link whose token or short code ``key`` is, whether it still works or not (None: no such key)."""
    if token := normalise_token(key):
        column, value = PatientLink.token_hash, digest(token)
    elif code := normalise_code(key):
        column, value = PatientLink.code_hash, digest(code)
    else:
        return None
    return session.scalar(select(PatientLink).where(column == value).execution_options(**{ALL_CLINICS: True}))


def is_working(link: PatientLink, now: datetime | None = None) -> bool:
    return _state(link, now or utcnow()) == "active"


def note_open(link: PatientLink, now: datetime | None = None) -> None:
    link.opens += 1
    link.last_opened_at = now or utcnow()


def newest_version(session: Session, link: PatientLink) -> HandoutVersion:
    """The newest version of the link's handout (the link's own, unless a newer one was printed)."""
    version = session.scalar(select(HandoutVersion).where(HandoutVersion.handout_id == link.handout_id)
                             .order_by(HandoutVersion.number.desc()).limit(1)
                             .execution_options(**{ALL_CLINICS: True}))
    assert version is not None  # a link hangs off a version of its handout
    return version


def guess_key(client_address: str) -> str:
    """The guessing count of a client address (an IPv6 address counts as its /64), apart from sign-ins."""
    return hashlib.sha256(("patient-link:" + address_key(client_address)).encode("ascii")).hexdigest()


def is_guessing(session: Session, client_address: str, now: datetime | None = None) -> bool:
    """True while this address is locked out after too many unknown links or codes."""
    return is_locked(session, guess_key(client_address), now or utcnow())


def note_miss(session: Session, client_address: str, now: datetime | None = None) -> bool:
    """Count an unknown, expired or revoked link or code; True if the address is now locked out."""
    return record_failure(session, guess_key(client_address), now or utcnow(), GUESS_POLICY)


def record_progress(session: Session, link: PatientLink, day: date, sessions: int, pain: int | None) -> None:
    """Keep one day of the patient's log (the clinic shares progress); the latest report of a day wins.

    One statement (insert, or update the day's row), so two reports of one day sent at once by a
    phone both land, whichever app server takes them.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    insert = dialect.insert(ProgressEntry).values(clinic_id=link.clinic_id, handout_id=link.handout_id,
                                                  link_id=link.id, day=day, sessions=sessions, pain=pain,
                                                  updated_at=now)
    session.execute(insert.on_conflict_do_update(index_elements=["link_id", "day"],
                                                 set_={"sessions": sessions, "pain": pain, "updated_at": now}))


def progress_of(session: Session, clinic: Clinic, handout_id: int, days: int = 28,
                today: date | None = None) -> Progress:
    """What the patient sent over the last ``days`` days, every link of the handout together."""
    since = (today or utcnow().date()) - timedelta(days=days - 1)
    rows = session.execute(
        select(ProgressEntry.day, func.max(ProgressEntry.sessions), func.max(ProgressEntry.pain))
        .where(ProgressEntry.clinic_id == clinic.id, ProgressEntry.handout_id == handout_id,
               ProgressEntry.day >= since)
        .group_by(ProgressEntry.day).order_by(ProgressEntry.day)
    ).all()
    return Progress(days=tuple((day, sessions or 0, pain) for day, sessions, pain in rows))


def version_of(session: Session, link: PatientLink) -> HandoutVersion:
    """The version the link opens (read across clinics: the patient's page has no signed-in clinic)."""
    version = session.scalar(select(HandoutVersion).where(HandoutVersion.id == link.version_id)
                             .execution_options(**{ALL_CLINICS: True}))
    assert version is not None
    return version


def clinic_of(session: Session, link: PatientLink) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.id == link.clinic_id).execution_options(**{ALL_CLINICS: True}))
    assert clinic is not None
    return clinic


def handout_of(session: Session, link: PatientLink) -> Handout:
    handout = session.scalar(select(Handout).where(Handout.id == link.handout_id)
                             .execution_options(**{ALL_CLINICS: True}))
    assert handout is not None
    return handout


def _state(link: PatientLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= now else "active"
