"""Every word of the app's pages goes through gettext (domain ``interface``), and has its Spanish.

The scan takes each template the interface owns (babel-interface.cfg), removes what Jinja writes
(``{{ ... }}``, ``{% ... %}``, comments), scripts, styles, code and keys (typed as shown) and tags,
and refuses any text left that has a letter in it: that text would show in English on a Spanish page.
The same for the attributes a person reads or hears (``title``, ``placeholder``, ``aria-label``,
``alt``).
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.util import pathmatch

from prescribe.i18n import TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "babel-interface.cfg"
PO = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "interface.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "lazy_gettext": None, "lazy_ngettext": (1, 2), "N_": None}


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


def _method_map() -> list[tuple[str, str]]:
    return [tuple(section.split(": ", 1)[::-1]) for section in _config().sections()]  # type: ignore[misc]


def _options_map() -> dict[str, dict[str, str]]:
    parser = _config()
    return {section.split(": ", 1)[1]: dict(parser[section]) for section in parser.sections()}


def _templates() -> list[Path]:
    patterns = [pattern for pattern, method in _method_map() if method == "jinja2"]
    return sorted(path for path in (ROOT / "templates").rglob("*.html")
                  if any(pathmatch(pattern, path.relative_to(ROOT).as_posix()) for pattern in patterns))


JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style|code|kbd)\b.*?</\1>", re.S | re.I)  # code and keys stay as typed
READ_ATTRIBUTES = re.compile(r"""\b(title|placeholder|aria-label|alt|aria-description)\s*=\s*(["'])(.*?)\2""", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")


def untranslated(source: str) -> list[str]:
    """The texts of a template that would show as written, whatever the page's language."""
    text = SCRIPT_STYLE.sub(" ", re.sub(r"\{#.*?#\}", " ", source, flags=re.S))
    problems = [value for _, _, value in READ_ATTRIBUTES.findall(text)
                if re.search(r"[A-Za-z]", JINJA.sub("", value))]
    words = ENTITY.sub(" ", TAG.sub(" ", JINJA.sub(" ", text)))
    problems += [line.strip() for line in words.splitlines() if re.search(r"[A-Za-z]{2}", line)]
    return problems


def test_the_scan_finds_english_left_in_a_template():
    assert untranslated('<p>Saved.</p><p title="Remove this">{{ _("Ok") }}</p>') == ["Remove this", "Saved."]
    assert untranslated('<p>{{ _("Saved.") }}</p><p title="{{ _(\'Remove\') }}">{% if a %}{{ b }}{% endif %}</p>') == []


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_every_text_of_the_page_goes_through_gettext(template):
    assert not untranslated(template.read_text()), "wrap each text in {{ _(...) }} (domain interface)"


def test_every_interface_text_has_its_spanish():
    found = {(context, message if isinstance(message, str) else message[0])
             for _, _, message, _, context in extract_from_dir(ROOT, _method_map(), _options_map(), keywords=KEYWORDS)}
    with PO.open("rb") as po_file:
        translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_po(po_file)}
    missing = sorted(str(key) for key in found if not translated.get(key))
    assert not missing, f"no Spanish for {missing}: add it to interface.po (make translations)"
    assert (None, "Save language") in found  # the extraction reads the templates
    assert (None, "Language of the app") in found  # and the forms' lazy labels
    assert any("templates/builder/_exercises.html" in str(path) for path, *_ in
               extract_from_dir(ROOT, _method_map(), _options_map(), keywords=KEYWORDS)), "{% cache %} templates"
