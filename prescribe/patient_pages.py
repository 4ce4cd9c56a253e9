"""The patient's own page: opening it by link or code, what the patient sends back, and the links
a therapist manages (issue, extend, revoke, re-issue).

Each call owns its short transaction, its audit row included (as :mod:`prescribe.handouts` does);
call them outside any ``transaction()`` block. They take plain values and return plain data.
Opening a page needs no account: the link is the key, so every lookup reads across clinics and
then keeps to the link's own clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from . import audit, patient_links
from .clinics import branding_for
from .db import transaction
from .handout import Branding
from .handouts import Actor
from .mail import LinkEmail, MailError, MailSettings, compose_link_email, send
from .models import Clinic, PatientLink, utcnow
from .patient_links import LinkRow, Progress, Secrets
from .programs import Program
from .storage import get_handout, latest_version, program_of

MAX_SESSIONS_A_DAY = 10


class LinkRevoked(Exception):
    """A revoked link stays revoked: it cannot be extended (re-issue it instead)."""


class Guessing(Exception):
    """This address tried too many unknown links or codes: it waits before trying again."""


@dataclass(frozen=True)
class PatientPage:
    """What the patient's page shows: the printed program, the clinic, and what the clinic allows."""

    key: str                 # the token or short code the page was opened with (its address)
    link_id: int
    branding: Branding
    program: Program
    version_number: int
    newest_number: int       # the handout's newest version (more than version_number: superseded)
    showing_newest: bool     # a superseded link showing the newest program (the clinic links to it)
    link_to_newer: bool
    share_progress: bool
    printed_on: date
    expires_on: date

    @property
    def superseded(self) -> bool:
        return self.newest_number > self.version_number and not self.showing_newest


@dataclass(frozen=True)
class IssuedLink:
    """A link made just now: its address and code can be shown or sent this once, never again."""

    link_id: int
    token: str
    code: str
    expires_on: date


def open_page(session: Session, key: str, client_address: str, *, newest: bool = False, counted: bool = True,
              now: datetime | None = None) -> PatientPage | None:
    """The page behind ``key`` (a token or short code), counted and logged; None for any link that
    does not work (unknown, expired, revoked: the caller cannot tell which). Raises :class:`Guessing`.

    With ``newest`` a superseded link shows its handout's newest version, if the clinic allows it.
    An opening is counted and logged unless ``counted`` is false (the page keeping its offline copy).
    """
    now = now or utcnow()
    with transaction(session):
        link = _find(session, key, client_address, now)
        if link is None:
            return None
        clinic = patient_links.clinic_of(session, link)
        version = patient_links.version_of(session, link)
        newest_version = patient_links.newest_version(session, link)
        showing_newest = newest and clinic.link_to_newer and newest_version.number > version.number
        shown = newest_version if showing_newest else version
        if counted:
            patient_links.note_open(link, now)
            audit.record(session, "patient_page_open", clinic_id=clinic.id, user_id=None, object_type="handout",
                         object_id=link.handout_id, detail=f"link {link.id}, version {shown.number}",
                         ip=client_address)
        return PatientPage(key=key, link_id=link.id, branding=branding_for(clinic), program=program_of(shown),
                           version_number=version.number, newest_number=newest_version.number,
                           showing_newest=showing_newest, link_to_newer=clinic.link_to_newer,
                           share_progress=clinic.share_progress, printed_on=version.created_at.date(),
                           expires_on=patient_links.works_until(link.expires_at))


def send_progress(session: Session, key: str, client_address: str, day: date, sessions: int,
                  pain: int | None, *, now: datetime | None = None) -> bool:
    """Keep one day of the patient's log, if the link works and the clinic shares progress.

    False when it was not kept (the link does not work, or the clinic keeps progress on the
    phone). ``day`` must be within a week of today: a phone's clock may be off a day, not a year.
    """
    now = now or utcnow()
    if not 0 <= sessions <= MAX_SESSIONS_A_DAY or (pain is not None and not 0 <= pain <= 10):
        raise ValueError("sessions: 0 to 10; pain: 0 to 10 or none")
    if abs((day - now.date()).days) > 7:
        raise ValueError("day: within a week of today")
    with transaction(session):
        link = _find(session, key, client_address, now)
        if link is None:
            return False
        if not patient_links.clinic_of(session, link).share_progress:
            return False
        patient_links.record_progress(session, link, day, sessions, pain)
        return True


@dataclass(frozen=True)
class LinksPanel:
    """A handout's links and what its patient sent, for the handout's page."""

    links: tuple[LinkRow, ...]
    progress: Progress | None  # None: the clinic keeps progress on the phone
    link_days: int

    def printed_code_works(self, version_number: int) -> bool | None:
        """Whether the QR code printed on that version still opens its page (None: it printed none)."""
        printed = [link for link in self.links if link.channel == "print" and link.version_number == version_number]
        return any(link.state == "active" for link in printed) if printed else None


