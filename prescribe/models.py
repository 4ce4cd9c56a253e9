"""Database models: clinics, their users, sessions and API tokens, patients, handouts, templates, the audit log.

Every row of clinic data carries (or hangs off a row that carries) ``clinic_id``; which clinic a
request may see is decided once, in :mod:`prescribe.web.context`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base

ROLES = {"admin": "Clinic admin", "therapist": "Therapist"}


def utcnow() -> datetime:
    """Now in UTC, naive (SQLite stores no zone; every timestamp in the database is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Clinic(Base):
    """A clinic: its branding on handouts, its users and its handouts."""

    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(120), default="")
    accent_colour: Mapped[str] = mapped_column(String(7), default="#1d6fb8")
    default_paper: Mapped[str] = mapped_column(String(10), default="letter")
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Added after the first release: the server default fills them in on older databases
    # (migration 0001 adopts databases from before migrations).
    footer_line: Mapped[str] = mapped_column(String(200), default="", server_default="")
    require_mfa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Zero-PHI: patient names are printed but never stored (not in patients, handouts or versions).
    zero_phi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Printed in "Call 911 now if" on every handout: 911, 999, 112, 000 ... (2 to 6 digits).
    emergency_number: Mapped[str] = mapped_column(String(6), default="911", server_default="911")
    # What new handouts print with unless the builder says otherwise (migration 0007).
    default_layout: Mapped[str] = mapped_column(String(10), default="standard", server_default="standard")
    default_greyscale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The language new handouts print in: "en", "es" or "en-es" (migration 0011); a diagnosis not
    # ready in Spanish prints in English.
    default_language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # The patient's page (migration 0008): how long a printed link works, whether a superseded
    # version's page links to the newest one, whether ticks and pain scores are sent to the clinic,
    # and whether an emailed link carries the PDF too.
    link_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    link_to_newer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    share_progress: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email_pdf: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    handouts: Mapped[list[Handout]] = relationship(back_populates="clinic")
    users: Mapped[list[User]] = relationship(back_populates="clinic", order_by="User.email")


