"""Alembic's environment: run the migrations on the engine handed over by prescribe.migrations.

Not run directly: ``flask --app wsgi db upgrade`` (and ``init-db``) call Alembic with the app's
engine, so migrations use exactly the database settings the app uses.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from prescribe import models  # noqa: F401  (registers the models on Base.metadata, for autogenerate)
from prescribe.db import Base

# Any constant: every process that migrates one PostgreSQL database takes this one lock, so two app
# servers started together cannot both run the same migration.
MIGRATION_LOCK_KEY = 7_305_221_640


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it (batch mode); with foreign keys on, dropping the
            # old copy would delete or refuse rows that refer to it. Checked again before commit.
            # Set on the driver's connection: inside a transaction the pragma does nothing.
            _sqlite_pragma(connection, "foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=Base.metadata,
                              render_as_batch=sqlite, transactional_ddl=True, compare_type=True)
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"A migration left rows whose references are broken: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_pragma(connection, "foreign_keys=ON")


def _sqlite_pragma(connection, pragma: str) -> None:
    connection.connection.dbapi_connection.execute(f"PRAGMA {pragma}")


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported: run `flask --app wsgi db upgrade`.")
run_migrations()
