"""The account rules' messages: in the reader's language on a page, in English at the command line.

A refused password or account change is shown next to a form's field (gettext domain ``interface``)
and printed by the server commands (``flask create-user``). A command has no request, so no reader
and no language to choose: there the English text is printed as written.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import LazyString, gettext


def _l(message: str, **values: object) -> LazyString:
    """``message``, its ``%(name)s`` placeholders filled from ``values``, translated when it is shown."""
    return LazyString(_shown, message, **values)


def _shown(message: str, **values: object) -> str:
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message
