"""Prescribe: exercise prescription and branded patient handouts for physical therapists."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, catalog, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str(_instance_path(test_config)),
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
    )
    from .config import load_config

    load_config(app, test_config)
    _behind_trusted_proxies(app)
    _only_our_host_names(app)
    _timed(app)
    register_extensions(app)
    register_catalog(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    return app


def _instance_path(test_config: Mapping[str, Any] | None) -> Path:
    """``instance/`` in the repository, or ``PRESCRIBE_INSTANCE_PATH`` (the tests run ``make run`` elsewhere)."""
    if test_config is not None:
        return Path(test_config.get("INSTANCE_PATH") or REPO_ROOT / "instance")
    return Path(os.environ.get("PRESCRIBE_INSTANCE_PATH") or REPO_ROOT / "instance")


def _behind_trusted_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the ``TRUSTED_PROXIES`` proxies' headers.

    Only the last ``TRUSTED_PROXIES`` entries of X-Forwarded-For are believed (each proxy appends
    the address it saw), so a client cannot choose the address the audit log records.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Wrapping wsgi_app is Flask's documented way to add WSGI middleware (mypy sees a method replaced).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _only_our_host_names(app: Flask) -> None:
    """Answer only to ``ALLOWED_HOSTS``: any other or malformed ``Host`` is a plain 400 (web/hosts.py)."""
    from .web.headers import HSTS
    from .web.hosts import HostCheck

    # Wrapping wsgi_app is Flask's documented way to add WSGI middleware (mypy sees a method replaced).
    app.wsgi_app = HostCheck(app.wsgi_app, app.config["ALLOWED_HOSTS"],  # type: ignore[method-assign]
                             hsts=HSTS if app.config["SESSION_COOKIE_SECURE"] else None)


def _timed(app: Flask) -> None:
    """``Server-Timing: app;dur=<ms>`` on every response (web/server_timing.py); outermost, so the
    host check and the proxy headers' handling are in the time too."""
    from .web.server_timing import ServerTiming

    # Wrapping wsgi_app is Flask's documented way to add WSGI middleware (mypy sees a method replaced).
    app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Database, sign-in guard, CSRF, clinic scoping of queries and security headers."""
    from .db import init_db_engine
    from .extensions import csrf
    from .web.context import install_clinic_scope
    from .web.guard import register_guard
    from .web.headers import register_security_headers
    from .web.requests import register_request_checks
    from .webhooks import init_app as init_webhooks

    init_db_engine(app)
    register_request_checks(app)  # the request class, and a 400 for an unreadable address, first of all
    # The guard runs before the CSRF check, so an anonymous request of any method goes to sign-in.
    register_guard(app)
    csrf.init_app(app)
    install_clinic_scope(app)
    register_security_headers(app)
    init_webhooks(app)  # this process's sender of queued webhook deliveries
    from .web.interface_language import init_app as init_interface_language

    init_interface_language(app)  # the pages' own language (gettext domain "interface")
    from .handout import RenderCache
    from .handout.pdf import layouts

    app.extensions["render_cache"] = RenderCache()
    layouts.resize(app.config["HANDOUT_LAYOUT_CACHE_MB"])
    _warn_if_pdfs_will_be_slow()


def _warn_if_pdfs_will_be_slow() -> None:
    from .handout.pdf import harfbuzz_subset_available

    if not harfbuzz_subset_available():
        log.warning("libharfbuzz-subset0 is missing: WeasyPrint falls back to fontTools and PDFs "
                    "render about 1.8x slower. Install it with: apt-get install libharfbuzz-subset0")


def register_catalog(app: Flask) -> None:
    """Load and validate ``exercises_db/`` once; a broken content file stops start-up."""
    from .catalog import load_default_catalog

    root = app.config.get("CONTENT_ROOT")
    app.extensions["catalog"] = load_default_catalog(Path(root) if root else None)


def register_blueprints(app: Flask) -> None:
    from .web import (
        account,
        admin,
        auth,
        builder,
        catalog_pages,
        clinic,
        handouts,
        home,
        patient_page,
        patients,
        program_templates,
        translation_review,
    )
    from .web.context import register_template_helpers
    from .web.numbers import IdConverter

    app.url_map.converters["int"] = IdConverter
    for module in (auth, account, admin, home, builder, handouts, patients, program_templates, clinic,
                   catalog_pages, patient_page, translation_review):
        app.register_blueprint(module.bp)

    from .web.api import register_api

    register_api(app)
    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def register_error_handlers(app: Flask) -> None:
    from .web.errors import register_error_handlers as register

    register(app)
