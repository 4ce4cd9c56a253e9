"""Passwords: argon2id hashing, the length and common-password policy, generated passwords.

argon2-cffi's ``PasswordHasher()`` defaults (argon2id, t=3, m=64 MiB, p=4) meet ASVS 5.0
Appendix C; Werkzeug's default scrypt does not (security.md, trap 1).
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Readable generated passwords: no 0/O or 1/l/I to misread when a clinic admin reads one out.
GENERATED_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_hasher = PasswordHasher()


class PasswordPolicyError(ValueError):
    """A new password that the policy refuses; the message is shown next to the field."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with the library's (ASVS-compliant) defaults."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash used weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


def spend_verify_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown email costs as long as a wrong password."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased (see the file's header for its source)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_new_password(password: str, *, email: str = "") -> None:
    """Refuse a new password that is too short, too long, common or built from the email.

    No composition rules (ASVS 2.1.9): any characters, spaces and emoji count, compared exactly
    as typed; length is counted in characters.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(_l("Use at least %(min)d characters. A few words in a row work well.",
                                     min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(_l("Use at most %(max)d characters.", max=MAX_LENGTH))
    lowered = password.lower()
    # The core is what is left once the digits and symbols people pad with are stripped.
    core = re.sub(r"[\W\d_]+$", "", re.sub(r"^[\W\d_]+", "", lowered))
    if lowered in common_passwords() or lowered.strip() in common_passwords() or core in common_passwords():
        raise PasswordPolicyError(_l("This password is too common and easy to guess. Please choose another."))
    if len(set(password)) <= 2:
        raise PasswordPolicyError(_l("This password repeats the same characters. Please choose another."))
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and (local_part in lowered or lowered in email.lower()):
        raise PasswordPolicyError(_l("Do not build your password from your email address."))


def generate_password(length: int = 16) -> str:
    """A random password for a new or reset account, shown once and never stored in clear."""
    chars = "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(length))
    return "-".join(chars[i:i + 4] for i in range(0, length, 4))