class User(Base):
    """An account in exactly one clinic. One person (one address) may hold an account in each of
    several clinics (a therapist who works at two) and picks the clinic at sign-in."""

    __tablename__ = "user_account"
    # Unique per clinic only: a clinic admin adding an address learns nothing about other clinics.
    __table_args__ = (UniqueConstraint("clinic_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    # Stored normalised (NFKC, case-folded), so one address cannot hold two accounts in one clinic.
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(20), default="therapist")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    # The last TOTP time step accepted: a code is good once (no replay within its 30 s window).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)
    # The app's pages in this language ("en", "es"); "" follows the browser (web/interface_language.py).
    interface_language: Mapped[str] = mapped_column(String(10), default="", server_default="")

    clinic: Mapped[Clinic] = relationship(back_populates="users")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token; this row holds only its SHA-256.

    Checked on every request, so logging out, changing a password or being disabled ends the
    session on the server, whatever copy of the cookie is still around.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    # Password checked, second factor not yet: only the code page and sign-out are open.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # A TOTP secret being enrolled, kept here rather than in the (readable) cookie.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A user's key to the API (``/api/v1/``): it acts as that user, in their clinic, with its scope.

    The secret is shown once when it is made; only its SHA-256 is stored, so a copy of the database
    opens nothing. Revoking it, or disabling its user, stops it at once.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(10))  # read | read-write
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class Webhook(Base):
    """Where a clinic wants to hear of its handouts (``handout.printed``): an address and its signing secret.

    The secret signs every delivery (HMAC-SHA256), so it is kept as given: the receiver holds the
    same one. It is shown to the clinic's admins once, when the webhook is made.
    """

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    events: Mapped[str] = mapped_column(String(200), default="handout.printed")  # space-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class WebhookDelivery(Base):
    """One event for one webhook: sent until the receiver answers 2xx, retried with growing waits."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON sent (signed as bytes)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)  # a worker is sending it
    last_status: Mapped[int | None] = mapped_column(default=None)  # the receiver's HTTP status
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class TranslationReview(Base):
    """A clinic's clinician has read one content file's translation against its English and found it
    says the same. It is for that text only (``text_hash``): a later change to the translation needs a
    new review. Handouts of the clinic printing only reviewed texts carry no draft line."""

    __tablename__ = "translation_review"
    __table_args__ = (UniqueConstraint("clinic_id", "language", "file", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    file: Mapped[str] = mapped_column(String(200))  # "exercises/bridge.toml", as the catalog names it
    text_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the translation's text (Translation.text_hash)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    reviewer_name: Mapped[str] = mapped_column(String(120), default="")  # as it was when they signed it
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Failed sign-ins per account and per client address, so every gunicorn worker sees one count.

    Keyed by a hash of the normalised email (whether or not an account has it, so a locked email
    says nothing about whether it exists) or of the client address (prescribe.accounts.throttle).
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class Patient(Base):
    """A clinic's patient, holding only what a handout prints: name, reference number, affected side.

    In a zero-PHI clinic ``display_name`` stays empty: patients are known by reference only.
    """

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    reference: Mapped[str] = mapped_column(String(40), default="")  # the clinic's own number, if any
    affected_side: Mapped[str] = mapped_column(String(10), default="")
    # The language of the patient's last printed handout; the builder opens in it ("": none yet).
    language: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def label(self) -> str:
        """How pages name the patient: the name, else the reference, else the record number."""
        if self.display_name:
            return self.display_name
        return f"Ref. {self.reference}" if self.reference else f"Patient no. {self.id}"


class Handout(Base):
    """A program handed to one patient; each print of it is a :class:`HandoutVersion`."""

    __tablename__ = "handout"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    diagnosis_slug: Mapped[str] = mapped_column(String(80))
    diagnosis_name: Mapped[str] = mapped_column(String(120))
    # The name printed on the latest version ("" when none was, or in a zero-PHI clinic).
    patient_name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True, default=None)

    clinic: Mapped[Clinic] = relationship(back_populates="handouts")
    patient: Mapped[Patient | None] = relationship()
    versions: Mapped[list[HandoutVersion]] = relationship(
        back_populates="handout", order_by="HandoutVersion.number", cascade="all, delete-orphan"
    )


class HandoutVersion(Base):
    """One printed version: the tailored program as JSON and the exact PDF bytes handed over."""

    __tablename__ = "handout_version"
    __table_args__ = (UniqueConstraint("handout_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id"), index=True)
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    program_json: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(120))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int]

    handout: Mapped[Handout] = relationship(back_populates="versions")


@event.listens_for(HandoutVersion, "before_update")
@event.listens_for(HandoutVersion, "before_delete")
def _versions_are_never_changed(_mapper, _connection, version: HandoutVersion) -> None:
    """A printed version is what the patient holds: it is never changed or deleted.

    The database refuses too (triggers from migration 0002); this stops the ORM before it asks.
    """
    raise PermissionError(f"Handout version {version.id} was printed and cannot be changed or deleted.")


class PatientLink(Base):
    """The patient's own page of one printed version, reached by the QR code or the short code.

    Neither the token (128 random bits, in the QR code and the emailed link) nor the short code
    (typed from the sheet) is stored: only their SHA-256, so a copy of the database opens no page.
    A link ends at ``expires_at`` or when revoked; a re-issued link is a new row.
    """

    __tablename__ = "patient_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("handout_version.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)  # the user who printed or sent it
    channel: Mapped[str] = mapped_column(String(10), default="print")  # print | email | copy
    opens: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(default=None)

    version: Mapped[HandoutVersion] = relationship()


class ProgressEntry(Base):
    """One day of a patient's log sent from their page: sessions ticked and a 0-10 pain score.

    Written only when the clinic shares progress (``Clinic.share_progress``); else it stays on the phone.
    """

    __tablename__ = "progress_entry"
    __table_args__ = (UniqueConstraint("link_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("patient_link.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    pain: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RenderedPreview(Base):
    """A handout rendered moments ago for the builder's preview, shared by every app server.

    Download on any gunicorn process (or machine) hands back these bytes instead of rendering
    again. Rows live for minutes (``storage.PREVIEW_TTL``); zero-PHI clinics never write one,
    since a preview carries the patient's name.
    """

    __tablename__ = "rendered_preview"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), primary_key=True)
    render_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # handout.render_key()
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    page_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProgramTemplate(Base):
    """A program saved to start from ("FAI, weeks 1-4"): a user's own, or the clinic's (no owner)."""

    __tablename__ = "program_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True,
                                                 default=None)
    name: Mapped[str] = mapped_column(String(80))
    diagnosis_slug: Mapped[str] = mapped_column(String(80))
    program_json: Mapped[str] = mapped_column(Text)  # a Program without patient details or dates
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One line of the audit log: who did what to which record, when, from which address.

    Append-only and hash-chained (see :mod:`prescribe.audit`); ids are given by the chain, in
    order. No foreign keys: the log must outlive whatever it mentions, untouched.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]  # UTC
    clinic_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None: an unknown address
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20), default="")  # handout | patient | user | ""
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(200), default="")  # never a name or typed text
    ip: Mapped[str] = mapped_column(String(45), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, row: AuditEvent) -> None:
    raise PermissionError(f"Audit row {row.id} cannot be changed or deleted: the log is append-only.")
