"""Clinics: the default clinic, its branding on handouts and the logo it uploads."""

from __future__ import annotations

import io
import re
import tomllib
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from .db import transaction
from .handout import Branding
from .i18n import N_, Refusal
from .models import Clinic
from .translation_reviews import reviewed_translations

DEMO_CLINIC = {
    "slug": "demo",
    "name": "Riverside Physical Therapy",
    "address": "12 Mill Lane, Springfield",
    "phone": "555-0142",
    "website": "riverside-pt.example",
    "accent_colour": "#1d6fb8",
    "default_paper": "letter",
    "emergency_number": "911",
}
CLINIC_SETTINGS_FILE = "clinic.toml"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_DISPLAY_HEIGHT = 240  # px kept after re-encoding: sharp at 14 mm in print, small in the PDF


class LogoError(Refusal):
    """An uploaded logo that cannot be used; the message is shown next to the field."""


def default_clinic_settings(instance_path: Path) -> dict[str, str]:
    """The demo clinic, overridden by ``instance/clinic.toml`` when a clinic has one."""
    settings = dict(DEMO_CLINIC)
    path = instance_path / CLINIC_SETTINGS_FILE
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        settings.update({k: str(v) for k, v in data.items() if k in DEMO_CLINIC})
    return settings


def ensure_default_clinic(session: Session, instance_path: Path) -> Clinic:
    """The default clinic, created from the instance settings on first use."""
    clinic = session.scalars(select(Clinic).order_by(Clinic.id)).first()
    if clinic is None:
        with transaction(session):
            clinic = Clinic(**default_clinic_settings(instance_path))
            session.add(clinic)
    return clinic


def accent_of(session: Session, clinic_id: int) -> str:
    """The clinic's accent colour (figures drawn for it use it), read in a short transaction."""
    with transaction(session):
        accent = session.scalar(select(Clinic.accent_colour).where(Clinic.id == clinic_id))
    return accent or DEMO_CLINIC["accent_colour"]


def branding_for(clinic: Clinic) -> Branding:
    """The clinic as a handout shows it, with the translations its clinicians have checked."""
    session = object_session(clinic)
    return Branding(name=clinic.name, address=clinic.address, phone=clinic.phone,
                    website=clinic.website, accent_colour=clinic.accent_colour,
                    logo_png=clinic.logo_png, footer_line=clinic.footer_line or "",
                    emergency_number=clinic.emergency_number or "911",
                    reviewed_translations=reviewed_translations(session, clinic.id) if session else frozenset())


def process_logo(data: bytes, *, max_bytes: int, max_pixels: int) -> bytes:
    """Check an uploaded logo by its content and re-encode it as a small, clean PNG.

    Only PNG and JPEG are accepted whatever the file is called; metadata is dropped and the
    image is scaled down to what a printed header needs.
    """
    if len(data) > max_bytes:
        raise LogoError(N_("The logo is larger than %(kb)d KB. Please use a smaller file."), kb=max_bytes // 1024)
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels * max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("PNG", "JPEG"):
                    raise LogoError(N_("The logo must be a PNG or JPEG image."))
                if max(probe.size) > max_pixels:
                    raise LogoError(N_("The logo is larger than %(pixels)d pixels on a side."), pixels=max_pixels)
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image = opened.convert("RGBA")
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoError(N_("The logo is larger than %(pixels)d pixels on a side."), pixels=max_pixels) from None
    except UnidentifiedImageError:
        raise LogoError(N_("The logo must be a PNG or JPEG image.")) from None
    except (OSError, SyntaxError, ValueError):
        raise LogoError(N_("The logo file is damaged or incomplete. Please export it again.")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    if image.height > LOGO_DISPLAY_HEIGHT:
        width = max(1, round(image.width * LOGO_DISPLAY_HEIGHT / image.height))
        image = image.resize((width, LOGO_DISPLAY_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
