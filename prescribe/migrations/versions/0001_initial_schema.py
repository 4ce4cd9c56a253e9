"""Initial schema: clinics, users, sessions, sign-in throttle, handouts and their versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Databases from before migrations (made by the old ``init-db``'s ``create_all``, on SQLite: no other
database was supported then) have some or all of these tables and no ``alembic_version``: this
revision adopts them. It creates the missing tables, adds the columns added since (each has a
server default or is nullable), and copies each old table into its definition here, so its
constraints get the names later migrations refer to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[sa.Table]:
    """The schema as it was at this revision (frozen here: migrations never import the models)."""
    metadata = sa.MetaData()
    return [
        sa.Table(
            "clinic", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("slug", sa.String(60), nullable=False),
            sa.Column("name", sa.String(120), nullable=False),
            sa.Column("address", sa.String(200), nullable=False),
            sa.Column("phone", sa.String(40), nullable=False),
            sa.Column("website", sa.String(120), nullable=False),
            sa.Column("accent_colour", sa.String(7), nullable=False),
            sa.Column("default_paper", sa.String(10), nullable=False),
            sa.Column("logo_png", sa.LargeBinary, nullable=True),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("footer_line", sa.String(200), nullable=False, server_default=""),
            sa.Column("require_mfa", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.PrimaryKeyConstraint("id", name="pk_clinic"),
            sa.UniqueConstraint("slug", name="uq_clinic_slug"),
        ),
        sa.Table(
            "user_account", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("clinic_id", sa.Integer, nullable=False),
            sa.Column("email", sa.String(254), nullable=False),
            sa.Column("name", sa.String(80), nullable=False),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("password_hash", sa.String(200), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("must_change_password", sa.Boolean, nullable=False),
            sa.Column("totp_secret", sa.String(64), nullable=True),
            sa.Column("totp_last_step", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("password_changed_at", sa.DateTime, nullable=False),
            sa.Column("last_sign_in_at", sa.DateTime, nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_user_account"),
            sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_user_account_clinic_id_clinic"),
            sa.UniqueConstraint("email", name="uq_user_account_email"),
            sa.Index("ix_user_account_clinic_id", "clinic_id"),
        ),
        sa.Table(
            "user_session", metadata,
            sa.Column("id", sa.String(64), nullable=False),
            sa.Column("user_id", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("last_seen", sa.DateTime, nullable=False),
            sa.Column("mfa_pending", sa.Boolean, nullable=False),
            sa.Column("pending_totp_secret", sa.String(64), nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_user_session"),
            sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                    name="fk_user_session_user_id_user_account"),
            sa.Index("ix_user_session_user_id", "user_id"),
        ),
        sa.Table(
            "login_throttle", metadata,
            sa.Column("key", sa.String(64), nullable=False),
            sa.Column("failures", sa.Integer, nullable=False),
            sa.Column("window_start", sa.DateTime, nullable=False),
            sa.Column("locked_until", sa.DateTime, nullable=True),
            sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
        ),
        sa.Table(
            "handout", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("clinic_id", sa.Integer, nullable=False),
            sa.Column("diagnosis_slug", sa.String(80), nullable=False),
            sa.Column("diagnosis_name", sa.String(120), nullable=False),
            sa.Column("patient_name", sa.String(80), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_handout"),
            sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_handout_clinic_id_clinic"),
            sa.Index("ix_handout_clinic_id", "clinic_id"),
            sa.Index("ix_handout_updated_at", "updated_at"),
        ),
        sa.Table(
            "handout_version", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("handout_id", sa.Integer, nullable=False),
            sa.Column("number", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("program_json", sa.Text, nullable=False),
            sa.Column("filename", sa.String(120), nullable=False),
            sa.Column("pdf", sa.LargeBinary, nullable=False),
            sa.Column("pdf_sha256", sa.String(64), nullable=False),
            sa.Column("page_count", sa.Integer, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_handout_version"),
            sa.ForeignKeyConstraint(["handout_id"], ["handout.id"], name="fk_handout_version_handout_id_handout"),
            sa.UniqueConstraint("handout_id", "number", name="uq_handout_version_handout_id_number"),
            sa.Index("ix_handout_version_handout_id", "handout_id"),
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in _tables():
        if table.name not in existing:
            table.create(bind)
            continue
        # A database from before migrations: add what the old create_all could not, then
        # rebuild the table as defined here (its unique constraints had no names).
        have = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if column.server_default is None and not column.nullable:
                raise RuntimeError(f"Cannot add {table.name}.{column.name} to an existing database "
                                   "without a server default.")
            op.add_column(table.name, column._copy())
        with op.batch_alter_table(table.name, copy_from=table, recreate="always"):
            pass


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_tables()):
        table.drop(bind)
