"""The database layer: SQLite settings for several workers (K1-K3), migrations (K6), PostgreSQL URLs.

The migration tests run on the suite's database (SQLite, or PostgreSQL in the second pass of
``make test``); the SQLite settings tests always use a SQLite file of their own.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from sqlalchemy import inspect, select, text

from prescribe import migrations
from prescribe.config import database_url
from prescribe.db import create_database_engine
from prescribe.models import Clinic

from . import conftest


def _sqlite_engine(tmp_path: Path, name: str = "settings.sqlite"):
    return create_database_engine(f"sqlite:///{tmp_path / name}")


def test_every_sqlite_connection_has_wal_foreign_keys_a_busy_timeout_and_full_sync(tmp_path):
    """K1: a fresh pooled connection reports the four settings."""
    engine = _sqlite_engine(tmp_path)
    try:
        with engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 5000
            assert pragma("synchronous") == 2  # FULL
    finally:
        engine.dispose()


def test_sqlite_transactions_begin_immediate(tmp_path):
    """K2: a transaction holds the write lock from its start, so a second writer waits its turn."""
    engine = _sqlite_engine(tmp_path)
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert "BEGIN IMMEDIATE" in statements
    finally:
        engine.dispose()


def _read_then_write(url: str, transactions: int, errors) -> None:
    """One worker process: count the rows, then add one, ``transactions`` times."""
    engine = create_database_engine(url)
    try:
        for _ in range(transactions):
            try:
                with engine.begin() as connection:
                    seen = connection.exec_driver_sql("SELECT count(*) FROM counter").scalar()
                    connection.exec_driver_sql("INSERT INTO counter (seen) VALUES (?)", (seen,))
            except Exception as exc:  # noqa: BLE001 - counted and reported by the test
                errors.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def test_four_processes_of_read_then_write_transactions_never_see_database_is_locked(tmp_path):
    """K2: 4 processes x 150 read-then-write transactions on one file: no error, an exact count."""
    url = f"sqlite:///{tmp_path / 'contention.sqlite'}"
    engine = create_database_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL)")
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    workers = [context.Process(target=_read_then_write, args=(url, 150, errors)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(worker.exitcode == 0 for worker in workers)
    engine = create_database_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM counter").scalar() == 600
        # Serialised: every transaction saw exactly the rows committed before it.
        assert connection.exec_driver_sql("SELECT count(DISTINCT seen) FROM counter").scalar() == 600
    engine.dispose()


def test_a_forked_process_never_uses_the_parents_connections(app):
    """K3: after fork (gunicorn --preload), the child's pool starts empty and opens its own connection."""
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        connection.execute(select(Clinic.id)).all()
    parent_pool = engine.pool
    assert parent_pool.checkedin() == 1  # the parent keeps one connection in its pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running any of pytest's teardown
        code = 1
        try:
            fresh = engine.pool is not parent_pool and engine.pool.checkedin() == 0
            with engine.connect() as connection:
                connection.execute(select(Clinic.id)).all()
            code = 0 if fresh else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.close(write)
    result = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert result == bytes([0])
    assert engine.pool is parent_pool and parent_pool.checkedin() == 1  # the parent's is untouched


# --- Migrations -------------------------------------------------------------------------------

def test_the_migrations_have_one_head_and_build_exactly_the_models_schema(tmp_path):
    """K6: upgrade from an empty database gives no difference from the models (no missing migration)."""
    engine = create_database_engine(conftest.DATABASES.empty_url(tmp_path, "fresh"))
    try:
        assert migrations.current_revision(engine) is None
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
        assert migrations.schema_differences(engine) == []
    finally:
        engine.dispose()


def test_every_migration_goes_down_and_up_again(tmp_path):
    """K6: downgrade to the empty database and upgrade again, one revision at a time."""
    engine = create_database_engine(conftest.DATABASES.empty_url(tmp_path, "roundtrip"))
    try:
        migrations.upgrade(engine)
        for revision in reversed(["base", *migrations.revisions()[:-1]]):
            migrations.downgrade(engine, revision)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        for revision in migrations.revisions():
            migrations.upgrade(engine, revision)
        assert migrations.schema_differences(engine) == []
    finally:
        engine.dispose()


SEED = [
    ("INSERT INTO clinic (id, slug, name, address, phone, website, accent_colour, default_paper, updated_at) "
     "VALUES (1, 'demo', 'Seed Clinic', '1 Road', '555', 'seed.example', '#123456', 'a4', '2026-01-02 03:04:05')", {}),
    ("INSERT INTO user_account (id, clinic_id, email, name, role, password_hash, active, must_change_password, "
     "totp_last_step, created_at, password_changed_at) VALUES (1, 1, 'seed@seed.example', 'Seed', 'admin', "
     "'$argon2id$seed', :yes, :no, 0, '2026-01-02 03:04:05', '2026-01-02 03:04:05')", {}),
    ("INSERT INTO handout (id, clinic_id, diagnosis_slug, diagnosis_name, patient_name, created_at, updated_at) "
     "VALUES (1, 1, 'hip-pain', 'Hip pain', 'Seed Patient', '2026-01-02 03:04:05', '2026-01-02 03:04:05')", {}),
    ("INSERT INTO handout_version (id, handout_id, number, created_at, program_json, filename, pdf, pdf_sha256, "
     "page_count) VALUES (1, 1, 1, '2026-01-02 03:04:05', :program, 'hip-pain-2026-01-02.pdf', :pdf, :sha, 3)", {}),
]
SEED_PDF = b"%PDF-1.7 seed bytes \x00\xff kept exactly"


