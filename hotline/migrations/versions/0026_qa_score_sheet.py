"""qa_grades: sheet and remarks, the score sheet a grade was computed with and the remark per
deducted item (R-QA)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 08:10:00.000000

Two nullable JSON columns. The grades saved before keep NULL in both: their score was typed, and
they keep it (the panel shows them as typed). Adding nullable columns rewrites no row.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("qa_grades", sa.Column("sheet", sa.JSON(), nullable=True))
    op.add_column("qa_grades", sa.Column("remarks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("qa_grades") as batch_op:
        batch_op.drop_column("remarks")
        batch_op.drop_column("sheet")
