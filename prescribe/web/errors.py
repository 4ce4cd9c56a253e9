"""Error pages that cannot fail themselves, and a clear 503 when storage refuses a write.

Every handler renders the app's error page and, should that fail too (a request Flask could not
even bind to a URL), falls back to plain text; both carry the security headers. A full disk or a
read-only database is a 503 that says what happened and that nothing was saved, logged as one
line (at most once a minute per cause and worker), never a traceback per request.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from prescribe.db import StorageTrouble, get_session, note_storage_trouble, storage_trouble

from .headers import HSTS, SECURITY_HEADERS
from .requests import UnreadableAddress, UnreadableForm

log = logging.getLogger(__name__)

PAGES = {
    400: ("Something was wrong with that request", "Please go back, reload the page and try again."),
    403: ("Not allowed", "Your account cannot open this page. Ask your clinic admin."),
    404: ("Page not found", "That page does not exist or is no longer available."),
    405: ("Not allowed", "That action is not available here."),
    413: ("File too large", "The file you sent is too large. Please use a smaller one."),
    429: ("Too many requests", "Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "Your work was not lost. Please go back and try again."),
}
EXPIRED = ("This form has expired", "Forms stop working after sign-in, sign-out or a long pause. "
                                    "Please go back, reload the page and try again.")
UNREADABLE = ("This form could not be read", "Your browser sent text this server cannot read (it was not "
               "UTF-8). Nothing was saved. Please go back, retype any unusual characters and send it again.")
UNREADABLE_ADDRESS = ("This address could not be read", "The address holds characters this server cannot read. "
                      "Please go back and follow the link again.")
STORAGE_TITLE = "Nothing was saved"


def error_page(code: int, title: str, message: str) -> Response:
    """The error page, or plain text if the page itself cannot be drawn; never raises. Under
    ``/api/`` the error is problem details (RFC 9457), as every API answer is."""
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(code, message)
    try:
        response = current_app.make_response((render_template("error.html", code=code, title=title,
                                                              message=message), code))
    except Exception:  # noqa: BLE001 - the last line of defence must answer, whatever broke
        log.warning("The %s error page could not be drawn; answered in plain text", code)
        response = Response(f"{title}\n\n{message}\n", status=code, mimetype="text/plain")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def storage_message(trouble: StorageTrouble) -> str:
    return (f"Nothing was saved: {trouble.value}. Your work is still on this page; try again in a few "
            "minutes, and tell whoever looks after the server if it keeps happening.")


def rollback_quietly() -> None:
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is closed at teardown
        log.warning("Rollback after a storage error failed too")


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return lambda _error: error_page(code, title, message)

    for code, (title, message) in PAGES.items():
        app.register_error_handler(code, page(code, title, message))
    app.register_error_handler(CSRFError, page(400, *EXPIRED))
    app.register_error_handler(UnreadableForm, page(400, *UNREADABLE))
    app.register_error_handler(UnreadableAddress, page(400, *UNREADABLE_ADDRESS))

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):
        trouble = storage_trouble(error)
        if trouble is None:
            raise error  # a real bug: Flask logs it and answers with the 500 page
        rollback_quietly()
        note_storage_trouble(trouble)
        return error_page(503, STORAGE_TITLE, storage_message(trouble).replace(
            "Your work is still on this page", "Go back: your work may still be on the previous page"))
