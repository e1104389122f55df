"""fault_reports.district: the district an unknown caller picked by keypad (R-FAULT-OUTAGE)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 08:12:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fault_reports') as batch:
        batch.add_column(sa.Column('district', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fault_reports') as batch:
        batch.drop_column('district')
