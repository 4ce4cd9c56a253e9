"""The clinic's emergency number, printed in "Call 911 now if" on every handout.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Existing clinics get "911", what the handout implied before; a clinic elsewhere sets 999, 112, 000 ...
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.add_column(sa.Column("emergency_number", sa.String(6), nullable=False, server_default="911"))


def downgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.drop_column("emergency_number")
