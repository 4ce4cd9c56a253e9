"""The handout's language: each clinic's default, and each patient's last (English, Spanish or
bilingual).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Existing clinics print in English, as every handout did before; existing patients have none yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.add_column(sa.Column("default_language", sa.String(10), nullable=False, server_default="en"))
    with op.batch_alter_table("patient") as patient:
        patient.add_column(sa.Column("language", sa.String(10), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("patient") as patient:
        patient.drop_column("language")
    with op.batch_alter_table("clinic") as clinic:
        clinic.drop_column("default_language")
