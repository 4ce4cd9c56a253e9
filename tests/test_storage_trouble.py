"""A full disk or a read-only database (issue 22): a 503 that says nothing was saved, the form kept,
one log line, and the app saves again by itself once the trouble is gone. No save is lost: every
Download that answered with a PDF is in the database, and every one that got the 503 is not.

The full disk is real: a 16 MB tmpfs the test mounts (as root), holding the SQLite database, filled
with a file until the kernel says ENOSPC. Where mounting is not allowed (no root), SQLite's own
page limit (``PRAGMA max_page_count``) gives the same SQLITE_FULL. The read-only database is a
read-only SQLite URI, and on the PostgreSQL pass a connection with ``default_transaction_read_only``.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from prescribe.db import StorageTrouble, create_tables, get_session, storage_trouble
from prescribe.models import HandoutVersion, ProgramTemplate

from . import figures
from .conftest import add_user, builder_form, default_clinic_id, make_app, sign_in
from .databases import requested_backend


@pytest.fixture(autouse=True)
def fresh_storage_log():
    """Each test sees its own first log line (the line repeats at most once a minute per process)."""
    from prescribe import db

    db._last_logged.clear()
    yield
    db._last_logged.clear()


def _versions(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(HandoutVersion.id)))


def _templates(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(ProgramTemplate.id)))


def _trouble_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Storage trouble")]


def _assert_no_tracebacks(caplog) -> None:
    assert not [r.getMessage() for r in caplog.records if r.exc_info], "a traceback was logged"


def _refused_save(client, form: dict, what: str, *, name: str) -> None:
    """Download and Save as template both get the 503 builder page with everything typed kept."""
    response = client.post("/build/", data={**form, "patient_name": name, "action": "download"})
    assert response.status_code == 503
    html = unescape(response.get_data(as_text=True))
    assert f"Nothing was saved: {what}" in html and 'role="alert"' in html
    assert f'value="{name}"' in html  # the form as typed, ready to send again
    assert 'name="exercises-0-sets"' in html
    saved = client.post("/build/", data={**form, "template_name": "Weeks 1-4", "template_scope": "personal",
                                         "action": "template"})
    assert saved.status_code == 503 and f"Nothing was saved: {what}" in unescape(saved.get_data(as_text=True))


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _fill(directory: Path) -> Path:
    """Fill the file system holding ``directory`` until the kernel refuses (ENOSPC); the filler file."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (256 * 1024, 4096, 64):  # big chunks, then the last pages
            for _ in range(20_000):  # bounded
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break
            else:
                raise AssertionError("the small file system never filled up")
    finally:
        os.close(descriptor)
    return filler


def test_a_full_disk_gets_a_503_keeps_the_form_and_recovers_by_itself(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    disk = tmp_path / "disk"
    real_disk = _mount_tmpfs(disk, "16m")
    page_limit = {"pages": None}  # the fallback: SQLite's own limit stands in for the disk's size
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{disk / 'prescribe.sqlite'}")
    engine = app.extensions["db_engine"]
    if not real_disk:
        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection, _record):
            if page_limit["pages"]:
                dbapi_connection.execute(f"PRAGMA max_page_count={page_limit['pages']}")
    try:
        create_tables(app)
        therapist = add_user(app, default_clinic_id(app), "full.disk@riverside.example")
        client = sign_in(app, app.test_client(), therapist)
        form = builder_form(client, "hip-pain")
        first = client.post("/build/", data={**form, "patient_name": "Ann Before", "action": "download"})
        assert first.status_code == 200 and first.mimetype == "application/pdf"
        assert _versions(app) == 1

        if real_disk:
            filler = _fill(disk)
        else:
            with engine.connect() as connection:  # no free pages left inside the file, and no growth
                connection.exec_driver_sql("COMMIT")  # out of the engine's BEGIN IMMEDIATE: VACUUM runs alone
                connection.exec_driver_sql("VACUUM")
                page_limit["pages"] = connection.exec_driver_sql("PRAGMA page_count").scalar()
            engine.dispose()
        assert client.get("/build/hip-pain").status_code == 200  # reading still works
        for attempt in range(3):
            _refused_save(client, form, StorageTrouble.FULL.value, name=f"Ann During {attempt}")
        assert _versions(app) == 1 and _templates(app) == 0  # nothing half-saved
        assert len(_trouble_lines(caplog)) == 1  # one line for six refused saves
        _assert_no_tracebacks(caplog)

        if real_disk:
            filler.unlink()
        else:
            page_limit["pages"] = None
            engine.dispose()
        again = client.post("/build/", data={**form, "patient_name": "Ann During 2", "action": "download"})
        assert again.status_code == 200 and again.mimetype == "application/pdf"  # recovered, no restart
        assert _versions(app) == 2  # 2 saves answered with a PDF, 2 in the database: 0 lost
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        limit = "a 16 MB tmpfs filled to ENOSPC" if real_disk else "its max_page_count"
        figures.note(f"storage, full disk (SQLite on {limit}):"
                     " 6 saves refused with a 503 and the form kept, 2 saves answered with a PDF and 2 stored"
                     " (0 lost), 1 log line, saved again without a restart")
    finally:
        engine.dispose()
        if real_disk:
            subprocess.run(["umount", str(disk)], check=False)


