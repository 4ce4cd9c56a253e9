"""The patient's own page, opened by the QR code on the sheet or by typing its short code; no sign-in.

``/p/<key>`` (and ``/P/<key>``, the QR code's upper-case address) shows one printed version,
mobile first: moving pictures, the dose, steps, a timer, the advice and whom to call. It works
offline once opened (``/p/sw.js`` keeps it) and can be added to the home screen (its manifest).
An unknown, expired and revoked link all get the same friendly page; an address that keeps
guessing waits (429). Headers: no referrer (the address is the key), not indexed, private cache.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from prescribe import patient_pages
from prescribe.db import get_session
from prescribe.extensions import csrf
from prescribe.handout import build_handout_view, format_date
from prescribe.illustration import render_motion_svg
from prescribe.patient_links import normalise_code, normalise_token
from prescribe.patient_pages import Guessing, PatientPage
from prescribe.programs import timer_label, timer_seconds

from .context import catalog, client_address
from .guard import public

bp = Blueprint("patient_page", __name__)

PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-cache",
}
NOT_WORKING = ("This code or link does not work",
               "It may have a typo, or it may have ended. Please call your clinic for a new one.")
RETIRED = ("This program cannot be shown here any more",
           "Your printed sheet still has it all. Please call your clinic if you have questions.")
WAIT = ("Please wait a little",
        "Too many codes were tried from this connection. Please wait 15 minutes and try again, or call your clinic.")
SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "js" / "patient-sw.js"


@bp.get("/p")
@bp.get("/P", endpoint="enter_code_upper")
@public
def enter_code():
    """Type the short code printed under the QR code (a GET form: no cookie, nothing stored)."""
    typed, error = str(request.args.get("code", ""))[:40], ""
    if "code" in request.args:
        code = normalise_code(typed)
        if code is not None:
            return redirect(url_for(".page", key=code), code=303)
        error = "The code has 10 letters and numbers, like K7QM2-XRT4P. Please check it on your sheet."
    response = make_response(render_template("patient/enter.html", typed=typed, error=error), 422 if error else 200)
    return _private(response)


@bp.get("/p/<key>")
@public
def page(key: str):
    return _page(key, newest=False)


@bp.get("/P/<key>")
@public
def page_upper(key: str):
    """The QR code's address (upper case: the smaller code): the same page, kept offline as one."""
    return _page(key, newest=False)


@bp.get("/p/<key>/newest")
@public
def newest(key: str):
    return _page(key, newest=True)


@bp.get("/p/<key>/manifest.webmanifest")
@public
def manifest(key: str):
    """Add to home screen: the page itself, standalone, in the clinic's colour."""
    if not (normalise_token(key) or normalise_code(key)):
        return _not_working()
    data = {"name": "My exercises", "short_name": "Exercises", "start_url": url_for(".page", key=key),
            "scope": url_for(".page", key=key), "display": "standalone", "background_color": "#ffffff",
            "theme_color": "#ffffff", "icons": [{"src": url_for("static", filename="patient/icon.svg"),
                                                 "sizes": "any", "type": "image/svg+xml"}]}
    response = current_app.response_class(json.dumps(data), mimetype="application/manifest+json")
    return _private(response)


@bp.get("/p/sw.js")
@public
def service_worker():
    """The service worker that keeps each opened page for offline use (scope: /p/)."""
    response = current_app.response_class(SERVICE_WORKER.read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    # Registered for the whole site, so that the QR code's /P/<key> opens offline too; it answers
    # only for the patient's pages and files (static/js/patient-sw.js).
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.post("/p/<key>/progress")
@csrf.exempt
@public
def progress(key: str):
    """A day of the patient's log from their phone (JSON), kept only if the clinic shares progress."""
    data = request.get_json(silent=True)
    try:
        if not isinstance(data, dict):
            raise ValueError("a JSON object")
        day = date.fromisoformat(str(data["day"]))
        sessions = data["sessions"]
        pain = data.get("pain")
        if not isinstance(sessions, int) or isinstance(sessions, bool) or \
                (pain is not None and (not isinstance(pain, int) or isinstance(pain, bool))):
            raise ValueError("whole numbers")
        kept = patient_pages.send_progress(get_session(), key, client_address(), day, sessions, pain)
    except Guessing:
        return _private(make_response({"kept": False, "error": WAIT[1]}, 429))
    except (KeyError, TypeError, ValueError):
        return _private(make_response({"kept": False, "error": "Not a day of the log."}, 400))
    return _private(make_response({"kept": kept}, 200 if kept else 404))


def _page(key: str, *, newest: bool):
    try:
        shown = patient_pages.open_page(get_session(), key, client_address(), newest=newest,
                                        counted=request.headers.get("X-Offline-Copy") != "1")
    except Guessing:
        return _private(make_response(render_template("patient/gone.html", title=WAIT[0], message=WAIT[1]), 429))
    if shown is None:
        return _not_working()
    try:
        context = _page_context(shown)
    except KeyError:  # an exercise or diagnosis this version printed has left the catalog since
        return _private(make_response(render_template("patient/gone.html", title=RETIRED[0], message=RETIRED[1]),
                                      410))
    html = render_template("patient/page.html", **context)
    return _compressed(_private(make_response(html)))


def _page_context(shown: PatientPage) -> dict[str, object]:
    """The print's view model (every word and number as the sheet says it) and the moving pictures."""
    h = build_handout_view(shown.program, catalog(), shown.branding)
    accent = h.branding.accent_colour
    moving, timers = [], []
    for item in shown.program.items:
        exercise = catalog().exercises[item.exercise]
        illustration = exercise.illustration
        svg = moving_figure(illustration, accent, f"{exercise.name}, moving") if illustration else None
        moving.append(Markup(svg) if svg else None)  # noqa: S704 - our own drawing, every text in it escaped
        timers.append((timer_seconds(item.dose), timer_label(item.dose)))
    return {"h": h, "shown": shown, "moving": moving, "timers": timers,
            "log_key": f"prescribe-log-{shown.link_id}", "printed_on": format_date(shown.printed_on),
            "expires_on": format_date(shown.expires_on), "phone_link": tel_address(h.branding.phone)}


@lru_cache(maxsize=512)
def moving_figure(illustration, accent: str, title: str) -> str | None:
    """An exercise's moving figure in a clinic's colour: figures never change, so drawn once per worker."""
    return render_motion_svg(illustration, accent=accent, title=title)


def tel_address(phone: str) -> str:
    """``555-0142`` -> ``555-0142`` for a tel: link: digits, + and - only ("" when there are no digits)."""
    kept = "".join(c for c in phone if c.isdigit() or c in "+-")
    return kept if any(c.isdigit() for c in kept) else ""


def _not_working() -> Response:
    response = make_response(render_template("patient/gone.html", title=NOT_WORKING[0], message=NOT_WORKING[1]), 404)
    return _private(response)


def _private(response: Response) -> Response:
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    return response


def _compressed(response: Response) -> Response:
    """The page gzipped when the phone accepts it (most of it is drawings, which compress well)."""
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings or response.direct_passthrough:
        return response
    response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
