"""The patient's own page: links printed as QR codes, the days a patient ticked, and clinic settings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Existing clinics get links that work 90 days, a notice (not a link) on a superseded version's
page, progress kept on the phone, and emails without the PDF.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as clinic:
        clinic.add_column(sa.Column("link_days", sa.Integer(), nullable=False, server_default="90"))
        clinic.add_column(sa.Column("link_to_newer", sa.Boolean(), nullable=False, server_default=sa.false()))
        clinic.add_column(sa.Column("share_progress", sa.Boolean(), nullable=False, server_default=sa.false()))
        clinic.add_column(sa.Column("email_pdf", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "patient_link",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinic.id", name="fk_patient_link_clinic_id_clinic"),
                  nullable=False),
        sa.Column("handout_id", sa.Integer,
                  sa.ForeignKey("handout.id", name="fk_patient_link_handout_id_handout"), nullable=False),
        sa.Column("version_id", sa.Integer,
                  sa.ForeignKey("handout_version.id", name="fk_patient_link_version_id_handout_version"),
                  nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("opens", sa.Integer, nullable=False),
        sa.Column("last_opened_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_patient_link_token_hash"),
        sa.UniqueConstraint("code_hash", name="uq_patient_link_code_hash"),
    )
    for column in ("clinic_id", "handout_id", "version_id"):
        op.create_index(f"ix_patient_link_{column}", "patient_link", [column])
    op.create_table(
        "progress_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer,
                  sa.ForeignKey("clinic.id", name="fk_progress_entry_clinic_id_clinic"), nullable=False),
        sa.Column("handout_id", sa.Integer,
                  sa.ForeignKey("handout.id", name="fk_progress_entry_handout_id_handout"), nullable=False),
        sa.Column("link_id", sa.Integer,
                  sa.ForeignKey("patient_link.id", name="fk_progress_entry_link_id_patient_link"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("sessions", sa.Integer, nullable=False),
        sa.Column("pain", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("link_id", "day", name="uq_progress_entry_link_id_day"),
    )
    for column in ("clinic_id", "handout_id", "link_id"):
        op.create_index(f"ix_progress_entry_{column}", "progress_entry", [column])


def downgrade() -> None:
    op.drop_table("progress_entry")
    op.drop_table("patient_link")
    with op.batch_alter_table("clinic") as clinic:
        for column in ("email_pdf", "share_progress", "link_to_newer", "link_days"):
            clinic.drop_column(column)
