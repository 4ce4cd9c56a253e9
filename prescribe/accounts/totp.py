"""Time-based one-time codes (RFC 6238) as an optional second factor, enrolled with a QR code.

A code is accepted one step either side of now (phone clocks drift) and only once: the accepted
time step is stored, and a code from that step or an earlier one is refused (ASVS 5: V6.5.1).
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

import pyotp
import segno

ISSUER = "Prescribe"
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an SVG ``data:`` URI for an ``<img>`` (CSP allows ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#1b1f24")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def accept_code(secret: str, code: str, last_step: int, now: datetime) -> int | None:
    """The time step ``code`` belongs to if it is valid and newer than ``last_step``, else None."""
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    current = totp.timecode(moment)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator shows at ``now`` (used by tests and the CLI)."""
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    return pyotp.TOTP(secret).at(moment)
