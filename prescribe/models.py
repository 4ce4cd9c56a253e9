"""Database models: clinics and the handouts they printed (every version kept, bytes and all)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Clinic(Base):
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

    handouts: Mapped[list[Handout]] = relationship(back_populates="clinic")


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
