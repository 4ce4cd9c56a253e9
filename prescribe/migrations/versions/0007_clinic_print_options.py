"""Print options per clinic: the layout (standard, compact, large print) and greyscale that new
handouts start with; the builder may change them per handout.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Existing clinics get "standard" and colour, what every handout printed before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.add_column(sa.Column("default_layout", sa.String(10), nullable=False, server_default="standard"))
        clinic.add_column(sa.Column("default_greyscale", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.drop_column("default_greyscale")
        clinic.drop_column("default_layout")
