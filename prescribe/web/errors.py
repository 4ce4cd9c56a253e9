"""Error pages that cannot fail themselves, and a clear 503 when storage refuses a write.

Every handler renders the app's error page and, should that fail too (a request Flask could not
even bind to a URL), falls back to plain text; both carry the security headers. A full disk or a
read-only database is a 503 that says what happened and that nothing was saved, logged as one
line (at most once a minute per cause and worker), never a traceback per request.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from prescribe.db import StorageTrouble, get_session, note_storage_trouble, storage_trouble

from .headers import HSTS, SECURITY_HEADERS
from .requests import UnreadableAddress, UnreadableForm

log = logging.getLogger(__name__)

# Titles and messages in the page's language (lazy: the language is known only per request).
PAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back, reload the page and try again.")),
    403: (_l("Not allowed"), _l("Your account cannot open this page. Ask your clinic admin.")),
    404: (_l("Page not found"), _l("That page does not exist or is no longer available.")),
    405: (_l("Not allowed"), _l("That action is not available here.")),
    413: (_l("File too large"), _l("The file you sent is too large. Please use a smaller one.")),
    429: (_l("Too many requests"), _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong on our side"), _l("Your work was not lost. Please go back and try again.")),
}
EXPIRED = (_l("This form has expired"), _l("Forms stop working after sign-in, sign-out or a long pause. "
                                           "Please go back, reload the page and try again."))
UNREADABLE = (_l("This form could not be read"), _l("Your browser sent text this server cannot read (it was not "
              "UTF-8). Nothing was saved. Please go back, retype any unusual characters and send it again."))
UNREADABLE_ADDRESS = (_l("This address could not be read"), _l("The address holds characters this server cannot "
                      "read. Please go back and follow the link again."))
STORAGE_TITLE = _l("Nothing was saved")
STORAGE_CAUSES = {StorageTrouble.FULL: _l("the server's disk is full"),
                  StorageTrouble.READ_ONLY: _l("the database is read-only"),
                  StorageTrouble.WRITE_FAILED: _l("the server could not write to its disk")}


def error_page(code: int, title: object, message: object) -> Response:
    """The error page, or plain text if the page itself cannot be drawn; never raises. Under
    ``/api/`` the error is problem details (RFC 9457), as every API answer is."""
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(code, str(message))
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


def storage_message(trouble: StorageTrouble, *, page_left: bool = False) -> str:
    """What a 503 says: the builder keeps the work on its page; the error page has left it."""
    if page_left:
        return _("Nothing was saved: %(cause)s. Go back: your work may still be on the previous page; try again in "
                 "a few minutes, and tell whoever looks after the server if it keeps happening.",
                 cause=STORAGE_CAUSES.get(trouble, trouble.value))
    return _("Nothing was saved: %(cause)s. Your work is still on this page; try again in a few minutes, and tell "
             "whoever looks after the server if it keeps happening.", cause=STORAGE_CAUSES.get(trouble, trouble.value))


def rollback_quietly() -> None:
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is closed at teardown
        log.warning("Rollback after a storage error failed too")


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: object, message: object):
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
        return error_page(503, STORAGE_TITLE, storage_message(trouble, page_left=True))
