"""Database engine and sessions, one per app; the schema is built by migrations, not the factory.

SQLite (the embedded default) and PostgreSQL (``DATABASE_URL``) run the same code. SQLite gets the
settings that make several gunicorn workers safe on one file (security.md section 4): WAL, foreign
keys, a busy timeout, ``synchronous=FULL``, and every transaction opened with ``BEGIN IMMEDIATE``,
so a worker that wants to write waits its turn instead of failing with "database is locked".

Transactions: one idiom everywhere, services, views and commands alike: ``with transaction():``
around the work that ends in a commit. The block commits when it ends and rolls back if it raises
(a domain error such as ``AccountError`` included, so a refused change leaves nothing behind);
nothing else calls ``commit()`` or ``rollback()``, but for the error handler that rolls back what
a failed request left (``web.errors``). The session begins a transaction on first use, so what
the session did before the block (its reads) belongs to what the block commits: a block marks
where a unit of work ends. Blocks do not nest (an inner one would commit the outer's work early;
``transaction()`` refuses), so a service that writes owns its block and is called outside any.
Before slow work (a PDF render, a password hash) a service ends its reads with a block of their
own: on SQLite every transaction holds the write lock, and other workers would wait for it.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Deterministic constraint names: migrations can name what they alter, on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 5000
log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions away from the sqlite3 module (it would open them lazily, deferred,
        # and not at all around DDL): SQLAlchemy's "begin" below opens every one of them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a commit is on disk before the therapist sees "saved", even across a power cut
        # (NORMAL would survive a process crash only).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once when another worker
        # wrote in between; IMMEDIATE takes the write lock up front and waits busy_timeout for it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _dispose_in_forked_child(engine: Engine) -> None:
    """Never use a connection opened before ``fork()`` (gunicorn ``--preload``, multiprocessing).

    The child drops the parent's pooled connections without closing them (they still belong to
    the parent) and opens its own (sqlite.org "How To Corrupt", 2.6; SQLAlchemy pooling docs).
    """
    reference = weakref.ref(engine)

    def after_fork_in_child() -> None:
        engine = reference()
        if engine is not None:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=after_fork_in_child)


def create_database_engine(url: str) -> Engine:
    """An engine for ``url`` with this app's settings for its database (SQLite or PostgreSQL)."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url)
        _configure_sqlite(engine)
    else:
        # A server restarted or a load balancer that dropped idle connections: test before use.
        engine = create_engine(url, pool_pre_ping=True)
    _dispose_in_forked_child(engine)
    return engine


def init_db_engine(app: Flask) -> None:
    """Create the engine and session factory for ``app`` (no connection is opened here)."""
    engine = create_database_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine_for(app: Flask) -> Engine:
    return app.extensions["db_engine"]


def get_session() -> Session:
    """The request's (or CLI command's) session, opened on first use and closed at teardown."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


@contextmanager
def transaction(session: Session | None = None) -> Iterator[Session]:
    """Commit ``session`` (the request's by default) when the block ends; roll back if it raises."""
    session = session if session is not None else get_session()
    if session.info.get("in_transaction_block"):
        raise RuntimeError("transaction() blocks do not nest: the outer block commits")
    session.info["in_transaction_block"] = True
    try:
        yield session
        session.commit()
    except BaseException:
        try:
            session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; the session is closed at teardown
            log.warning("Rollback after an error failed too")
        raise
    finally:
        session.info.pop("in_transaction_block", None)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_tables(app: Flask, revision: str = "head") -> None:
    """Bring the database to the newest schema (or to ``revision``) by running its migrations (keeps all data).

    The name predates migrations; callers (the CLI, the benchmark) need not know how it is done.
    """
    from .migrations import upgrade

    path = sqlite_path(app.config["DATABASE_URL"])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(engine_for(app), revision)


class StorageTrouble(Enum):
    """Why the database cannot keep a write: what the 503 page and the one log line say."""

    FULL = "the server's disk is full"
    READ_ONLY = "the database is read-only"
    WRITE_FAILED = "the server could not write to its disk"


_SQLITE_TROUBLE = {"SQLITE_FULL": StorageTrouble.FULL, "SQLITE_READONLY": StorageTrouble.READ_ONLY,
                   "SQLITE_IOERR": StorageTrouble.WRITE_FAILED, "SQLITE_CANTOPEN": StorageTrouble.WRITE_FAILED}
# PostgreSQL SQLSTATEs: disk_full, read_only_sql_transaction (a read-only replica or setting), io_error.
_POSTGRES_TROUBLE = {"53100": StorageTrouble.FULL, "25006": StorageTrouble.READ_ONLY,
                     "58030": StorageTrouble.WRITE_FAILED}


def storage_trouble(error: BaseException) -> StorageTrouble | None:
    """The storage condition behind a database error (disk full, read-only), or None for any other error."""
    original = getattr(error, "orig", error)
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((kind for prefix, kind in _SQLITE_TROUBLE.items()
                     if name == prefix or name.startswith(prefix + "_")), None)
    return _POSTGRES_TROUBLE.get(getattr(original, "sqlstate", None) or "")


STORAGE_LOG_EVERY = 60.0  # seconds between two log lines about the same storage trouble, per process
_last_logged: dict[StorageTrouble, float] = {}


def note_storage_trouble(trouble: StorageTrouble) -> None:
    """One log line for a refused write, repeated at most once a minute while the trouble lasts."""
    now = time.monotonic()
    if now - _last_logged.get(trouble, -STORAGE_LOG_EVERY) >= STORAGE_LOG_EVERY:
        _last_logged[trouble] = now
        log.error("Storage trouble: %s. Writes are refused with a 503 until it is fixed; nothing half-saved "
                  "(logged at most once a minute)", trouble.value)
