"""Crash test: SIGKILL gunicorn workers while clients save handouts; nothing acknowledged may be lost.

Several signed-in clients save handouts (each with a unique patient name) through the real builder
form against gunicorn on loopback. While they do, the test SIGKILLs a worker each time two more
saves got through (the master starts a new one), and at the end SIGKILLs the whole server mid-request. Then, with the
server dead, it opens the database and checks that every save that got a success reply (200 and
a PDF) is there with exactly the PDF bytes that reply carried, that no handout is half-written
(a handout without a version, a version without its audit row), that the audit chain is whole,
and that SQLite's ``PRAGMA integrity_check`` says ok.

    .venv/bin/python scripts/crash_test.py [--clients 6] [--saves 12] [--kills 4] [--json FILE]

Exit status 0 when 0 saves were lost and every check passed; the figures are printed (and
written as JSON with --json).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loopback import Browser, Gunicorn, prepare_database, sha256  # noqa: E402


def run(clients: int, saves: int, worker_kills: int, max_seconds: float, workdir: Path) -> dict:
    database = workdir / "crash.sqlite"
    url = f"sqlite:///{database}"
    prepare_database(url, workdir)
    server = Gunicorn(url, workdir, workers=2)
    acknowledged: dict[str, str] = {}  # patient name -> sha256 of the PDF the client received
    unanswered: list[str] = []  # saves cut off by a kill: they may or may not have been committed
    refused: list[str] = []  # an HTTP error that is not a kill (should never happen)
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        browser = None
        attempt = 0  # never reset: every save has a name of its own
        while not stop.is_set():
            try:
                if browser is None:
                    browser = Browser(server.base, timeout=60)
                    browser.sign_in()
                fields = browser.builder()
            except Exception:  # noqa: BLE001 - the worker serving this was killed: start again
                browser = None
                time.sleep(0.2)
                continue
            attempt += 1
            name = f"Crash Patient {number:02d}-{attempt:04d}"
            fields.update(patient_name=name, patient_reference=f"C{number:02d}{attempt:04d}")
            try:
                reply = browser.download(fields)
            except Exception:  # noqa: BLE001 - connection reset or refused: a kill cut it off
                with lock:
                    unanswered.append(name)
                browser = None
                continue
            with lock:
                if reply.status == 200 and reply.content_type.startswith("application/pdf"):
                    acknowledged[name] = sha256(reply.body)
                elif reply.status in (502, 503):
                    unanswered.append(name)
                else:
                    refused.append(f"{name}: HTTP {reply.status}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    kills = 0
    acknowledged_at_last_kill = 0
    try:
        # Kill a worker each time a couple more saves got through, so every kill lands while
        # clients are mid-stream and the run makes progress between kills however slow the machine.
        while time.monotonic() - started < max_seconds:
            time.sleep(0.05)
            with lock:
                done = len(acknowledged)
            if done >= saves and kills >= worker_kills:
                break
            if kills < worker_kills and done - acknowledged_at_last_kill >= 2:
                if server.kill_worker() is not None:
                    kills += 1
                acknowledged_at_last_kill = done
        server.kill_all()  # and finally the whole server, while clients are mid-request
        kills += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        server.stop()
    return {"run_seconds": round(time.monotonic() - started, 1), "clients": clients, "kills": kills,
            **verify(database, acknowledged, unanswered), "refused": refused}


def verify(database: Path, acknowledged: dict[str, str], unanswered: list[str]) -> dict:
    """Open the database the dead server left and check it against what clients were told."""
    connection = sqlite3.connect(database)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchall()
        rows = connection.execute(
            "SELECT h.patient_name, v.pdf, v.pdf_sha256 FROM handout h JOIN handout_version v ON v.handout_id = h.id"
        ).fetchall()
        stored = {name: (sha256(pdf), recorded) for name, pdf, recorded in rows}
        found = [name for name, digest in acknowledged.items() if name in stored and stored[name][0] == digest]
        corrupt = [name for name, (actual, recorded) in stored.items() if actual != recorded]
        orphans = connection.execute(
            "SELECT count(*) FROM handout h"
            " WHERE NOT EXISTS (SELECT 1 FROM handout_version v WHERE v.handout_id = h.id)"
        ).fetchone()[0]
        versions = connection.execute("SELECT count(*) FROM handout_version").fetchone()[0]
        printed = connection.execute("SELECT count(*) FROM audit_log WHERE action = 'handout_print'").fetchone()[0]
    finally:
        connection.close()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sqlalchemy.orm import Session

    from prescribe.audit import verify_chain
    from prescribe.db import create_database_engine

    engine = create_database_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        chain = verify_chain(session)
    engine.dispose()
    return {
        "acknowledged": len(acknowledged), "found": len(found), "lost": len(acknowledged) - len(found),
        "unanswered": len(unanswered), "unanswered_but_saved": sum(name in stored for name in unanswered),
        "versions_in_database": versions, "pdfs_not_matching_their_sha256": len(corrupt),
        "handouts_without_a_version": orphans, "versions_without_their_audit_row": versions - printed,
        "audit_chain": "ok" if chain.ok else f"broken at row {chain.first_bad_id}: {chain.problem}",
        "integrity_check": integrity[0][0] if integrity == [("ok",)] else repr(integrity[:5]),
    }


def passed(figures: dict) -> bool:
    return (figures["acknowledged"] > 0 and figures["lost"] == 0 and figures["integrity_check"] == "ok"
            and figures["pdfs_not_matching_their_sha256"] == 0 and figures["handouts_without_a_version"] == 0
            and figures["versions_without_their_audit_row"] == 0 and figures["audit_chain"] == "ok"
            and not figures["refused"] and figures["kills"] >= 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--saves", type=int, default=12, help="acknowledged saves to reach before the end")
    parser.add_argument("--kills", type=int, default=4, help="workers to SIGKILL mid-stream before the end")
    parser.add_argument("--max-seconds", type=float, default=240, help="end here even if short of either")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prescribe-crash-") as workdir:
        figures = run(args.clients, args.saves, args.kills, args.max_seconds, Path(workdir))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = passed(figures)
    print(f"crash test ({figures['clients']} clients, {figures['run_seconds']} s): "
          f"{figures['acknowledged']} saves acknowledged, {figures['found']} found intact, "
          f"{figures['lost']} lost; {figures['kills']} SIGKILLs; integrity_check {figures['integrity_check']}; "
          f"audit chain {figures['audit_chain']} -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
