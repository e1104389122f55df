"""calls: a trigram index on caller_number (PostgreSQL), so the call search by a number's ending
(`LIKE '%4321'`, web/calls/search.py) reads the matching calls instead of every call

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:15:00.000000

A b-tree cannot answer a pattern with a leading wildcard: over 10 M calls the search by a number
scanned the table (bench/panel_queries.py). pg_trgm's GIN index can. pg_trgm is a trusted extension
(PostgreSQL 13+): the database's owner may create it; where that is refused the migration goes on
without the index (the search stays correct, only slower) and says what to ask the DBA for.
SQLite has no such index: a 1 M-call SQLite store scans (see README, "Load figures").
"""
import logging

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        savepoint.commit()
    except Exception as exc:  # no privilege, or the contrib package missing: the search still works
        savepoint.rollback()
        log.warning("calls.caller_number trigram index not made (%s): the search by a number's ending "
                    "scans the calls; as a superuser: CREATE EXTENSION pg_trgm; CREATE INDEX "
                    "ix_calls_caller_trgm ON calls USING gin (caller_number gin_trgm_ops)", str(exc).splitlines()[0])
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_calls_caller_trgm ON calls USING gin (caller_number gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_calls_caller_trgm")
