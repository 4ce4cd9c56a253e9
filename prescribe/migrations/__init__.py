"""Schema migrations (Alembic): the scripts in ``versions/`` and the functions that run them.

The app never changes its schema by itself: ``flask --app wsgi db upgrade`` does (``make run`` and
``init-db`` run it). A test checks that the newest migration builds exactly the schema of
:mod:`prescribe.models`, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs on ``engine`` (no alembic.ini: the app knows its database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; safe to repeat, never drops data."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` for an empty database). Loses the data they added."""
    command.downgrade(alembic_config(engine), revision)


def head_revision() -> str:
    """The newest migration's id."""
    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()  # type: ignore[arg-type]
    if len(heads) != 1:
        raise RuntimeError(f"The migrations have {len(heads)} heads; merge them: {heads}")
    return heads[0]


def revisions() -> list[str]:
    """Every migration's id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list:
    """How the database's schema differs from the models (empty when the migrations are right)."""
    from prescribe import models  # noqa: F401
    from prescribe.db import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)
