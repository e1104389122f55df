"""qa_samples: the day's QA sample (质检抽检, R-QA): the calls drawn per agent and why

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 11:00:00.000000

A new table; nothing existing is rewritten. A call is drawn at most once (unique call_pk); the
sample goes with its call when retention purges the call (ON DELETE CASCADE).
"""
import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("call_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=128), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.Column("drawn_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_pk", name="uq_qa_samples_call"),
    )
    op.create_index("ix_qa_samples_day_agent", "qa_samples", ["day", "agent"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_qa_samples_day_agent", table_name="qa_samples")
    op.drop_table("qa_samples")
