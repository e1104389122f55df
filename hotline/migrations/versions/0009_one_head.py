"""one head: the per-feature branches (ivr 0002, callbacks 0003, panel 0006, listener 0008) join
here; from now on every revision follows the single head

Revision ID: 0009
Revises: 0002, 0003, 0006, 0008
Create Date: 2026-12-05 05:00:00
"""

revision = '0009'
down_revision = ('0002', '0003', '0006', '0008')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point only: the schema is the union of the four branches


def downgrade() -> None:
    pass
