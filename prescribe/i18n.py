"""The handout's fixed words in each language: gettext catalogs in ``prescribe/translations/``.

English is the source (the msgids); ``es/LC_MESSAGES/messages.po`` holds the Spanish, plurals by
``ngettext``. The compiled ``messages.mo`` is committed beside it (tests/test_spanish_wording.py
checks it matches the ``.po``), so a plain checkout prints Spanish with no build step. Update
with ``make translations`` (pybabel extract, update and compile).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
# The gettext languages a handout prints in ("en" is the msgids themselves).
CATALOG_LANGUAGES = ("es",)

Words = gettext.NullTranslations


@lru_cache(maxsize=8)
def words_for(lang: str) -> Words:
    """The catalog of ``lang``'s fixed words; English is the source text. An unknown language or a
    missing compiled catalog is an error, never an English handout passed off as another language."""
    if lang == "en":
        return gettext.NullTranslations()
    if lang not in CATALOG_LANGUAGES:
        raise ValueError(f"no handout words in {lang!r}")
    return gettext.translation(DOMAIN, TRANSLATIONS_DIR, languages=[lang])


def N_(message: str) -> str:
    """Marks ``message`` for extraction (pybabel ``-k N_``) and returns it as it is: a label kept in
    English in a table, translated where it is shown (``_(label)``)."""
    return message


class Refusal(ValueError):
    """A request a rule refuses, told to the person who made it: ``str()`` is the English (for the
    API and the logs); a page shows :meth:`in_words` in its own language. ``message`` is a msgid
    marked ``N_`` where it is raised, with ``%(name)s`` placeholders filled from ``values``."""

    def __init__(self, message: str, **values: object):
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values

    def in_words(self, gettext) -> str:
        """The message through ``gettext`` (a page's: Flask-Babel's ``gettext``), its values filled."""
        text = gettext(self.message)
        return text % self.values if self.values else text
