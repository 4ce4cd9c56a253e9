"""Prescribe: exercise prescription and branded patient handouts for physical therapists."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, render_template

REPO_ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, catalog, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str((test_config or {}).get("INSTANCE_PATH") or REPO_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
    )
    from .config import load_config

    load_config(app, test_config)
    _behind_trusted_proxies(app)
    register_extensions(app)
    register_catalog(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    return app


def _behind_trusted_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the ``TRUSTED_PROXIES`` proxies' headers.

    Only the last ``TRUSTED_PROXIES`` entries of X-Forwarded-For are believed (each proxy appends
    the address it saw), so a client cannot choose the address the audit log records.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    """Database, sign-in guard, CSRF, clinic scoping of queries and security headers."""
    from .db import init_db_engine
    from .extensions import csrf
    from .web.context import install_clinic_scope
    from .web.guard import register_guard
    from .web.headers import register_security_headers

    init_db_engine(app)
    # The guard runs before the CSRF check, so an anonymous request of any method goes to sign-in.
    register_guard(app)
    csrf.init_app(app)
    install_clinic_scope(app)
    register_security_headers(app)
    from .handout import RenderCache

    app.extensions["render_cache"] = RenderCache()
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
        patients,
        program_templates,
    )
    from .web.context import IdConverter, register_template_helpers

    app.url_map.converters["int"] = IdConverter
    for module in (auth, account, admin, home, builder, handouts, patients, program_templates, clinic,
                   catalog_pages):
        app.register_blueprint(module.bp)

    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        def handler(_error):
            return render_template("error.html", code=code, title=title, message=message), code
        return handler

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(400, page(400, "Something was wrong with that request",
                                         "Please go back, reload the page and try again."))
    app.register_error_handler(CSRFError, page(400, "This form has expired",
                                               "Forms stop working after sign-in, sign-out or a long pause. "
                                               "Please go back, reload the page and try again."))
    app.register_error_handler(403, page(403, "Not allowed",
                                         "Your account cannot open this page. Ask your clinic admin."))
    app.register_error_handler(404, page(404, "Page not found",
                                         "That page does not exist or is no longer available."))
    app.register_error_handler(405, page(405, "Not allowed", "That action is not available here."))
    app.register_error_handler(413, page(413, "File too large",
                                         "The file you sent is too large. Please use a smaller one."))
    app.register_error_handler(429, page(429, "Too many requests",
                                         "Please wait a few minutes and try again."))
    app.register_error_handler(500, page(500, "Something went wrong on our side",
                                         "Your work was not lost. Please go back and try again."))
