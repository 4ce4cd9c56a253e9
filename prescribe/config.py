"""Configuration: defaults in code, ``PRESCRIBE_*`` environment overrides, fail fast when unsafe."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    # "development" generates a local secret key on first start; "production" requires one.
    "ENV_NAME": "development",
    # Default: a SQLite file in the instance folder. PostgreSQL: postgresql://user:pass@host/db
    # (served by psycopg 3), for several app servers on one database.
    "DATABASE_URL": None,
    "CONTENT_ROOT": None,  # default: exercises_db/ at the top of the repository
    "POSTGRES_BIN": None,  # folder of pg_dump/pg_restore for `backup`/`restore` (default: the PATH)
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "LOGO_MAX_BYTES": 1024 * 1024,
    "LOGO_MAX_PIXELS": 2000,
    # Session cookie: Secure everywhere but local http development (None = decide from ENV_NAME),
    # then named __Host-session so no subdomain can set or read it.
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_NAME": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # The cookie's signature expires with the absolute limit; the server-side session row
    # enforces both limits (accounts.sessions).
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "SESSION_IDLE_MINUTES": 15,
    "SESSION_MAX_HOURS": 12,
    # Per account, shared by every worker: 10 failures in 15 minutes lock it for 15 minutes.
    # Per client address (all accounts together), 30 failures lock sign-in from it the same way;
    # behind a proxy this needs TRUSTED_PROXIES, or every client shares the proxy's address.
    "LOGIN_MAX_FAILURES": 10,
    "LOGIN_ADDRESS_MAX_FAILURES": 30,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_LOCK_MINUTES": 15,
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    # Where patients reach this server (https://clinic.example): the QR code on every printed
    # handout and emailed links lead there. Empty: the address the therapist's request came to.
    "PUBLIC_URL": "",
    "HANDOUT_MAX_PAGES": 20,  # a full 20-exercise program with every advice section is 17
    # Per worker, the layouts of handouts' shared part kept for the next patient on the same program
    # (prescribe/handout/layouts.py), about 7 MB each; 0 turns the cache off. Warm: each gunicorn
    # worker lays out every diagnosis's default program in each clinic's paper size as it starts.
    "HANDOUT_LAYOUT_CACHE_MB": 200,
    "HANDOUT_WARM_LAYOUTS": True,
    # How many reverse proxies (nginx, a load balancer) stand in front of the app and set
    # X-Forwarded-For and X-Forwarded-Proto. 0 ignores those headers: anyone can send them, and
    # the audit log must record the address that really connected.
    "TRUSTED_PROXIES": 0,
    # The host names the app answers to (a list, or "a.example,b.example" from the environment; a
    # leading dot allows every subdomain). Any other Host header gets a plain 400. Default: loopback.
    "ALLOWED_HOSTS": None,
    # Outgoing mail, for emailing a patient the link to their program (prescribe/mail.py). No host:
    # the app offers no email. Security is "starttls" (port 587 by default), "ssl" (465) or "none"
    # (25; a relay on the same machine only). The sign-in is optional; FROM is required with a host.
    "SMTP_HOST": None,
    "SMTP_PORT": None,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_FROM": None,
    # Webhooks may reach only public https addresses; True also allows http and addresses inside
    # private networks (a receiver on the same machine or LAN). prescribe/webhooks.py
    "WEBHOOK_ALLOW_PRIVATE": False,
}

SECRET_KEY_FILE = "secret_key"


class ConfigError(RuntimeError):
    """The app is configured in a way that must not start."""


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config``, then check it."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("PRESCRIBE")
        _smtp_text_as_typed(app)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'prescribe.sqlite'}"
    app.config["DATABASE_URL"] = database_url(app.config["DATABASE_URL"])
    _session_cookie(app)
    _ensure_secret_key(app)
    _trusted_proxies(app)
    _allowed_hosts(app)
    _public_url(app)
    _smtp(app)
    _layout_cache(app)


def database_url(url: str) -> str:
    """``url`` with PostgreSQL served by psycopg 3, the driver pinned in requirements.txt.

    ``postgres://`` and ``postgresql://`` (as hosting platforms write them) would otherwise ask
    SQLAlchemy for psycopg2, which is not installed.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _session_cookie(app: Flask) -> None:
    """Secure (and ``__Host-`` named) unless this is local http development."""
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["ENV_NAME"] != "development"
    elif isinstance(app.config["SESSION_COOKIE_SECURE"], str):  # from the environment
        app.config["SESSION_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    if not app.config["SESSION_COOKIE_NAME"]:
        app.config["SESSION_COOKIE_NAME"] = "__Host-session" if app.config["SESSION_COOKIE_SECURE"] else "session"
    if not app.config["SESSION_COOKIE_SECURE"] and app.config["ENV_NAME"] == "production":
        raise ConfigError("SESSION_COOKIE_SECURE cannot be off in production: serve the app over HTTPS.")


def _layout_cache(app: Flask) -> None:
    size = app.config["HANDOUT_LAYOUT_CACHE_MB"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 <= size <= 8192:
        raise ConfigError(f"HANDOUT_LAYOUT_CACHE_MB must be a number of megabytes from 0 (off) to 8192, not {size!r}.")
    if not isinstance(app.config["HANDOUT_WARM_LAYOUTS"], bool):
        raise ConfigError(f"HANDOUT_WARM_LAYOUTS must be true or false, not {app.config['HANDOUT_WARM_LAYOUTS']!r}.")


def _trusted_proxies(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 5:
        raise ConfigError(f"TRUSTED_PROXIES must be a whole number from 0 to 5 (the proxies in front "
                          f"of the app), not {hops!r}.")


def _allowed_hosts(app: Flask) -> None:
    from .web.hosts import host_name, trusted_hosts

    hosts = trusted_hosts(app.config["ALLOWED_HOSTS"])
    bad = [host for host in hosts if host_name(host.lstrip(".")) is None and ":" not in host]
    if not hosts or bad:
        raise ConfigError(f"ALLOWED_HOSTS must list this server's host names (like clinic.example), not "
                          f"{app.config['ALLOWED_HOSTS']!r}.")
    app.config["ALLOWED_HOSTS"] = hosts


def _public_url(app: Flask) -> None:
    url = str(app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if url and (not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?", url)
                or (url.startswith("http://") and app.config["ENV_NAME"] == "production")):
        raise ConfigError(f"PUBLIC_URL must be this server's address as patients reach it, like "
                          f"https://clinic.example (https in production), not {url!r}.")
    app.config["PUBLIC_URL"] = url


SMTP_TEXT_KEYS = ("SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM")


def _smtp_text_as_typed(app: Flask) -> None:
    """The SMTP text settings exactly as the environment holds them.

    ``from_prefixed_env`` reads each value as JSON first, so a password of ``12345`` would become a
    number and ``null`` or ``1e5`` would change; passwords and user names are text, whatever they look like.
    """
    for key in SMTP_TEXT_KEYS:
        value = os.environ.get(f"PRESCRIBE_{key}")
        if value is not None:
            app.config[key] = value


def _smtp(app: Flask) -> None:
    """With a mail host, the security, port and sender must make sense; without one, mail is off."""
    if not app.config["SMTP_HOST"]:
        return
    from .mail import DEFAULT_PORTS, valid_address

    security = app.config["SMTP_SECURITY"]
    if isinstance(security, str):
        security = app.config["SMTP_SECURITY"] = security.strip().lower()
    if security not in DEFAULT_PORTS:
        raise ConfigError(f"SMTP_SECURITY must be starttls, ssl or none, not {security!r}.")
    port = app.config["SMTP_PORT"]
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        raise ConfigError(f"SMTP_PORT must be a port number from 1 to 65535 (usually 587 or 465), not {port!r}.")
    if not app.config["SMTP_FROM"]:
        raise ConfigError("SMTP_FROM is not set: with SMTP_HOST set, give the address patient emails come "
                          "from (like clinic@clinic.example).")
    if not valid_address(str(app.config["SMTP_FROM"])):
        raise ConfigError(f"SMTP_FROM must be one email address (like clinic@clinic.example), not "
                          f"{app.config['SMTP_FROM']!r}.")


def _ensure_secret_key(app: Flask) -> None:
    """Outside development and tests a real SECRET_KEY is required; locally one is generated."""
    if app.config.get("SECRET_KEY"):
        if len(str(app.config["SECRET_KEY"])) < 32 and not app.testing:
            raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
        return
    if app.config["ENV_NAME"] != "development":
        raise ConfigError(
            "PRESCRIBE_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'` and set it in the environment."
        )
    app.config["SECRET_KEY"] = read_or_create_secret_key(Path(app.instance_path))


def read_or_create_secret_key(instance: Path) -> str:
    """The development secret key stored in ``instance/secret_key``, created on first use."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
