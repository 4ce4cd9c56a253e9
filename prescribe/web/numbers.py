"""The one parser for every id and number a request carries: path, query string, form, button value.

ASCII digits only (``str.isdigit`` also accepts ``²``, ``①`` and ``١``, which ``int`` either
refuses or reads as another number), with the length bounded before ``int()`` ever runs, so no
input can raise, overflow a range check or name an id the database cannot hold.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter
from wtforms import IntegerField
from wtforms.validators import ValidationError

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database (PostgreSQL refuses larger ones)
ID_DIGITS = len(str(MAX_ID))
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def parse_whole(value: object, *, max_digits: int = ID_DIGITS, signed: bool = False) -> int | None:
    """``value`` as a whole number written in at most ``max_digits`` ASCII digits, else None.

    Surrounding spaces are allowed; with ``signed`` a leading ``-`` too (so a form can say that
    the number is out of range rather than not a number).
    """
    text = str(value if value is not None else "").strip()
    negative = signed and text.startswith("-")
    digits = text[1:] if negative else text
    if not 0 < len(digits) <= max_digits or not _DIGITS.fullmatch(digits):
        return None
    number = int(digits)
    return -number if negative else number


def parse_id(value: object) -> int | None:
    """A database id (1 to ``MAX_ID``) from any request value, or None when it cannot be one."""
    number = parse_whole(value)
    return number if number is not None and 0 < number <= MAX_ID else None


class IdConverter(BaseConverter):
    """``<int:...>`` in every route: ASCII digits of an id; anything else (``١``, 11 digits) is a 404."""

    regex = rf"[0-9]{{1,{ID_DIGITS}}}"
    weight = 50

    def to_python(self, value: str) -> int:
        from werkzeug.routing import ValidationError

        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


class WholeNumberField(IntegerField):
    """A number input for a whole number from ``low`` to ``high``: one message for anything else.

    The text is parsed by :func:`parse_whole` (bounded before ``int()``) and the range is checked
    here, so a value of thousands of digits, ``٣`` or ``1e3`` gets the field's message, never a 500.
    The raw text stays in ``raw_data`` and goes back into the page as typed.
    """

    def __init__(self, label=None, validators=None, *, low: int, high: int, message: str | None = None,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high
        self.message = message or _l("Enter a number from %(low)d to %(high)d.", low=low, high=high)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        number = parse_whole(valuelist[0], max_digits=len(str(self.high)), signed=self.low < 0)
        if number is None or not self.low <= number <= self.high:
            self.data = None
            raise ValueError(self.message)
        self.data = number

    def pre_validate(self, form):
        # A value given as data (not typed) is checked by the same rule.
        if self.data is not None and not (isinstance(self.data, int) and self.low <= self.data <= self.high):
            self.data = None
            raise ValidationError(self.message)
