"""gunicorn servers on loopback and a bounded load generator (http.client, one thread per client).

Servers listen on 127.0.0.1 only, on a free port, run with the given worker count and one
thread per worker, and are always terminated (context manager). The load generator sends a fixed
number of requests from a fixed number of concurrent clients and stops starting new ones at a
time cap. Each answer's ``Server-Timing: app;dur=<ms>`` (the app's own time, without the wait
for a free worker) is kept beside its latency.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .workload import REPO_ROOT, FormFields, form_pairs


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookies(self) -> dict[str, str]:
        """Cookies set by this response, name -> value (attributes such as Secure ignored)."""
        out = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            out[name.strip()] = rest.split(";", 1)[0]
        return out

    def server_seconds(self) -> float | None:
        """The app's own time from ``Server-Timing: app;dur=<ms>``, in seconds (None without one)."""
        match = _APP_DURATION.search(self.headers.get("Server-Timing") or "")
        return float(match[1]) / 1000 if match else None


_APP_DURATION = re.compile(r"(?:^|,)\s*app;dur=([0-9]+(?:\.[0-9]+)?)")


def request(port: int, method: str, path: str, *, fields: FormFields | None = None,
            cookie: str = "", headers: dict[str, str] | None = None, timeout: float = 120) -> Response:
    """One HTTP/1.1 request to 127.0.0.1:``port`` on a new connection (sync workers close it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = dict(headers or {})
        body = None
        if fields is not None:
            body = urlencode(fields).encode("ascii")
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            all_headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class Browser:
    """A single-threaded client with a cookie jar, for set-up steps (sign-in, fetching forms)."""

    def __init__(self, port: int):
        self.port = port
        self.jar: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.jar.items())

    def go(self, method: str, path: str, fields: FormFields | None = None) -> Response:
        response = request(self.port, method, path, fields=fields, cookie=self.cookie)
        for name, value in response.cookies().items():
            if value:
                self.jar[name] = value
            else:  # an emptied cookie is a deleted one
                self.jar.pop(name, None)
        return response


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornServer:
    """``gunicorn --workers N --threads 1`` serving ``app_spec`` on 127.0.0.1, as a context manager.

    The server runs in its own session (process group); on exit the master gets SIGTERM (it
    stops its workers), and the group gets SIGKILL only if the master has not exited in 15 s.
    """

    def __init__(self, app_spec: str, workers: int, env: dict[str, str], log_path: Path):
        self.app_spec, self.workers, self.env, self.log_path = app_spec, workers, env, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.ready_after = 0.0

    def __enter__(self) -> GunicornServer:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--threads", "1",
                   "--worker-class", "sync", "--timeout", "120", "--bind", f"127.0.0.1:{self.port}",
                   "--log-level", "warning", self.app_spec]
        self._log = open(self.log_path, "ab")
        self.started_at = time.monotonic()
        try:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=self._log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        """Poll until the server answers any HTTP request."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app_spec} exited with {self.process.returncode}; "
                                   f"log:\n{self.log_tail()}")
            try:
                request(self.port, "GET", "/favicon.ico", timeout=5)
                self.ready_after = time.monotonic() - self.started_at
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn {self.app_spec} not ready after {timeout:.0f} s; log:\n{self.log_tail()}")

    def worker_pids(self) -> set[int]:
        """The master's worker processes right now (Linux ``/proc``; empty when it cannot tell).

        gunicorn replaces a worker after ``max_requests`` (gunicorn.conf.py); comparing the set
        before and after a load shows whether requests had to wait for a new worker to boot.
        """
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
                return {int(child) for child in children.read().split()}
        except (OSError, ValueError):
            return set()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


@dataclass
class LoadResult:
    """Per successful request, in completion order: latency (s), completion time (monotonic), the
    request's number (the ``i`` of ``send(i)``), its Server-Timing (s, None if absent) and body size."""

    started: float
    finished: float = 0.0
    latencies: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    server_seconds: list[float | None] = field(default_factory=list)
    body_bytes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    capped: bool = False
    workers_replaced: int | None = None  # by gunicorn during the load (max_requests), None = not counted

    @property
    def elapsed(self) -> float:
        return self.finished - self.started

    @property
    def throughput(self) -> float:
        return len(self.completions) / self.elapsed if self.elapsed > 0 else 0.0


def run_load(send: Callable[[int], Response], check: Callable[[Response], str | None], *,
             total: int, clients: int, time_cap: float) -> LoadResult:
    """Send ``total`` requests from ``clients`` concurrent clients, each back to back.

    ``send(i)`` performs request number ``i``; ``check`` returns an error message or None. No new
    request starts after ``time_cap`` seconds (requests in flight finish).
    """
    result = LoadResult(started=time.monotonic())
    deadline = result.started + time_cap
    lock = threading.Lock()
    issued = 0

    def client() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= total:
                    return
                if time.monotonic() >= deadline:
                    result.capped = True
                    return
                number = issued
                issued += 1
            t0 = time.monotonic()
            response = None
            try:
                response = send(number)
                problem = check(response)
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            t1 = time.monotonic()
            with lock:
                if problem:
                    result.errors.append(problem)
                else:
                    result.latencies.append(t1 - t0)
                    result.completions.append(t1)
                    result.numbers.append(number)
                    result.server_seconds.append(response.server_seconds())
                    result.body_bytes.append(len(response.body))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.finished = max(result.completions, default=time.monotonic())
    return result


def pdf_check(response: Response) -> str | None:
    if response.status != 200 or not response.body.startswith(b"%PDF-"):
        return f"status {response.status}: {response.body[:80]!r}"
    return None


def ok_check(response: Response) -> str | None:
    return None if response.status == 200 else f"status {response.status}"


def timed_ok_check(response: Response) -> str | None:
    """200 with a Server-Timing the bench can read (the figures of the app's own time need it)."""
    if response.status != 200:
        return f"status {response.status}: {response.body[:80]!r}"
    return None if response.server_seconds() is not None else "no Server-Timing: app;dur=<ms> header"


def sign_in_if_asked(browser: Browser, path: str, credentials: Callable[[], tuple[str, str]]) -> Response:
    """GET ``path``; if the app redirects to a sign-in page, sign in there and GET it again.

    ``credentials()`` returns (email, password) of an account that exists in the server's
    database (created on first call).
    """
    response = browser.go("GET", path)
    location = response.headers.get("Location", "")
    if response.status in (301, 302, 303, 307, 308) and "login" in location:
        login_path = urlsplit(location).path or location
        page = browser.go("GET", login_path)
        email, password = credentials()
        fields = [(n, v) for n, v in form_pairs(page.body.decode("utf-8", "replace"))
                  if n not in ("email", "password")]
        answer = browser.go("POST", login_path, fields + [("email", email), ("password", password)])
        if answer.status not in (302, 303) or "login" in answer.headers.get("Location", ""):
            raise RuntimeError(f"signing in at {login_path} failed with status {answer.status}")
        response = browser.go("GET", path)
    return response
