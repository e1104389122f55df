"""calls: the caller's holds (保持): how many, and their seconds in all

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 05:00:00.000000

Two nullable columns (ami_listener/holds.py fills them; None where the events do not prove them).
The calls built before stay NULL — unknown — until a rebuild (``hotline listener rebuild``) builds
them again from their stored events. Adding a nullable column rewrites no row on either database,
and no trigger or index of ``calls`` names them (down drops them in place: a table rebuilt by
batch mode would lose call_hours' triggers).
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("holds", sa.Integer(), nullable=True))
    op.add_column("calls", sa.Column("hold_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "hold_seconds")
    op.drop_column("calls", "holds")
