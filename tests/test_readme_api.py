"""The README's API example, run as written against a live server: build, print and download a
handout through the API alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import make_server

from prescribe.db import get_session
from prescribe.models import HandoutVersion

from .test_api import token_for

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    text = README.read_text()
    found = re.search(r"<!-- api-example -->\n```python\n(.*?)```", text, re.S)
    assert found, "the README has lost its API example"
    return found.group(1)


def test_the_readme_example_builds_prints_and_downloads_a_handout(app, default_therapist, tmp_path):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "PRESCRIBE_URL": f"http://127.0.0.1:{server.server_port}",
               "PRESCRIBE_TOKEN": token_for(app, default_therapist, "read-write")}
        run = subprocess.run([sys.executable, "-c", _example()], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stderr
    assert "Printed handout 1 version 1" in run.stdout
    pdf = (tmp_path / "handout.pdf").read_bytes()
    with app.app_context():
        version = get_session().scalar(select(HandoutVersion))
        assert pdf == version.pdf  # what was downloaded is what was kept
        program = json.loads(version.program_json)
        assert program["diagnosis"] == "hip-osteoarthritis" and program["affected_side"] == "left"
        bridge = next(i for i in program["items"] if i["exercise"] == "bridge")["dose"]
        assert (bridge["sets"], bridge["reps"]) == (2, 12)  # the default is 3 x 10
        assert program["patient_reference"] == "MRN-1042"
