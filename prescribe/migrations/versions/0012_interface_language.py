"""The language of the app's pages, per user ("" follows the browser).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Existing users follow their browser's language, which for an English browser is what they had.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as user:
        user.add_column(sa.Column("interface_language", sa.String(10), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as user:
        user.drop_column("interface_language")
