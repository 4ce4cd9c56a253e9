"""Email addresses are unique per clinic: one person may hold an account in several clinics.

Adding a user then never tells a clinic admin whether the address has an account in another
clinic (issue 22); the person picks the clinic at sign-in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as table:
        table.drop_constraint("uq_user_account_email", type_="unique")
        table.create_unique_constraint("uq_user_account_clinic_id_email", ["clinic_id", "email"])
        table.create_index("ix_user_account_email", ["email"])


def downgrade() -> None:
    # Fails while one address holds accounts in two clinics: remove one of them first.
    with op.batch_alter_table("user_account") as table:
        table.drop_index("ix_user_account_email")
        table.drop_constraint("uq_user_account_clinic_id_email", type_="unique")
        table.create_unique_constraint("uq_user_account_email", ["email"])
