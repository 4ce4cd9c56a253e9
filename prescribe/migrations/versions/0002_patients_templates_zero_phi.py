"""Patients, program templates, zero-PHI clinics; printed versions can no longer be changed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``handout_version`` rows become append-only in the database itself (a trigger refuses UPDATE and
DELETE), so no code path, present or future, can alter the PDF a patient was given. On SQLite a
later migration that copies ``handout_version`` (batch mode) must create its triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER handout_version_no_update BEFORE UPDATE ON handout_version
       BEGIN SELECT RAISE(ABORT, 'handout_version rows are never changed'); END""",
    """CREATE TRIGGER handout_version_no_delete BEFORE DELETE ON handout_version
       BEGIN SELECT RAISE(ABORT, 'handout_version rows are never deleted'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION prescribe_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME; END $$""",
    """CREATE TRIGGER handout_version_append_only BEFORE UPDATE OR DELETE ON handout_version
       FOR EACH ROW EXECUTE FUNCTION prescribe_refuse_change()""",
]


def upgrade() -> None:
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("clinic_id", sa.Integer, nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("affected_side", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patient"),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_patient_clinic_id_clinic"),
    )
    op.create_index("ix_patient_clinic_id", "patient", ["clinic_id"])
    op.create_index("ix_patient_updated_at", "patient", ["updated_at"])
    op.create_table(
        "program_template",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("clinic_id", sa.Integer, nullable=False),
        sa.Column("owner_id", sa.Integer, nullable=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("diagnosis_slug", sa.String(80), nullable=False),
        sa.Column("program_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_program_template"),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_program_template_clinic_id_clinic"),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE",
                                name="fk_program_template_owner_id_user_account"),
    )
    op.create_index("ix_program_template_clinic_id", "program_template", ["clinic_id"])
    op.create_index("ix_program_template_owner_id", "program_template", ["owner_id"])
    with op.batch_alter_table("handout") as handout:
        handout.add_column(sa.Column("patient_id", sa.Integer, nullable=True))
        handout.create_foreign_key("fk_handout_patient_id_patient", "patient", ["patient_id"], ["id"])
        handout.create_index("ix_handout_patient_id", ["patient_id"])
    with op.batch_alter_table("clinic") as clinic:
        clinic.add_column(sa.Column("zero_phi", sa.Boolean, nullable=False, server_default=sa.false()))
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER handout_version_no_update")
        op.execute("DROP TRIGGER handout_version_no_delete")
    else:
        op.execute("DROP TRIGGER handout_version_append_only ON handout_version")
        op.execute("DROP FUNCTION prescribe_refuse_change()")
    with op.batch_alter_table("clinic") as clinic:
        clinic.drop_column("zero_phi")
    with op.batch_alter_table("handout") as handout:
        handout.drop_index("ix_handout_patient_id")
        handout.drop_constraint("fk_handout_patient_id_patient", type_="foreignkey")
        handout.drop_column("patient_id")
    op.drop_table("program_template")
    op.drop_table("patient")
