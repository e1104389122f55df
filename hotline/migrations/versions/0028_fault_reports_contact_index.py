"""fault_reports: an index on contact, so a repeat caller calling from the contact number they gave
in an earlier report is found by it (R-ONE-CALL)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 06:00:00.000000

The repeat-caller look-up (hotline.field.standing: the IVR's open matters and status readout, the
desk's pop) matches a report's caller or its contact in any stored form of the number. caller had
ix_fault_reports_caller_created; contact had none, so the OR scanned every report. This one is
its twin; building it reads every report once, nothing is rewritten.
"""
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

NAME = "ix_fault_reports_contact_created"


def upgrade() -> None:
    op.create_index(NAME, "fault_reports", ["contact", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="fault_reports")
