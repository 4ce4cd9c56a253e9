"""Durability against real gunicorn workers on loopback (K4, M4): the crash test and the load test.

Both run the scripts in ``scripts/`` as a subprocess, on SQLite, and assert on the figures they
report (also printed in the test summary). Marked ``slow``: ``make test`` runs them once, alone,
after the two database passes, so no other test competes with them for the CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from . import figures

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(script: str, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--json", str(out), *args],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    figures.note(summary)
    data = json.loads(out.read_text())
    assert result.returncode == 0, f"{summary}\n{json.dumps(data, indent=2)}"
    return data


def test_no_acknowledged_save_is_lost_when_gunicorn_workers_are_killed(tmp_path):
    """K4: SIGKILL workers mid-stream, then the whole server; every acknowledged save is there, intact."""
    data = _run("crash_test.py", tmp_path, "--clients", "6", "--saves", "12", "--kills", "4")
    assert data["acknowledged"] >= 12 and data["lost"] == 0 and data["found"] == data["acknowledged"]
    assert data["kills"] == 5  # 4 workers mid-stream, and the whole server at the end
    assert data["integrity_check"] == "ok" and data["audit_chain"] == "ok"
    assert data["handouts_without_a_version"] == 0 and data["pdfs_not_matching_their_sha256"] == 0


def test_sixteen_clients_save_and_print_for_a_minute_without_an_error_or_a_lock(tmp_path):
    """M4: 16 concurrent clients, 2 workers, SQLite, 60 s: 0 errors, 0 "database is locked"."""
    data = _run("load_test.py", tmp_path, "--clients", "16", "--seconds", "60", "--workers", "2")
    assert data["errors"] == 0 and data["database_is_locked"] == 0
    assert data["saves"] >= 16 and data["reprints"] >= 2 * 16
