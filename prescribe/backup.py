"""Backups: a consistent copy of the whole database while the app keeps serving, and putting one back.

SQLite: SQLite's online backup API copies every page in one step under a read transaction, so the
copy is the database as of one instant, whatever the workers write meanwhile (never a plain file
copy: committed data may still be in the ``-wal`` file). The copy is checked with
``PRAGMA integrity_check`` and written in rollback-journal mode, one self-contained file.

PostgreSQL: ``pg_dump`` (custom format, one consistent snapshot) and ``pg_restore``; they come with
the PostgreSQL client (``POSTGRES_BIN`` names their folder when they are not on the PATH). The
password goes to them through the environment, never on a command line.

A backup is only ever written to a temporary name and renamed when complete, so a crash leaves
no half-written file under the name given.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from .db import sqlite_path


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    seconds: float
    sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_integrity(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(f"integrity_check failed: {result[:5]}")


def _temporary(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.{os.getpid()}.partial")


def backup_database(engine: Engine, destination: Path, postgres_bin: str | None = None) -> BackupResult:
    """Write a consistent copy of the database behind ``engine`` to ``destination``."""
    started = time.monotonic()
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary(destination)
    partial.unlink(missing_ok=True)
    try:
        source_path = sqlite_path(str(engine.url))
        if source_path is not None:
            _sqlite_backup(source_path, partial)
        else:
            _pg_dump(engine, partial, postgres_bin)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(destination, destination.stat().st_size, time.monotonic() - started,
                        file_sha256(destination))


def _sqlite_backup(source_path: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # every page in one step: one consistent instant
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _sqlite_integrity(copy)
    finally:
        copy.close()
        source.close()


def restore_database(engine: Engine, source: Path, postgres_bin: str | None = None) -> float:
    """Replace the database behind ``engine`` with the backup ``source``; returns the seconds taken.

    Stop the app servers first: their open connections would hold on to the old data (SQLite) or
    block the restore (PostgreSQL). Run ``db upgrade`` afterwards if the backup is from an older
    release (the ``restore`` command does).
    """
    if not source.is_file():
        raise BackupError(f"No backup at {source}.")
    started = time.monotonic()
    engine.dispose()  # this process lets go of the database before it is replaced
    target_path = sqlite_path(str(engine.url))
    if target_path is not None:
        backup = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
        try:
            _sqlite_integrity(backup)
            target = sqlite3.connect(target_path, timeout=30)
            try:
                backup.backup(target)  # page by page into the live file, under SQLite's own locks
                target.execute("PRAGMA journal_mode=WAL")
                _sqlite_integrity(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a usable SQLite backup: {exc}") from None
        finally:
            backup.close()
    else:
        _pg_restore(engine, source, postgres_bin)
    return time.monotonic() - started


def _pg_tool(name: str, postgres_bin: str | None) -> str:
    found = Path(postgres_bin) / name if postgres_bin else None
    if found is not None and found.is_file():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client or set PRESCRIBE_POSTGRES_BIN.")
    return on_path


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URI without its password, and an environment carrying the password."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-1500:]}")


def _pg_dump(engine: Engine, target: Path, postgres_bin: str | None) -> None:
    uri, env = _libpq(engine)
    _run([_pg_tool("pg_dump", postgres_bin), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={uri}"], env)
    _run([_pg_tool("pg_restore", postgres_bin), "--list", str(target)], env)  # readable, complete


def _pg_restore(engine: Engine, source: Path, postgres_bin: str | None) -> None:
    uri, env = _libpq(engine)
    _run([_pg_tool("pg_restore", postgres_bin), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(source.resolve())], env)
