"""The app's request class: form bodies read strictly enough that a bad one gets a clear answer.

Werkzeug drops a whole urlencoded body that is not UTF-8 without a word, so the CSRF check then
says "This form has expired"; here such a body is a 400 that says what is wrong, as is a query
string with raw bytes that are not UTF-8 (Werkzeug would raise). Multipart parts
without a name (no browser sends one) are ignored rather than handed to the views as a ``None`` key.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property


class UnreadableForm(BadRequest):
    """A form body whose text is not UTF-8."""

    description = "The form's text could not be read."


class UnreadableAddress(BadRequest):
    """A query string with bytes that are not UTF-8 (a browser percent-encodes them)."""

    description = "The address could not be read."


class StrictFormDataParser(FormDataParser):
    def parse(self, stream, mimetype, content_length, options=None):
        if mimetype == "multipart/form-data":
            return self._parse_multipart_closing_leftovers(stream, mimetype, content_length, options)
        if mimetype != "application/x-www-form-urlencoded":
            return super().parse(stream, mimetype, content_length, options)
        try:
            return self._parse_urlencoded(stream, mimetype, content_length, options or {})
        except UnicodeDecodeError:
            raise UnreadableForm() from None

    def _parse_multipart_closing_leftovers(self, stream, mimetype, content_length, options):
        """Werkzeug's multipart parsing, closing every file part it opened but did not hand over.

        A body cut off inside a file part, or broken after one, leaves Werkzeug's temporary file
        open (the request's ``close()`` only reaches the files it returned): a file descriptor held
        until the garbage collector finds it, with a ResourceWarning.
        """
        opened = []
        factory = self.stream_factory

        def tracked(*args, **kwargs):
            opened.append(file := factory(*args, **kwargs))
            return file

        self.stream_factory = tracked
        handed_over: set[int] = set()
        try:
            result = super().parse(stream, mimetype, content_length, options)
            handed_over = {id(storage.stream) for _, storage in result[2].items(multi=True)}
            return result
        finally:
            self.stream_factory = factory
            for file in opened:
                if id(file) not in handed_over:
                    file.close()


def _named(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if all(key for key in values.keys()):
        return values
    return ImmutableMultiDict([(key, value) for key, value in values.items(multi=True) if key])


class AppRequest(Request):
    form_data_parser_class = StrictFormDataParser

    @cached_property
    def args(self) -> MultiDict[str, str]:
        refuse_unreadable_address(self)
        return super().args

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name in ("form", "files"):
            values = self.__dict__.get(name)
            if values is not None:
                self.__dict__[name] = _named(values)


def refuse_unreadable_address(request: Request | None = None) -> None:
    """400 for a query string that is not UTF-8; runs before anything reads ``request.full_path``."""
    from flask import request as current_request

    try:
        (request or current_request).query_string.decode()
    except UnicodeDecodeError:
        raise UnreadableAddress() from None


def register_request_checks(app) -> None:
    """The first check of every request (before the sign-in guard, which reads the full path)."""
    app.request_class = AppRequest
    app.before_request(refuse_unreadable_address)
