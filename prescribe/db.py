"""Database engine and sessions, one per app; tables are created by a CLI command, not the factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every model."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def init_db_engine(app: Flask) -> None:
    """Create the engine and session factory for ``app`` (no connection is opened here)."""
    url = app.config["DATABASE_URL"]
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def create_tables(app: Flask) -> None:
    """Create any missing tables and columns (idempotent; never drops or changes data)."""
    from . import models  # noqa: F401  (registers the models on Base.metadata)

    path = app.config["DATABASE_URL"]
    if path.startswith("sqlite:///"):
        from pathlib import Path

        Path(path.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    Base.metadata.create_all(engine_for(app))
    add_missing_columns(engine_for(app))


def add_missing_columns(engine: Engine) -> list[str]:
    """Add model columns an older database lacks; only columns with a server default qualify.

    A stop-gap until migrations exist: ``create_all`` creates missing tables but never alters
    an existing one, and a database from before clinic accounts lacks e.g. ``clinic.footer_line``.
    """
    from sqlalchemy import inspect
    from sqlalchemy.schema import CreateColumn

    added = []
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            existing = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in existing:
                    continue
                if column.server_default is None and not column.nullable:
                    raise RuntimeError(f"Cannot add {table.name}.{column.name} to an existing database "
                                       "without a server default.")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
                added.append(f"{table.name}.{column.name}")
    return added
