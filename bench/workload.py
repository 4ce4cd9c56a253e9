"""What the benchmark renders: the 6-exercise handout, and the builder form that prints it.

The handout is the hip-impingement default program (7 exercises) without the step-up, with the
log page (the default). It is defined twice on purpose, once as builder form fields (the whole
HTTP path) and once as a :class:`~prescribe.programs.Program` (the in-process memory run); both
come from the same two constants.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from scripts.loopback import form_pairs  # noqa: F401 - one form reader for the bench, the tests and scripts

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "bench"
NAIVE_HTML = BENCH_DIR / "naive_handout.html"

DIAGNOSIS = "hip-impingement"
DROPPED_EXERCISE = "step-up"  # took the squat's place in 2026-12 (the squat bends the hip past 90°)
BUILDER_PATH = f"/build/{DIAGNOSIS}"
BUILDER_POST = "/build/"
# Row actions of the round-trip figure, in rotation: (kind as reported, the button's value).
ADDED_EXERCISE = "side-plank-knees"  # not in the default program: a real addition, not a duplicate
ROW_ACTIONS = (("add", f"add:{ADDED_EXERCISE}"), ("remove", "remove:0"), ("move", "down:0"))

FormFields = list[tuple[str, str]]
_ROW = re.compile(r"^exercises-(\d+)-(.+)$")


class _BrowserForm(HTMLParser):
    """The successful controls of one form, as a browser builds its form data set (HTML standard).

    Only controls of the form whose ``action`` is given (inside it, or pointing at its ``id`` with
    ``form=``); no buttons (pressing one adds its own ``action``), no disabled control; a checkbox
    or radio only when checked (value "on" by default); a select's selected options, or its first
    enabled option when none is selected; a textarea's text without the line break right after
    the tag, its line breaks sent as CR LF.
    """

    SKIPPED_INPUTS = frozenset({"submit", "button", "reset", "image", "file"})

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.form_id: str | None = None
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._textarea: list[str] | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def _ours(self, attrs: dict) -> bool:
        owner = attrs.get("form")
        owned = owner == self.form_id if owner is not None else self.inside
        return owned and "disabled" not in attrs and bool(attrs.get("name"))

    def handle_starttag(self, tag, attrs):
        a = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
            if self.inside:
                self.form_id = a.get("id")
        elif tag == "input" and self._ours(a):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in self.SKIPPED_INPUTS:
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and self._ours(a):
            self._textarea = [a["name"], ""]
        elif tag == "select" and self._ours(a):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a,
                            "disabled": "disabled" in a}
            self._select["options"].append(self._option)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.pairs.append((name, re.sub(r"\r\n|\r|\n", "\r\n", text)))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self.pairs.extend((self._select["name"], value) for value in self._selected(self._select))
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option["text"] += data

    @staticmethod
    def _selected(select: dict) -> list[str]:
        options = [o for o in select["options"] if not o["disabled"]]
        chosen = [o for o in options if o["selected"]]
        if not select["multiple"]:
            chosen = chosen[-1:] or options[:1]
        return [o["value"] if o["value"] is not None else " ".join(o["text"].split()) for o in chosen]


def browser_form(html: str, action: str = BUILDER_POST) -> FormFields:
    """The fields a browser posts from the page's form with this ``action``, in page order.

    Unlike ``form_pairs`` (every form of the page: the sign-out form's CSRF token too), only that
    one form, by the browser's rules (:class:`_BrowserForm`).
    """
    parser = _BrowserForm(action)
    parser.feed(html)
    parser.close()
    if not any(name == "csrf_token" for name, _ in parser.pairs):
        raise RuntimeError(f"no form posting to {action} with a CSRF token on the page")
    return parser.pairs


def six_exercise_form(fields: FormFields) -> FormFields:
    """The builder's default form without the dropped exercise's row, rows renumbered 0..5."""
    dropped = {m[1] for name, value in fields
               if (m := _ROW.match(name)) and m[2] == "exercise" and value == DROPPED_EXERCISE}
    if len(dropped) != 1:
        raise RuntimeError(f"the {DIAGNOSIS} builder form has no single {DROPPED_EXERCISE!r} row")
    gone = int(dropped.pop())
    out: FormFields = []
    for name, value in fields:
        match = _ROW.match(name)
        if match:
            index = int(match[1])
            if index == gone:
                continue
            if index > gone:
                name = f"exercises-{index - 1}-{match[2]}"
        out.append((name, value))
    rows = {m[1] for name, _ in out if (m := _ROW.match(name))}
    if len(rows) != 6 or ("include_log", "y") not in out:
        raise RuntimeError(f"expected 6 exercise rows and the log page, got {len(rows)} rows")
    return out


def with_values(fields: FormFields, **values: str) -> FormFields:
    """``fields`` with the named single-valued fields replaced (appended when absent)."""
    out = [(name, value) for name, value in fields if name not in values]
    return out + list(values.items())


def download_form(fields: FormFields, patient_name: str) -> FormFields:
    """The form as sent by Download PDF, with a per-request patient name.

    A repeated identical download is served from the stored version (dedupe), so every request
    that must really render carries a different patient name.
    """
    return with_values(fields, patient_name=patient_name, action="download")


def six_exercise_program(catalog, *, paper: str = "letter"):
    """The same handout as a :class:`~prescribe.programs.Program` (for in-process renders)."""
    from prescribe.programs import default_program

    program = default_program(catalog.diagnoses[DIAGNOSIS], catalog, paper=paper)
    items = tuple(item for item in program.items if item.exercise != DROPPED_EXERCISE)
    if len(items) != 6:
        raise RuntimeError(f"expected 6 exercises after dropping {DROPPED_EXERCISE}, got {len(items)}")
    return replace(program, items=items)


def demo_branding():
    """The demo clinic's branding, as the default clinic prints it."""
    from prescribe.clinics import DEMO_CLINIC
    from prescribe.handout import Branding

    return Branding(name=DEMO_CLINIC["name"], address=DEMO_CLINIC["address"],
                    phone=DEMO_CLINIC["phone"], website=DEMO_CLINIC["website"],
                    accent_colour=DEMO_CLINIC["accent_colour"])


def rss_mb() -> float:
    """Resident set size of this process in MB, from ``/proc/self/status`` (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def create_bench_account(app) -> tuple[str, str]:
    """A new account in the default clinic of ``app``'s database: (email, password).

    Only used when the app sends the builder to a sign-in page; the account is created with the
    project's own ``prescribe.accounts.users.create_user``.
    """
    import secrets

    try:
        from prescribe.accounts.users import create_user
    except ImportError as exc:
        raise RuntimeError(f"the app asks to sign in but accounts cannot be created: {exc}") from None
    from prescribe.clinics import ensure_default_clinic
    from prescribe.db import get_session

    email = f"bench-{secrets.token_hex(4)}@prescribe.example"
    password = "Bench-" + secrets.token_urlsafe(24)
    with app.app_context():
        session = get_session()
        clinic = ensure_default_clinic(session, Path(app.instance_path))
        create_user(session, clinic, email, password)
        session.commit()
    return email, password
