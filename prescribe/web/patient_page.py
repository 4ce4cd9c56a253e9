"""The patient's own page, opened by the QR code on the sheet or by typing its short code; no sign-in.

``/p/<key>`` (and ``/P/<key>``, the QR code's upper-case address) shows one printed version,
mobile first: moving pictures, the dose, steps, a timer, the advice and whom to call. It works
offline once opened (``/p/sw.js`` keeps it) and can be added to the home screen (its manifest).
An unknown, expired and revoked link all get the same friendly page; an address that keeps
guessing waits (429). Headers: no referrer (the address is the key), not indexed, private cache.

The page speaks the handout's language, its fixed words from the handout's gettext catalog (domain
``messages``), not the app's: a Spanish handout's page is Spanish whatever the phone's settings. A
bilingual handout opens in Spanish, with a link to the English (``?lang=en``). The pages that know
no handout (typing a code, a link that does not work) follow the browser's language.
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
from prescribe.catalog import Dose
from prescribe.db import get_session
from prescribe.extensions import csrf
from prescribe.handout import HandoutView, build_handout_view, format_date
from prescribe.i18n import Words, words_for
from prescribe.illustration import render_motion_svg
from prescribe.patient_links import normalise_code, normalise_token
from prescribe.patient_pages import Guessing, PatientPage
from prescribe.programs import duration, timer_seconds

from .context import catalog, client_address
from .guard import public

bp = Blueprint("patient_page", __name__)


def _n(message: str) -> str:
    """Marks a message for the handout's catalog (babel.cfg, domain messages); translated where shown."""
    return message


# The languages the patient's page is written in; the browser picks among them where no handout is known.
PAGE_LANGUAGES = ("en", "es")

PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-cache",
}
NOT_WORKING = (_n("This code or link does not work"),
               _n("It may have a typo, or it may have ended. Please call your clinic for a new one."))
RETIRED = (_n("This program cannot be shown here any more"),
           _n("Your printed sheet still has it all. Please call your clinic if you have questions."))
WAIT = (_n("Please wait a little"),
        _n("Too many codes were tried from this connection. Please wait 15 minutes and try again, "
           "or call your clinic."))
