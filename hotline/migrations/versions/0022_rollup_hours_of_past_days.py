"""metric_rollups keyed by (what, params, day_start, day_end): a past day's row and its hours' rows

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 18:10:00.000000

A past day's hours stay kept (#17: a view after midnight, or after a past day's calls were
rewritten, sums the day from its hours instead of computing it whole: hotline.metrics.cache). A
day and its first hour start at the same time, so the key needs the end too. The table is a cache:
on the way down the hours that share a start with their day go (the day's row is kept), and so do
the team figures' rows: from here on their repeats are a part of their own (``["repeats"]``), so a
``["calls"]`` row holds none, which the code before would read as no repeats.
"""
import sqlalchemy as sa
from alembic import op

import hotline.models

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

NEW = ['what', 'params', 'day_start', 'day_end']
OLD = ['what', 'params', 'day_start']


def _primary_key(columns: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite cannot alter a key: the table is copied
        op.create_table(
            '_metric_rollups_new',
            sa.Column('what', sa.String(length=200), nullable=False),
            sa.Column('params', sa.String(length=200), nullable=False),
            sa.Column('day_start', hotline.models.base.UTCDateTime(), nullable=False),
            sa.Column('day_end', hotline.models.base.UTCDateTime(), nullable=False),
            sa.Column('calls', sa.Integer(), nullable=False),
            sa.Column('newest_built_at', hotline.models.base.UTCDateTime(), nullable=True),
            sa.Column('value', sa.Text(), nullable=False),
            sa.Column('computed_at', hotline.models.base.UTCDateTime(), nullable=False),
            sa.PrimaryKeyConstraint(*columns))
        op.execute("INSERT INTO _metric_rollups_new SELECT what, params, day_start, day_end, calls, "
                   "newest_built_at, value, computed_at FROM metric_rollups")
        op.drop_table('metric_rollups')
        op.rename_table('_metric_rollups_new', 'metric_rollups')
    else:
        op.drop_constraint('metric_rollups_pkey', 'metric_rollups', type_='primary')
        op.create_primary_key('metric_rollups_pkey', 'metric_rollups', columns)


def upgrade() -> None:
    _primary_key(NEW)


def downgrade() -> None:
    op.execute("""DELETE FROM metric_rollups WHERE what IN ('["calls"]', '["repeats"]')""")
    op.execute("DELETE FROM metric_rollups WHERE EXISTS (SELECT 1 FROM metric_rollups AS o "
               "WHERE o.what = metric_rollups.what AND o.params = metric_rollups.params "
               "AND o.day_start = metric_rollups.day_start AND o.day_end > metric_rollups.day_end)")
    _primary_key(OLD)
