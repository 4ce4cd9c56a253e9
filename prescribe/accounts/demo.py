"""The demo clinic's admin login for local development (``make run``), never in production.

The password is generated, stored only as a hash in the database, printed once when created and
written to ``instance/demo_login.txt`` (mode 0600) so ``make run`` can show it at every start.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from prescribe.models import Clinic, User

from . import passwords
from .users import create_user

DEMO_EMAIL = "demo@riverside-pt.example"
DEMO_LOGIN_FILE = "demo_login.txt"


def demo_login_path(instance: Path) -> Path:
    return instance / DEMO_LOGIN_FILE


def ensure_demo_login(session: Session, clinic: Clinic, instance: Path) -> tuple[str, str] | None:
    """Create the demo admin (or renew its password if the login file is gone).

    Returns ``(email, password)`` when a password was just set, None when nothing changed.
    Does nothing when the demo clinic already has other users: someone set the clinic up.
    """
    path = demo_login_path(instance)
    demo = session.scalar(select(User).where(User.email == DEMO_EMAIL, User.clinic_id == clinic.id))
    if demo is None:
        if session.scalar(select(User.id).where(User.clinic_id == clinic.id)) is not None:
            return None
        password = passwords.generate_password()
        create_user(session, clinic, DEMO_EMAIL, password, role="admin", name="Demo admin")
    elif not path.exists():
        password = passwords.generate_password()
        demo.password_hash = passwords.hash_password(password)
    else:
        return None
    write_demo_login(path, DEMO_EMAIL, password)
    return DEMO_EMAIL, password


def write_demo_login(path: Path, email: str, password: str) -> None:
    """Write the login readable by its owner only (0600), replacing any older file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(f"{email} {password}\n")


def read_demo_login(instance: Path) -> tuple[str, str] | None:
    path = demo_login_path(instance)
    if not path.exists():
        return None
    email, _, password = path.read_text(encoding="utf-8").strip().partition(" ")
    return email, password
