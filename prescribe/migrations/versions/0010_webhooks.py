"""Webhooks per clinic ("handout.printed"), and their deliveries with retries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinic.id", name="fk_webhook_clinic_id_clinic"),
                  nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("events", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Integer,
                  sa.ForeignKey("user_account.id", name="fk_webhook_created_by_user_account", ondelete="SET NULL"),
                  nullable=True),
    )
    op.create_index("ix_webhook_clinic_id", "webhook", ["clinic_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("webhook_id", sa.Integer,
                  sa.ForeignKey("webhook.id", name="fk_webhook_delivery_webhook_id_webhook", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("clinic_id", sa.Integer,
                  sa.ForeignKey("clinic.id", name="fk_webhook_delivery_clinic_id_clinic"), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("claimed_until", sa.DateTime, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("delivered_at", sa.DateTime, nullable=True),
    )
    for column in ("webhook_id", "clinic_id", "status"):
        op.create_index(f"ix_webhook_delivery_{column}", "webhook_delivery", [column])


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook")
