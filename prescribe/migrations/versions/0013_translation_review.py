"""Translations a clinic's clinician has checked: one row per content file's translated text.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reviewer_name", sa.String(120), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("clinic_id", "language", "file", "text_hash"),
    )
    op.create_index("ix_translation_review_clinic_id", "translation_review", ["clinic_id"])


def downgrade() -> None:
    op.drop_index("ix_translation_review_clinic_id", "translation_review")
    op.drop_table("translation_review")
