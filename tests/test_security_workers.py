"""The sign-in throttle under real gunicorn with two worker processes on loopback (A6, I2).

An in-memory limiter would let each worker count on its own (security.md trap 5); the counts live
in the database, so ten failures lock the account whichever worker served them.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import TEST_PASSWORD

REPO = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _attempt(base: str, email: str, password: str) -> int:
    """One sign-in in a fresh browser: read the form's token, post it; the HTTP status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
    page = opener.open(base + "/auth/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    try:
        return opener.open(urllib.request.Request(base + "/auth/login", data=body,
                                                  headers={"Connection": "close"}), timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def gunicorn(app, tmp_path):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    port = _free_port()
    log = tmp_path / "access.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "PRESCRIBE_ENV_NAME": "staging", "PRESCRIBE_SESSION_COOKIE_SECURE": "false",
           "PRESCRIBE_SECRET_KEY": "a-long-enough-secret-key-for-this-test-0123456789",
           "PRESCRIBE_DATABASE_URL": app.config["DATABASE_URL"]}
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "2", "--threads", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/auth/login", timeout=5)
                break
            except OSError:  # refused, reset or timed out while the workers warm up
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # gunicorn and the two workers it started
        process.wait(timeout=30)
        process.stderr.close()


def test_ten_failures_lock_the_account_across_two_gunicorn_workers(gunicorn, default_therapist):
    from concurrent.futures import ThreadPoolExecutor

    base, log = gunicorn
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: both workers are kept busy
        statuses = sorted(pool.map(lambda i: _attempt(base, default_therapist.email, f"Wrong-password-{i:03d}"),
                                   range(10)))
    assert statuses == [422] * 9 + [429]
    assert _attempt(base, default_therapist.email, TEST_PASSWORD) == 429
    time.sleep(0.5)
    posting_workers = {line.split()[0] for line in log.read_text().splitlines() if " POST /auth/login " in line}
    assert len(posting_workers) == 2, "both workers should have served sign-ins (else the test proves less)"
