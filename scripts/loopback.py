"""Shared by the crash and load tests: a real gunicorn on loopback, a database, browser-like clients.

The server runs exactly as deployed (``gunicorn -c gunicorn.conf.py wsgi:app``, production settings,
SQLite in WAL mode or whatever ``DATABASE_URL`` names), on a free port of 127.0.0.1, in its own
process group so it can be killed whole. Clients sign in through the real form, carry their own
cookies, and post the builder's form exactly as a browser would.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "Durable-Kettle-Harbour-2046"
EMAIL = "load@durability.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(url: str, workdir: Path) -> None:
    """Migrate the database and add a clinic admin the clients sign in as."""
    sys.path.insert(0, str(REPO))
    from prescribe import create_app
    from prescribe.accounts.users import create_user
    from prescribe.clinics import ensure_default_clinic
    from prescribe.db import create_tables, get_session

    app = create_app({"ENV_NAME": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
                      "INSTANCE_PATH": str(workdir / "instance")})
    with app.app_context():
        create_tables(app)
        session = get_session()
        clinic = ensure_default_clinic(session, workdir / "instance")
        create_user(session, clinic, EMAIL, PASSWORD, role="admin", name="Load Test")
        session.commit()
    app.extensions["db_engine"].dispose()


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py, ``workers`` sync workers, on loopback."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2, settings: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = workdir / "gunicorn-error.log"
        self.access_log = workdir / "gunicorn-access.log"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PRESCRIBE_ENV_NAME": "production",
               "PRESCRIBE_SECRET_KEY": secrets.token_hex(32), "PRESCRIBE_SESSION_COOKIE_SECURE": "false",
               "PRESCRIBE_DATABASE_URL": database_url, "PRESCRIBE_BIND": f"127.0.0.1:{self.port}",
               "PRESCRIBE_WORKERS": str(workers), "PYTHONUNBUFFERED": "1"}
        # Production refuses a cookie without Secure; on plain-http loopback this run is "staging".
        env["PRESCRIBE_ENV_NAME"] = "staging"
        # The workers' warm-up of handout layouts would share the CPU with what a test measures:
        # off unless a test asks for it (``settings``: more PRESCRIBE_* settings).
        env["PRESCRIBE_HANDOUT_WARM_LAYOUTS"] = "false"
        env.update(settings or {})
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--error-logfile", str(self.error_log),
             "--access-logfile", str(self.access_log), "wsgi:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(self.base + "/auth/login", timeout=10).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.error_log.read_text(errors="replace")[-3000:] if self.error_log.exists() else ""
                    raise RuntimeError(f"gunicorn did not start:\n{log}") from None
                time.sleep(0.3)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_worker(self) -> int | None:
        """SIGKILL one worker (the master starts a new one); its pid, or None if there was none."""
        pids = self.worker_pids()
        if not pids:
            return None
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once: the whole server dies mid-request."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_all()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in (self.error_log, self.access_log) if p.exists())


class _Fields(HTMLParser):
    """The fields a browser would submit from a page's main form (the builder's), in page order."""

    def __init__(self):
        super().__init__()
        self.pairs: list[list[str]] = []
        self._textarea: list[str] | None = None
        self._select: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "action":
            if a.get("type") != "checkbox":
                self.pairs.append([name, a.get("value") or ""])
            elif "checked" in a:
                self.pairs.append([name, a.get("value") or "y"])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.pairs.append(self._textarea)
        elif tag == "select" and name:
            self._select = [name, ""]
            self.pairs.append(self._select)
        elif tag == "option" and self._select is not None and "selected" in a:
            self._select[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops one line break right after <textarea> (the HTML parsing rules).
            text = self._textarea[1]
            self._textarea[1] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_pairs(html: str) -> list[tuple[str, str]]:
    """The fields a browser would submit from the page's form (without pressing a button), as
    ``(name, value)`` pairs in page order."""
    parser = _Fields()
    parser.feed(html)
    return [(name, value) for name, value in parser.pairs]


def form_fields(html: str) -> dict[str, str | list[str]]:
    """:func:`form_pairs` by name: a name that several fields share (ticked advice lines, say)
    maps to the list of their values."""
    grouped: dict[str, list[str]] = {}
    for name, value in form_pairs(html):
        grouped.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in grouped.items()}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    seconds: float


class Browser:
    """One signed-in browser: its own cookies, real forms, real CSRF tokens."""

    def __init__(self, base: str, timeout: float = 90):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, path: str, data: dict[str, str | list[str]] | None = None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.monotonic()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=self.timeout) as r:
                return Reply(r.status, r.read(), r.headers.get("Content-Type", ""), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), error.headers.get("Content-Type", ""),
                         time.monotonic() - started)

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD) -> None:
        page = self.request("/auth/login").body.decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        reply = self.request("/auth/login", {"csrf_token": token, "email": email, "password": password})
        if reply.status != 302:
            raise RuntimeError(f"sign-in failed: {reply.status}")

    def builder(self, path: str = "/build/hip-pain") -> dict[str, str | list[str]]:
        reply = self.request(path)
        if reply.status != 200:
            raise RuntimeError(f"GET {path}: {reply.status}")
        return form_fields(reply.body.decode())

    def download(self, fields: dict[str, str | list[str]]) -> Reply:
        return self.request("/build/", {**fields, "action": "download"})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_nginx() -> Path | None:
    """The machine's nginx binary (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    import shutil

    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                           if Path(p).exists()), None)
    return Path(found) if found else None


class Nginx:
    """nginx on a free loopback port in front of ``upstream_port``, with deploy/prescribe-proxy.conf:
    the same timeouts, body limits and buffering as the production site (deploy/nginx.conf)."""

    def __init__(self, binary: Path, upstream_port: int, workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = workdir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.error_log = self.dir / "error.log"
        temp = "\n".join(f"    {kind}_temp_path {self.dir / sub};" for kind, sub in
                         (("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"),
                          ("uwsgi", "uwsgi"), ("scgi", "scgi")))
        config = self.dir / "nginx.conf"
        config.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.dir / "nginx.pid"};
error_log {self.error_log} warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
{temp}
    upstream prescribe_app {{ server 127.0.0.1:{upstream_port}; }}
    server {{
        listen 127.0.0.1:{self.port};
        server_name _;
        include {REPO / "deploy" / "prescribe-proxy.conf"};
    }}
}}
""")
        with open(self.dir / "stderr.log", "wb") as stderr:  # the child keeps its own copy
            self.process = subprocess.Popen([str(binary), "-p", str(self.dir), "-c", str(config), "-e",
                                             str(self.error_log)], stdout=subprocess.DEVNULL, stderr=stderr,
                                            start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not start: {self.log_text()[-2000:]}") from None
                time.sleep(0.1)

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in (self.dir / "stderr.log", self.error_log)
                       if path.exists())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: nginx's own "stop"
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
