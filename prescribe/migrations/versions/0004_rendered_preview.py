"""Previews rendered by one app server, reusable by all (Download after Preview renders nothing).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rendered_preview",
        sa.Column("clinic_id", sa.Integer, nullable=False),
        sa.Column("render_key", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", "render_key", name="pk_rendered_preview"),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], ondelete="CASCADE",
                                name="fk_rendered_preview_clinic_id_clinic"),
    )
    op.create_index("ix_rendered_preview_created_at", "rendered_preview", ["created_at"])


def downgrade() -> None:
    op.drop_table("rendered_preview")
