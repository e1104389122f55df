"""service settings: a change may revert a setting to its file value

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 08:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_setting_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_file', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('service_setting_changes', schema=None) as batch_op:
        batch_op.drop_column('to_file')
