"""``Server-Timing: app;dur=<ms>`` on every response: how long the app took to answer.

WSGI middleware around the whole app (host check and error pages included), so the time covers
everything from the request reaching the app to the response's status and headers; a body the
app streams afterwards (a large file) is not in it. ``make bench`` reads it to tell the server's
own time from the time a request waited for a free worker. The header carries that one number,
to a tenth of a millisecond, and nothing else: no metric names, descriptions or other timings.
"""

from __future__ import annotations

from time import perf_counter

HEADER = "Server-Timing"


def server_timing_value(seconds: float) -> str:
    """``app;dur=12.3``: ``seconds`` in milliseconds, one decimal."""
    return f"app;dur={seconds * 1000:.1f}"


class ServerTiming:
    """WSGI middleware: adds :data:`HEADER` to every response, replacing any the app set."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            headers.append((HEADER, server_timing_value(perf_counter() - started)))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed_start_response)
