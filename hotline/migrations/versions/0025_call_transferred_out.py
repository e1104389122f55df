"""calls: transferred_out, the outside number an agent handed the caller on to

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 08:00:00.000000

One nullable column (the call builder fills it: a transfer whose target is no internal number, the
caller ending with no agent; NULL otherwise). The calls built before stay NULL until a rebuild
(``hotline listener rebuild``) builds them again from their stored events. Adding a nullable column
rewrites no row on either database, and no trigger or index of ``calls`` names it (down drops it in
place: a table rebuilt by batch mode would lose call_hours' triggers).
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("transferred_out", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "transferred_out")
