"""Backup and restore (K5): a consistent copy while the app writes, and a round trip that loses nothing.

On SQLite through SQLite's online backup API, on PostgreSQL through pg_dump and pg_restore.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from prescribe import audit
from prescribe.db import create_database_engine, get_session
from prescribe.models import AuditEvent, Handout, HandoutVersion, Patient

from . import conftest
from .conftest import builder_form


def _download(client, name: str) -> bytes:
    form = builder_form(client, "hip-pain")
    form.update(patient_name=name, action="download")
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    return response.data


def _state(app) -> dict:
    """What a restore must bring back exactly: handouts, every PDF's hash, patients, the audit chain."""
    with app.app_context():
        db = get_session()
        return {
            "handouts": [(h.id, h.patient_name) for h in db.scalars(select(Handout).order_by(Handout.id))],
            "pdfs": [(v.id, v.pdf_sha256) for v in db.scalars(select(HandoutVersion).order_by(HandoutVersion.id))],
            "patients": [p.display_name for p in db.scalars(select(Patient).order_by(Patient.id))],
            "audit": [e.row_hash for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))],
        }


def test_backup_and_restore_round_trip(app, client, runner, tmp_path):
    first = _download(client, "Ann Example")
    backup = tmp_path / "backups" / "prescribe.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Integrity checked" in result.output and backup.stat().st_size > len(first)
    snapshot = _state(app)
    assert snapshot["audit"] and snapshot["pdfs"]

    _download(client, "Bob Later")  # written after the backup: the restore must drop it
    assert _state(app) != snapshot
    restored = runner.invoke(args=["restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "audit log intact" in restored.output
    after = _state(app)
    assert after["handouts"] == snapshot["handouts"] and after["pdfs"] == snapshot["pdfs"]
    assert after["patients"] == snapshot["patients"]
    assert after["audit"][:len(snapshot["audit"])] == snapshot["audit"]
    with app.app_context():
        last = get_session().scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert last.action == "restore" and last.detail.startswith(f"from {backup.name}")
    assert client.get("/handouts/1/versions/1.pdf").data == first  # the app serves the restored data
    assert runner.invoke(args=["audit-check"]).exit_code == 0


def test_a_backup_taken_while_the_app_writes_is_one_consistent_instant(app, runner, tmp_path):
    """A writer appends audit rows throughout; the copy's hash chain must still be whole."""
    url = app.config["DATABASE_URL"]
    stop = threading.Event()
    written = []

    def writer() -> None:
        engine = create_database_engine(url)
        try:
            while not stop.is_set():
                with Session(engine) as session:
                    audit.record(session, "handout_view", clinic_id=1, user_id=1, object_type="handout",
                                 object_id=len(written) + 1, ip="10.0.0.2")
                    session.commit()
                written.append(1)
        finally:
            engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        backup = tmp_path / "live.backup"
        result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
    # Restore the copy into a database of its own and check it there.
    copy = conftest.make_app(tmp_path, DATABASE_URL=conftest.DATABASES.empty_url(tmp_path, "restored"))
    try:
        copy_runner = copy.test_cli_runner()
        assert copy_runner.invoke(args=["restore", "--yes", str(backup)]).exit_code == 0
        with copy.app_context():
            report = audit.verify_chain(get_session())
            assert report.ok, report.problem
            assert 20 <= report.rows <= len(written) + 2  # at least what was there, at most everything
    finally:
        copy.extensions["db_engine"].dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello, this is not a database" * 100)
    result = runner.invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "not a usable SQLite backup" in result.output or "pg_restore failed" in result.output
    assert runner.invoke(args=["audit-check"]).exit_code == 0  # the database is untouched
