"""The audit log: who did what to which record, when and from where; append-only and chained.

Every sign-in (and failed one), sign-out, and every view, print, edit and export of a patient's
handout adds one row. Rows hold ids, never a patient's name or anything typed into a form. Each
row carries the SHA-256 of the previous row's hash and its own content, so editing, removing or
reordering any row breaks the chain from there on: :func:`verify_chain` (``flask --app wsgi
audit-check``) finds it. The database refuses UPDATE and DELETE on the table (triggers), and the
ORM refuses before it asks.

Rows are appended one writer at a time: on SQLite every transaction already holds the write lock
(BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock makes concurrent appends wait,
so two app servers never chain onto the same row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from .i18n import N_
from .models import AuditEvent, Handout, utcnow

GENESIS = "0" * 64
# Execution option: this query reads across clinics (web.context's per-request scope steps aside).
ALL_CLINICS = "all_clinics"
APPEND_LOCK_KEY = 7_305_221_641  # PostgreSQL advisory lock held while a row is chained on

# What each action is called on the log page (N_: its words are translated where they are shown).
ACTIONS = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Failed sign-in"),
    "sign_out": N_("Signed out"),
    "patient_view": N_("Viewed a patient"),
    "patient_create": N_("Added a patient"),
    "patient_update": N_("Edited a patient"),
    "handout_view": N_("Viewed a handout"),
    "handout_preview": N_("Previewed a handout"),
    "handout_edit": N_("Opened a handout to progress it"),
    "handout_print": N_("Printed a new version"),
    "handout_export": N_("Downloaded a stored version"),
    "handout_fhir_export": N_("Downloaded a stored version as FHIR"),
    "patient_page_open": N_("A patient opened their page"),
    "link_issue": N_("Made a link to a patient's page"),
    "link_extend": N_("Extended a patient's link"),
    "link_revoke": N_("Revoked a patient's link"),
    "link_email": N_("Emailed a link to a patient"),
    "link_email_failed": N_("Could not email a link to a patient"),
    "backup": N_("Made a backup"),
    "restore": N_("Restored a backup"),
    "audit_export": N_("Downloaded the audit log"),
    "user_create": N_("Added a user"),
    "user_disable": N_("Disabled a user"),
    "user_enable": N_("Re-enabled a user"),
    "password_reset": N_("Reset a user's password"),
    "second_factor_reset": N_("Removed a user's authenticator app"),
    "second_factor_rule": N_("Changed the clinic's second-factor rule"),
    "clinic_settings": N_("Changed the clinic's settings"),
    "password_change": N_("Changed their password"),
    "interface_language": N_("Changed the language of their pages"),
    "translation_review": N_("Marked a translation checked"),
    "second_factor_on": N_("Turned on their second factor"),
    "second_factor_off": N_("Turned off their second factor"),
    "api_token_create": N_("Made an API token"),
    "api_token_revoke": N_("Revoked an API token"),
    "api_request": N_("Used the API"),
    "webhook_create": N_("Added a webhook"),
    "webhook_remove": N_("Removed a webhook"),
}
# The "From" of what a server operator did with a flask command (no user, no address).
COMMAND_LINE = "command line"
CSV_COLUMNS = ("When (UTC)", "Who", "User id", "What", "Action", "Record", "Record id", "Detail", "From")


def canonical(event: AuditEvent) -> str:
    """The row's content as hashed: fixed keys, sorted, no spaces; the time to the microsecond."""
    return json.dumps({
        "id": event.id, "at": event.at.isoformat(timespec="microseconds"), "clinic_id": event.clinic_id,
        "user_id": event.user_id, "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "detail": event.detail, "ip": event.ip,
    }, sort_keys=True, separators=(",", ":"))


def row_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, clinic_id: int | None, user_id: int | None,
           object_type: str = "", object_id: int | None = None, detail: str = "", ip: str = "",
           at: datetime | None = None) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (the caller commits)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
    last = session.execute(select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc())
                           .limit(1).execution_options(**{ALL_CLINICS: True})).first()
    prev_hash = last.row_hash if last else GENESIS
    event = AuditEvent(id=(last.id if last else 0) + 1, at=(at or utcnow()).replace(tzinfo=None),
                       clinic_id=clinic_id, user_id=user_id, action=action, object_type=object_type,
                       object_id=object_id, detail=detail[:200], ip=(ip or "")[:45], prev_hash=prev_hash)
    event.row_hash = row_hash(prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole log in order and recompute every link; the first broken row, if any."""
    prev_hash, expected_id, rows = GENESIS, 1, 0
    last_id = 0
    while True:
        events = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                                 .order_by(AuditEvent.id).limit(batch)).all()
        if not events:
            return ChainReport(rows)
        for event in events:
            rows += 1
            if event.id != expected_id:
                return ChainReport(rows, event.id, f"row {expected_id} is missing (next is {event.id})")
            if event.prev_hash != prev_hash:
                return ChainReport(rows, event.id, "does not link to the row before it")
            if event.row_hash != row_hash(prev_hash, event):
                return ChainReport(rows, event.id, "its content does not match its hash (edited)")
            prev_hash, expected_id, last_id = event.row_hash, event.id + 1, event.id
        session.expunge_all()  # a long log is read in batches, not held in memory


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the log to; every field optional."""

    action: str = ""
    user_id: int | None = None
    object_type: str = ""
    object_id: int | None = None
    patient_id: int | None = None  # the patient's own events and those of their handouts
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # paging: rows older than this one


def clinic_events(session: Session, clinic_id: int, wanted: AuditFilter, limit: int = 100) -> list[AuditEvent]:
    """The clinic's events matching ``wanted``, newest first."""
    statement = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if wanted.action:
        statement = statement.where(AuditEvent.action == wanted.action)
    if wanted.user_id is not None:
        statement = statement.where(AuditEvent.user_id == wanted.user_id)
    if wanted.object_type:
        statement = statement.where(AuditEvent.object_type == wanted.object_type)
    if wanted.object_id is not None:
        statement = statement.where(AuditEvent.object_id == wanted.object_id)
    if wanted.patient_id is not None:
        handouts = select(Handout.id).where(Handout.clinic_id == clinic_id, Handout.patient_id == wanted.patient_id)
        statement = statement.where(or_(
            and_(AuditEvent.object_type == "patient", AuditEvent.object_id == wanted.patient_id),
            and_(AuditEvent.object_type == "handout", AuditEvent.object_id.in_(handouts))))
    if wanted.since is not None:
        statement = statement.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        statement = statement.where(AuditEvent.at < wanted.until)
    if wanted.before_id is not None:
        statement = statement.where(AuditEvent.id < wanted.before_id)
    return list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit)))


def actor_label(event: AuditEvent, user_names: Mapping[int, str]) -> str:
    """Who did it, as the log page and its CSV name them."""
    if event.user_id:
        return user_names.get(event.user_id, f"User {event.user_id}")
    return N_("Server command") if event.ip == COMMAND_LINE else N_("Unknown address")


def events_csv(events: Iterable[AuditEvent], user_names: Mapping[int, str]) -> str:
    """``events`` as CSV for a spreadsheet: one row each, the columns of the log page plus raw codes.

    A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, tab
    or carriage return, as a user's name can) is written with a leading apostrophe, so opening the
    export never executes anything (OWASP, "CSV injection").
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([_cell(value) for value in (
            event.at.isoformat(sep=" ", timespec="seconds"), actor_label(event, user_names), event.user_id or "",
            ACTIONS.get(event.action, event.action), event.action, event.object_type,
            event.object_id or "", event.detail, event.ip)])
    return out.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
