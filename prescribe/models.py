"""Database models: clinics, their users and sessions, and the handouts they printed.

Every row of clinic data carries (or hangs off a row that carries) ``clinic_id``; which clinic a
request may see is decided once, in :mod:`prescribe.web.context`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base

ROLES = {"admin": "Clinic admin", "therapist": "Therapist"}


def utcnow() -> datetime:
    """Now in UTC, naive (SQLite stores no zone; every timestamp in the database is UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


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

    handouts: Mapped[list[Handout]] = relationship(back_populates="clinic")
    users: Mapped[list[User]] = relationship(back_populates="clinic", order_by="User.email")


class User(Base):
    """A person who signs in: one account per person, in exactly one clinic."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    # Stored normalised (NFKC, case-folded), so one address cannot hold two accounts.
    email: Mapped[str] = mapped_column(String(254), unique=True)
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


class LoginThrottle(Base):
    """Failed sign-ins per account, in the database so every gunicorn worker sees one count.

    Keyed by a hash of the normalised email, whether or not an account has it, so a locked
    address says nothing about whether it exists.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class Handout(Base):
    """A program handed to one patient; each print of it is a :class:`HandoutVersion`."""

    __tablename__ = "handout"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    diagnosis_slug: Mapped[str] = mapped_column(String(80))
    diagnosis_name: Mapped[str] = mapped_column(String(120))
    patient_name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    clinic: Mapped[Clinic] = relationship(back_populates="handouts")
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
