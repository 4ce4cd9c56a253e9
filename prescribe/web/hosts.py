"""The host names the app answers to: any other or malformed ``Host`` gets a plain 400.

Checked in front of Flask (WSGI middleware), so no part of the app ever builds a URL from a host
it does not serve: a malformed one (``a..b``, a label over 63 characters) used to fail inside
Werkzeug's IDNA encoding and then again in the error page. ``ALLOWED_HOSTS`` lists the names
(``PRESCRIBE_ALLOWED_HOSTS="clinic.example,www.clinic.example"``; a leading dot allows every
subdomain); the default is the loopback names ``make run`` serves on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from .headers import SECURITY_HEADERS

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^(?P<name>{_LABEL}(?:\.{_LABEL})*\.?|\[(?P<ipv6>[0-9a-f:.]{{2,45}})\])"
                   r"(?::(?P<port>[0-9]{1,5}))?$", re.ASCII)
MAX_HOST = 255


def trusted_hosts(value: object) -> tuple[str, ...]:
    """The configured host names, lower case: a list, or a comma-separated string from the environment."""
    if value is None:
        return LOOPBACK_HOSTS
    items: Iterable[object] = value.split(",") if isinstance(value, str) else value  # type: ignore[assignment]
    hosts = tuple(str(item).strip().lower().strip("[]") for item in items if str(item).strip())
    return hosts


def host_name(header: str) -> str | None:
    """The host name of a ``Host`` header (no port, lower case), or None when it is malformed."""
    if not header or len(header) > MAX_HOST:
        return None
    match = _HOST.match(header.lower())
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) < 65536):
        return None
    return match["ipv6"] if match["ipv6"] is not None else match["name"].rstrip(".")


def is_trusted(name: str, hosts: tuple[str, ...]) -> bool:
    return any(name == host or (host.startswith(".") and (name.endswith(host) or name == host[1:]))
               for host in hosts)


class HostCheck:
    """WSGI middleware: requests for a host the app does not serve never reach Flask."""

    BODY = b"Bad request: this server does not answer to that host name.\n"

    def __init__(self, app, hosts: tuple[str, ...], *, hsts: str | None = None):
        self.app = app
        self.hosts = hosts
        self.extra_headers = [("Strict-Transport-Security", hsts)] if hsts else []
        self._warned = False

    def __call__(self, environ, start_response):
        header = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        name = host_name(header)
        if name is not None and is_trusted(name, self.hosts):
            return self.app(environ, start_response)
        if not self._warned:  # one line, once per worker: a flood of bad hosts must not fill the log
            self._warned = True
            log.warning("Refused a request for a host name the app does not serve (%r); set "
                        "PRESCRIBE_ALLOWED_HOSTS if that is this server's name. Further refusals are "
                        "not logged.", header[:80])
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(self.BODY))),
                   ("Cache-Control", "no-store"), *SECURITY_HEADERS.items(), *self.extra_headers]
        start_response("400 Bad Request", headers)
        return [self.BODY]
