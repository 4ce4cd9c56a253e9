"""Per-user API tokens: a named key with a scope, stored as the SHA-256 of its secret.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinic.id", name="fk_api_token_clinic_id_clinic"),
                  nullable=False),
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("user_account.id", name="fk_api_token_user_id_user_account", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    for column in ("clinic_id", "user_id"):
        op.create_index(f"ix_api_token_{column}", "api_token", [column])


def downgrade() -> None:
    op.drop_table("api_token")