def _read_only_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-c%20default_transaction_read_only%3Don"


def test_a_read_only_database_gets_a_503_for_saves_and_sign_in_and_no_save_is_lost(tmp_path, app, client,
                                                                                   default_therapist, caplog):
    caplog.set_level(logging.INFO)
    form = builder_form(client, "hip-pain")
    assert client.post("/build/", data={**form, "patient_name": "Ben One", "action": "download"}).status_code == 200
    assert _versions(app) == 1

    read_only = make_app(tmp_path, DATABASE_URL=_read_only_url(app.config["DATABASE_URL"]))
    try:
        stuck = read_only.test_client()
        stuck.set_cookie(app.config["SESSION_COOKIE_NAME"],
                         client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
        assert stuck.get("/").status_code == 200  # reading works, the session still signs in
        _refused_save(stuck, form, StorageTrouble.READ_ONLY.value, name="Ben Two")

        anonymous = read_only.test_client()
        page = anonymous.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        signing_in = anonymous.post("/auth/login", data={"csrf_token": token, "email": default_therapist.email,
                                                         "password": default_therapist.password})
        assert signing_in.status_code == 503
        assert "Nothing was saved: the database is read-only" in signing_in.get_data(as_text=True)
        assert "Something went wrong" not in signing_in.get_data(as_text=True)
        assert signing_in.headers["Content-Security-Policy"]
    finally:
        read_only.extensions["db_engine"].dispose()
    assert _versions(app) == 1
    assert len(_trouble_lines(caplog)) == 1
    _assert_no_tracebacks(caplog)
    # Writable again: the kept form saves as it is.
    again = client.post("/build/", data={**form, "patient_name": "Ben Two", "action": "download"})
    assert again.status_code == 200 and _versions(app) == 2
    figures.note(f"storage, read-only {requested_backend()} database: 2 saves and a sign-in refused with a 503,"
                 " 2 saves answered with a PDF and 2 stored (0 lost), 1 log line")


def test_storage_errors_are_told_apart_from_other_database_errors(app):
    class FakeSqlite(Exception):
        def __init__(self, name):
            self.sqlite_errorname = name

    class FakePostgres(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    assert storage_trouble(FakeSqlite("SQLITE_FULL")) is StorageTrouble.FULL
    assert storage_trouble(FakeSqlite("SQLITE_READONLY_DBMOVED")) is StorageTrouble.READ_ONLY
    assert storage_trouble(FakeSqlite("SQLITE_IOERR_WRITE")) is StorageTrouble.WRITE_FAILED
    assert storage_trouble(FakeSqlite("SQLITE_CONSTRAINT_UNIQUE")) is None
    assert storage_trouble(FakePostgres("53100")) is StorageTrouble.FULL
    assert storage_trouble(FakePostgres("25006")) is StorageTrouble.READ_ONLY
    assert storage_trouble(FakePostgres("23505")) is None
    assert storage_trouble(ValueError("x")) is None
    if requested_backend() == "postgresql":  # the real error, from the server
        from sqlalchemy.exc import DBAPIError

        with app.app_context():
            session = get_session()
            session.execute(text("SET TRANSACTION READ ONLY"))
            with pytest.raises(DBAPIError) as raised:
                session.execute(text("CREATE TEMP TABLE t (x int)"))
            assert storage_trouble(raised.value) is StorageTrouble.READ_ONLY
            session.rollback()
