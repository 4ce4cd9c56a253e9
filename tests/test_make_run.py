"""`make run` serves with the production server (gunicorn on 127.0.0.1), never Flask's development server.

Runs the real target in its own instance folder (PRESCRIBE_INSTANCE_PATH) on a free port, signs in
with the demo login it prints, and opens the builder. Marked ``slow`` (it starts real processes):
``make test`` runs it alone after the database passes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from prescribe.accounts.demo import read_demo_login
from scripts.loopback import Browser, free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def test_make_run_serves_the_app_with_gunicorn_on_loopback(tmp_path):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PRESCRIBE_INSTANCE_PATH": str(tmp_path / "instance"),
           "PRESCRIBE_WORKERS": "2", "PYTHONUNBUFFERED": "1"}
    for name in ("PRESCRIBE_DATABASE_URL", "PRESCRIBE_ENV_NAME", "PRESCRIBE_BIND", "PRESCRIBE_TEST_DATABASE"):
        env.pop(name, None)
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(base + "/auth/login", timeout=10) as response:
                    server = response.headers.get("Server", "")
                    break
            except OSError:
                assert process.poll() is None, "".join(lines)[-3000:]
                assert time.monotonic() < deadline, "make run did not serve within 180 s:\n" + "".join(lines)[-3000:]
                time.sleep(0.5)
        assert server.startswith("gunicorn"), server
        email, password = read_demo_login(tmp_path / "instance")
        browser = Browser(base)
        browser.sign_in(email, password)
        assert browser.request("/build/hip-pain").status == 200
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}" in output and password in output  # the address and the login, printed
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=10)
        process.stdout.close()
    output = "".join(lines)
    assert "development server" not in output.lower(), output[-3000:]
    assert "Booting worker" in output and f"Listening at: http://127.0.0.1:{port}" in output
    assert "Traceback" not in output, output[-3000:]
