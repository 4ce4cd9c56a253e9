"""The app's request class: form bodies read strictly enough that a bad one gets a clear answer.

Werkzeug drops a whole urlencoded body that is not UTF-8 without a word, so the CSRF check then
says "This form has expired"; here such a body is a 400 that says what is wrong. Multipart parts
without a name (no browser sends one) are ignored rather than handed to the views as a ``None`` key.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser


class UnreadableForm(BadRequest):
    """A form body whose text is not UTF-8."""

    description = "The form's text could not be read."


class StrictFormDataParser(FormDataParser):
    def parse(self, stream, mimetype, content_length, options=None):
        if mimetype != "application/x-www-form-urlencoded":
            return super().parse(stream, mimetype, content_length, options)
        try:
            return self._parse_urlencoded(stream, mimetype, content_length, options or {})
        except UnicodeDecodeError:
            raise UnreadableForm() from None


def _named(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if all(key for key in values.keys()):
        return values
    return ImmutableMultiDict([(key, value) for key, value in values.items(multi=True) if key])


class AppRequest(Request):
    form_data_parser_class = StrictFormDataParser

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name in ("form", "files"):
            values = self.__dict__.get(name)
            if values is not None:
                self.__dict__[name] = _named(values)
