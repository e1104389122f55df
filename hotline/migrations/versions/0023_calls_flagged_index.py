"""calls: a partial index of the calls flagged 恶意骚扰, so the call search's filter (``malicious=1``)
reads those calls instead of testing every call's JSON

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 01:10:00.000000

The filter (hotline.models.calls.flagged_malicious, web/calls/search.py) walked ``ix_calls_started``
backwards, testing ``vars`` of each call until 50 matched: every call when few are flagged (244 ms
over 1 M SQLite calls; a scan of every call at 10 M). A partial index on ``started_at`` holding only the flagged
calls gives them newest first. Neither planner matches expressions loosely: SQLite uses a partial
index when a term of the query's WHERE is its WHERE, PostgreSQL when it can prove the implication,
so each WHERE below is the expression as SQLAlchemy renders flagged_malicious() on that dialect
(tests/web/test_flagged_index.py holds them to it and reads the plans). The build reads every
call once (on PostgreSQL under a lock that holds off writers of calls meanwhile).
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

NAME = "ix_calls_flagged_started"
WHERE = {
    "sqlite": """JSON_EXTRACT(vars, '$."HOTLINE_MALICIOUS"') IS NOT NULL""",
    "postgresql": "CAST((vars ->> 'HOTLINE_MALICIOUS') AS VARCHAR) IS NOT NULL",
}


def upgrade() -> None:
    op.create_index(NAME, "calls", ["started_at"], unique=False,
                    sqlite_where=sa.text(WHERE["sqlite"]), postgresql_where=sa.text(WHERE["postgresql"]))


def downgrade() -> None:
    op.drop_index(NAME, table_name="calls")
