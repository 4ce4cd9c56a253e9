"""The JSON API, ``/api/v1/``: per-user tokens, the same clinic scope, validation and audit as the
pages, errors as RFC 9457 problem details, and an OpenAPI 3.1 document written from the code.

OpenAPI comes from spectree (pinned): it reads the pydantic models the views declare, validates
requests and responses against them, and writes the document; it works with a plain Flask app and
blueprints (APIFlask wants its own app class; flask-smorest brings marshmallow beside the pydantic
models the FHIR tests already use). Its own documentation pages load their scripts from a CDN, so
they are off: ``/api/v1/docs`` is our own page, drawn from the same document.
"""

from __future__ import annotations

from . import writes  # noqa: F401  (its operations join the blueprint)
from .document import spec
from .views import bp  # the views declare their operations on ``spec``


def register_api(app) -> None:
    """The API's blueprint; spectree reads the app's routes for the document (it adds none of its own)."""
    from prescribe.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)  # a token in a header, never a cookie: nothing for a forged request to ride on
    spec.app = app


__all__ = ["bp", "register_api", "spec"]