APP_NAME, APP_SHORT_NAME = _n("My exercises"), _n("Exercises")
CODE_ERROR = _n("The code has 10 letters and numbers, like K7QM2-XRT4P. Please check it on your sheet.")
HOLD_TIMER = _n("Time my hold: %(time)s")
TIMER = _n("Time it: %(time)s")
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
        error = CODE_ERROR
    lang = browser_language()
    response = make_response(_render("patient/enter.html", lang, typed=typed,
                                     error=words_for(lang).gettext(error) if error else ""), 422 if error else 200)
    response.vary.add("Accept-Language")
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
    """Add to home screen: the page itself, standalone, in the clinic's colour, named in the page's
    language (``?lang=``, which the page gives)."""
    if not (normalise_token(key) or normalise_code(key)):
        return _not_working()
    lang = request.args.get("lang") if request.args.get("lang") in PAGE_LANGUAGES else "en"
    words = words_for(lang)
    data = {"name": words.gettext(APP_NAME), "short_name": words.gettext(APP_SHORT_NAME),
            "start_url": url_for(".page", key=key),
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
        return _private(make_response({"kept": False, "error": words_for(browser_language()).gettext(WAIT[1])}, 429))
    except (KeyError, TypeError, ValueError):
        return _private(make_response({"kept": False, "error": "Not a day of the log."}, 400))
    return _private(make_response({"kept": kept}, 200 if kept else 404))


def _page(key: str, *, newest: bool):
    try:
        shown = patient_pages.open_page(get_session(), key, client_address(), newest=newest,
                                        counted=request.headers.get("X-Offline-Copy") != "1")
    except Guessing:
        return _gone(WAIT, 429, browser_language())
    if shown is None:
        return _not_working()
    lang = page_language(shown.program.language, request.args.get("lang"))
    try:
        context = _page_context(shown, lang)
    except KeyError:  # an exercise or diagnosis this version printed has left the catalog since
        return _gone(RETIRED, 410, lang)
    html = _render("patient/page.html", lang, **context)
    return _compressed(_private(make_response(html)))


def page_language(handout_language: str, asked: str | None) -> str:
    """The page's language: the handout's; a bilingual handout ("en-es") in Spanish, the patient's
    language first, or in English when the patient asks for it (``?lang=en``)."""
    if handout_language == "en-es":
        return "en" if asked == "en" else "es"
    return "es" if handout_language == "es" else "en"


def browser_language() -> str:
    """For a page that knows no handout: the browser's best match among the page's languages."""
    return request.accept_languages.best_match(PAGE_LANGUAGES) or "en"


def _page_context(shown: PatientPage, lang: str) -> dict[str, object]:
    """The print's view model (every word and number as the sheet says it) and the moving pictures.

    A bilingual handout's view is the Spanish one carrying the English (``second``): the page shows one.
    """
    view = build_handout_view(shown.program, catalog(), shown.branding)
    h: HandoutView = view.second if lang == "en" and view.second is not None else view
    words = words_for(lang)
    accent = h.branding.accent_colour
    moving, timers = [], []
    for item in shown.program.items:
        exercise = catalog().exercises[item.exercise]
        illustration = exercise.illustration
        svg = moving_figure(illustration, accent, f"{exercise.name}, moving") if illustration else None
        moving.append(Markup(svg) if svg else None)  # noqa: S704 - our own drawing, every text in it escaped
        timers.append((timer_seconds(item.dose), timer_words(item.dose, words, lang)))
    other = ("en" if lang == "es" else "es") if shown.program.language == "en-es" else None
    return {"h": h, "shown": shown, "moving": moving, "timers": timers,
            "log_key": f"prescribe-log-{shown.link_id}", "printed_on": format_date(shown.printed_on, lang),
            "expires_on": format_date(shown.expires_on, lang), "phone_link": tel_address(h.branding.phone),
            "other_language": other}


def timer_words(dose: Dose, words: Words, lang: str) -> str:
    """The timer button's words: "Time my hold: 30 seconds", "Time it: 10 minutes" ("" when there is no timer)."""
    seconds = timer_seconds(dose)
    if seconds is None:
        return ""
    return words.gettext(HOLD_TIMER if dose.hold_seconds else TIMER) % {"time": duration(seconds, lang)}


@lru_cache(maxsize=512)
def moving_figure(illustration, accent: str, title: str) -> str | None:
    """An exercise's moving figure in a clinic's colour: figures never change, so drawn once per worker."""
    return render_motion_svg(illustration, accent=accent, title=title)


def tel_address(phone: str) -> str:
    """``555-0142`` -> ``555-0142`` for a tel: link: digits, + and - only ("" when there are no digits)."""
    kept = "".join(c for c in phone if c.isdigit() or c in "+-")
    return kept if any(c.isdigit() for c in kept) else ""


def _not_working() -> Response:
    return _gone(NOT_WORKING, 404, browser_language())


def _gone(title_and_message: tuple[str, str], status: int, lang: str) -> Response:
    """The friendly page for a page that cannot be shown, in ``lang`` (mostly the browser's)."""
    words = words_for(lang)
    title, message = (words.gettext(text) for text in title_and_message)
    response = make_response(_render("patient/gone.html", lang, title=title, message=message), status)
    response.vary.add("Accept-Language")
    return _private(response)


def _render(template: str, lang: str, **context: object) -> str:
    """A patient template in ``lang``: its ``_`` and ``ngettext`` are the handout's catalog (domain
    messages), which shadow the app's interface words (context variables win over Jinja globals).

    As Jinja's own i18n does, the catalog's text is trusted markup (an apostrophe stays one) and what
    ``%`` fills into it is escaped.
    """
    words = words_for(lang)

    def gettext(message: str) -> Markup:
        return Markup(words.gettext(message))  # noqa: S704 - our committed catalog

    def ngettext(singular: str, plural: str, number: int) -> Markup:
        return Markup(words.ngettext(singular, plural, number))  # noqa: S704 - our committed catalog

    return render_template(template, _=gettext, gettext=gettext, ngettext=ngettext, page_lang=lang, **context)


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