def test_upgrade_from_the_first_migration_keeps_the_data_of_a_database_in_use(tmp_path):
    """K6: a database at revision 0001 with a clinic, a user and a printed handout upgrades intact."""
    import hashlib
    import json

    from prescribe.models import HandoutVersion, User

    first = migrations.revisions()[0]
    url = conftest.DATABASES.empty_url(tmp_path, "seeded")
    engine = create_database_engine(url)
    try:
        migrations.upgrade(engine, first)
        program = json.dumps({"diagnosis": "hip-pain", "items": []})
        values = {"yes": True, "no": False, "program": program, "pdf": SEED_PDF,
                  "sha": hashlib.sha256(SEED_PDF).hexdigest()}
        with engine.begin() as connection:
            for statement, _ in SEED:
                connection.execute(text(statement), values)
        migrations.upgrade(engine)
        assert migrations.schema_differences(engine) == []
    finally:
        engine.dispose()
    app = conftest.make_app(tmp_path, DATABASE_URL=url)
    try:
        with app.app_context():
            from prescribe.db import get_session

            db = get_session()
            clinic = db.scalar(select(Clinic))
            assert (clinic.name, clinic.default_paper, clinic.footer_line, clinic.require_mfa) == \
                ("Seed Clinic", "a4", "", False)
            assert db.scalar(select(User.email)) == "seed@seed.example"
            version = db.scalar(select(HandoutVersion))
            assert version.pdf == SEED_PDF and version.program_json == program
    finally:
        app.extensions["db_engine"].dispose()


def test_print_options_migration_gives_existing_clinics_standard_colour_and_goes_down_again(tmp_path):
    """0007: a clinic from before the print options prints as before (standard layout, in colour)."""
    engine = create_database_engine(conftest.DATABASES.empty_url(tmp_path, "print-options"))
    try:
        migrations.upgrade(engine, "0006")
        with engine.begin() as connection:
            connection.execute(text(SEED[0][0]))
        migrations.upgrade(engine, "0007")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT default_paper, default_layout, default_greyscale FROM clinic")).one()
        assert (row[0], row[1], bool(row[2])) == ("a4", "standard", False)
        migrations.downgrade(engine, "0006")
        columns = {column["name"] for column in inspect(engine).get_columns("clinic")}
        assert "default_paper" in columns and not columns & {"default_layout", "default_greyscale"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM clinic")).scalar_one() == "Seed Clinic"
    finally:
        engine.dispose()


def test_db_commands_upgrade_report_and_check(app, runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"at revision {migrations.head_revision()}" in result.output
    current = runner.invoke(args=["db", "current"])
    assert f"Database: {migrations.head_revision()}; newest: {migrations.head_revision()}" in current.output
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0 and "matches the models" in check.output


def test_db_upgrade_and_downgrade_commands_stop_at_the_revision_given(tmp_path):
    """``db upgrade REVISION`` goes no further than REVISION; ``db upgrade`` then adds the rest."""
    app = conftest.make_app(tmp_path, DATABASE_URL=conftest.DATABASES.empty_url(tmp_path, "stepwise"))
    runner = app.test_cli_runner()
    engine = app.extensions["db_engine"]

    def schema() -> tuple[set[str], set[str]]:
        inspector = inspect(engine)
        return set(inspector.get_table_names()), {c["name"] for c in inspector.get_columns("clinic")}

    try:
        result = runner.invoke(args=["db", "upgrade", "0003"])
        assert result.exit_code == 0, result.output
        assert "at revision 0003" in result.output and migrations.current_revision(engine) == "0003"
        tables, columns = schema()
        assert "audit_log" in tables and "rendered_preview" not in tables
        assert not columns & {"emergency_number", "default_layout", "default_greyscale"}

        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"at revision {migrations.head_revision()}" in result.output
        tables, columns = schema()
        assert "rendered_preview" in tables and {"emergency_number", "default_layout"} <= columns
        assert migrations.schema_differences(engine) == []

        result = runner.invoke(args=["db", "downgrade", "0006", "--yes"])
        assert result.exit_code == 0, result.output
        assert "at revision 0006" in result.output
        tables, columns = schema()
        assert "emergency_number" in columns and not columns & {"default_layout", "default_greyscale"}
    finally:
        engine.dispose()


def test_postgresql_urls_are_served_by_psycopg_3():
    assert database_url("postgresql://u:p@db/prescribe") == "postgresql+psycopg://u:p@db/prescribe"
    assert database_url("postgres://u:p@db/prescribe") == "postgresql+psycopg://u:p@db/prescribe"
    assert database_url("postgresql+psycopg://u@db/x") == "postgresql+psycopg://u@db/x"
    assert database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
