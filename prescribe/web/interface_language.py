"""The language of the app's own pages (not of the handout, which each program chooses).

A signed-in user's setting wins (Account page); without one, the browser's ``Accept-Language``
picks among the languages the interface is translated into. The words live in the gettext domain
``interface`` (``prescribe/translations/<lang>/LC_MESSAGES/interface.po``), apart from the handout's
``messages`` domain: a therapist may work in English and print in Spanish, or the other way round.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_babel import Babel

from prescribe.i18n import TRANSLATIONS_DIR

INTERFACE_DOMAIN = "interface"
# The interface's languages, first the default; each label is written in its own language.
INTERFACE_LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

babel = Babel()


def select_language() -> str:
    """The signed-in user's choice, else the browser's best match, else English (also for a server
    command, which has no reader: ``flask create-user`` prints the account rules' English)."""
    if not has_request_context():
        return "en"
    user = g.get("user")
    chosen = getattr(user, "interface_language", "") if user is not None else ""
    if chosen in INTERFACE_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(INTERFACE_LANGUAGES)) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_domain=INTERFACE_DOMAIN,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    app.jinja_env.globals["interface_language"] = _current_language


def _current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "en"