def links_panel(session: Session, actor: Actor, handout_id: int) -> LinksPanel | None:
    with transaction(session):
        clinic = _clinic(session, actor)
        if get_handout(session, clinic, handout_id) is None:
            return None
        progress = patient_links.progress_of(session, clinic, handout_id) if clinic.share_progress else None
        return LinksPanel(tuple(patient_links.links_of(session, clinic, handout_id)), progress,
                          patient_links.link_days(clinic))


def issue_link(session: Session, actor: Actor, handout_id: int, *, channel: str,
               replacing: int | None = None) -> IssuedLink | None:
    """A new link to the handout's newest version (``channel``: email or copy), or, ``replacing``
    a link, one to that link's version, the old link revoked. None if the clinic has no such handout or link."""
    now = utcnow()
    with transaction(session):
        clinic = _clinic(session, actor)
        handout = get_handout(session, clinic, handout_id)
        if handout is None:
            return None
        version = latest_version(handout)
        if replacing is not None:
            old = patient_links.get_link(session, clinic, handout_id, replacing)
            if old is None:
                return None
            patient_links.revoke(old, now)
            version = patient_links.version_of(session, old)
        secrets = patient_links.new_secrets()
        link = patient_links.store(session, clinic, version, secrets, channel=channel, user_id=actor.user_id,
                                   now=now)
        detail = f"link {link.id}, version {version.number}" + (f", replacing link {replacing}" if replacing else "")
        _audit(session, actor, "link_issue", handout_id, detail)
        return _issued(link, secrets)


def change_link(session: Session, actor: Actor, handout_id: int, link_id: int, action: str) -> LinkRow | None:
    """``extend`` (the clinic's number of days from now) or ``revoke`` a link; None if there is no such link."""
    with transaction(session):
        clinic = _clinic(session, actor)
        link = patient_links.get_link(session, clinic, handout_id, link_id)
        if link is None:
            return None
        if action == "extend":
            if link.revoked_at is not None:
                raise LinkRevoked()
            patient_links.extend(link, clinic)
        elif action == "revoke":
            patient_links.revoke(link)
        else:
            raise ValueError(f"action: extend or revoke, not {action!r}")
        _audit(session, actor, f"link_{action}", handout_id, f"link {link.id}")
        return next(row for row in patient_links.links_of(session, clinic, handout_id) if row.id == link.id)


@dataclass(frozen=True)
class Emailed:
    """A link made and emailed; ``error`` says why the mail server did not take it ("" when it did)."""

    issued: IssuedLink
    error: str = ""


def email_link(session: Session, actor: Actor, handout_id: int, to: str, settings: MailSettings,
               page_base: str) -> Emailed | None:
    """Make a link to the handout's newest version and email it to ``to`` (with the PDF if the clinic
    allows it). The address is used for this message only: never stored, never logged. The link
    is made even if the mail server fails, so the therapist can copy it instead. None if the
    clinic has no such handout."""
    issued = issue_link(session, actor, handout_id, channel="email")
    if issued is None:
        return None
    with transaction(session):
        clinic = _clinic(session, actor)
        handout = get_handout(session, clinic, handout_id)
        assert handout is not None
        version = latest_version(handout)
        email = LinkEmail(to=to, clinic_name=clinic.name, clinic_phone=clinic.phone, clinic_address=clinic.address,
                          accent_colour=clinic.accent_colour, logo_png=clinic.logo_png,
                          url=patient_links.page_address(page_base, issued.token), code=issued.code,
                          expires_on=issued.expires_on, emergency_number=clinic.emergency_number or "911",
                          pdf=version.pdf if clinic.email_pdf else None, pdf_filename=version.filename,
                          code_url=page_base.rstrip("/") + "/p", language=program_of(version).language)
    error = ""
    try:
        send(settings, compose_link_email(email, settings.sender))
    except MailError as exc:
        error = str(exc)
    with transaction(session):
        _audit(session, actor, "link_email_failed" if error else "link_email", handout_id, f"link {issued.link_id}")
    return Emailed(issued, error)


def _find(session: Session, key: str, client_address: str, now: datetime) -> PatientLink | None:
    """The working link ``key`` opens, or None (the caller cannot tell why). A key that matches no
    link at all counts as a guess; an address that guessed too often waits (:class:`Guessing`)
    whatever it asks, so a hit after many misses is refused too."""
    if patient_links.is_guessing(session, client_address, now):
        raise Guessing()
    link = patient_links.find_key(session, key)
    if link is None:
        patient_links.note_miss(session, client_address, now)
        return None
    return link if patient_links.is_working(link, now) else None


def _issued(link: PatientLink, secrets: Secrets) -> IssuedLink:
    return IssuedLink(link_id=link.id, token=secrets.token, code=secrets.code_display,
                      expires_on=patient_links.works_until(link.expires_at))


def _clinic(session: Session, actor: Actor) -> Clinic:
    clinic = session.get(Clinic, actor.clinic_id)
    if clinic is None:
        raise LookupError(f"No clinic {actor.clinic_id}")
    return clinic


def _audit(session: Session, actor: Actor, action: str, handout_id: int, detail: str) -> None:
    audit.record(session, action, clinic_id=actor.clinic_id, user_id=actor.user_id, object_type="handout",
                 object_id=handout_id, detail=detail, ip=actor.ip)
