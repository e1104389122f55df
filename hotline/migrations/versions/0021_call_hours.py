"""call_hours: the calls' stamp per hour (count, newest built_at), kept by triggers on calls

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 15:00:00.000000

The supervisor page checks each kept part (a past day, a closed hour, an R-KPI month) against the
calls it was computed from: their count and newest built_at. That look was an index-only scan of
``ix_calls_started_built``, one entry per call: ~850 000 for a month at 10 M calls a year (30–150
ms). ``call_hours`` holds the same stamp per UTC hour, so the look reads ~24 rows a day
(hotline.metrics.cache).

The database keeps the table itself, so no writer can forget it (the listener's store, a rebuild,
the IVR's backfill, retention's deletes, raw SQL): triggers on ``calls`` for INSERT, UPDATE (of
started_at or built_at: a call moved to another hour leaves the old one, a NULL started_at counts
in no hour) and DELETE (the count drops; the newest stays as it was, which still changes the stamp
through the count). SQLite: row triggers with UPSERT. PostgreSQL: statement triggers with
transition tables, so a bulk ``INSERT … SELECT`` (bench/callgen.py: a million rows a statement)
costs one aggregated upsert; the upsert takes the hour rows in order of the hour, and a call is one
hour (two when moved), so writers of one call per transaction cannot deadlock on them. TRUNCATE
empties the table too.

The table is filled from the calls already there (one INSERT … SELECT … GROUP BY, inside this
migration's transaction; on PostgreSQL under a SHARE lock of ``calls`` so that no call is written
between the fill and the triggers). The stamps it gives are those the index look gives over the
calls as they are, so a rollup already written (``metric_rollups``) holds after the migration
exactly when it held before it; one that does not (its calls changed since it was written) is
computed again once, by the panel or the scheduler's next step, as it would have been anyway. From
here on a delete keeps the newest built_at of its hour, so a stamp read from ``call_hours`` can
differ from the index's: every span is read one way only (hotline.metrics.stamps.on_hours), the
stamp a rollup was written with and the stamp it is checked against alike; a rollup stamped by
the other way is then computed again once too.

The listener's store writes calls as INSERT … ON CONFLICT DO UPDATE: PostgreSQL fires the INSERT
trigger with the rows inserted and the UPDATE trigger with the rows updated; SQLite fires the row
trigger of what each row did. A statement that writes many calls takes their hours in order; a
transaction of several such statements over different hours (a rebuild of more than 500 calls)
beside another writer can still meet a deadlock, which PostgreSQL breaks by failing one of them.
"""
import sqlalchemy as sa
from alembic import op

import hotline.models

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# the hour a started_at falls in, as the same naive type: PostgreSQL's timestamp, SQLite's text in
# SQLAlchemy's DateTime format (so a bound datetime compares with it)
SQLITE_HOUR = "strftime('%Y-%m-%d %H:00:00.000000', {0})"
SQLITE_NEWER = "newest = CASE WHEN newest IS NULL OR excluded.newest > newest THEN excluded.newest ELSE newest END"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER call_hours_insert AFTER INSERT ON calls WHEN NEW.started_at IS NOT NULL BEGIN
    INSERT INTO call_hours (hour, calls, newest) VALUES ({SQLITE_HOUR.format('NEW.started_at')}, 1, NEW.built_at)
        ON CONFLICT (hour) DO UPDATE SET calls = calls + 1, {SQLITE_NEWER};
END""",
    f"""CREATE TRIGGER call_hours_update AFTER UPDATE OF started_at, built_at ON calls BEGIN
    UPDATE call_hours SET calls = calls - 1 WHERE hour = {SQLITE_HOUR.format('OLD.started_at')}
        AND {SQLITE_HOUR.format('OLD.started_at')} IS NOT {SQLITE_HOUR.format('NEW.started_at')};
    DELETE FROM call_hours WHERE hour = {SQLITE_HOUR.format('OLD.started_at')} AND calls <= 0;
    INSERT INTO call_hours (hour, calls, newest)
        SELECT {SQLITE_HOUR.format('NEW.started_at')},
               CASE WHEN {SQLITE_HOUR.format('OLD.started_at')} IS {SQLITE_HOUR.format('NEW.started_at')}
                    THEN 0 ELSE 1 END, NEW.built_at
        WHERE NEW.started_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE SET calls = calls + excluded.calls, {SQLITE_NEWER};
END""",
    f"""CREATE TRIGGER call_hours_delete AFTER DELETE ON calls WHEN OLD.started_at IS NOT NULL BEGIN
    UPDATE call_hours SET calls = calls - 1 WHERE hour = {SQLITE_HOUR.format('OLD.started_at')};
    DELETE FROM call_hours WHERE hour = {SQLITE_HOUR.format('OLD.started_at')} AND calls <= 0;
END""",
]

# (hour, +calls, newest) rows from a statement's transition tables, added up per hour in hour order
PG_APPLY = """
    INSERT INTO call_hours (hour, calls, newest)
    SELECT hour, sum(n), max(b) FROM d WHERE hour IS NOT NULL GROUP BY hour ORDER BY hour
    ON CONFLICT (hour) DO UPDATE SET calls = call_hours.calls + excluded.calls,
                                     newest = greatest(call_hours.newest, excluded.newest);"""
# an hour whose last call left it has no row (as an hour that never had one)
PG_DROP_EMPTY = """
    DELETE FROM call_hours WHERE calls <= 0 AND hour IN (SELECT date_trunc('hour', started_at) FROM old_calls);"""

PG_FUNCTIONS = {
    "call_hours_insert": f"""
    WITH d(hour, n, b) AS (SELECT date_trunc('hour', started_at), 1, built_at FROM new_calls){PG_APPLY}""",
    "call_hours_delete": f"""
    WITH d(hour, n, b) AS (SELECT date_trunc('hour', started_at), -1, NULL::timestamp FROM old_calls)
    {PG_APPLY}{PG_DROP_EMPTY}""",
    "call_hours_update": f"""
    WITH c AS (
        SELECT date_trunc('hour', o.started_at) AS was, date_trunc('hour', n.started_at) AS now, n.built_at
          FROM old_calls o JOIN new_calls n ON n.id = o.id
         WHERE (o.started_at, o.built_at) IS DISTINCT FROM (n.started_at, n.built_at)
    ), d(hour, n, b) AS (
        SELECT now, CASE WHEN was IS NOT DISTINCT FROM now THEN 0 ELSE 1 END, built_at FROM c
        UNION ALL
        SELECT was, -1, NULL::timestamp FROM c WHERE was IS DISTINCT FROM now
    ){PG_APPLY}{PG_DROP_EMPTY}""",
}
PG_TABLES = {"call_hours_insert": ("INSERT", "NEW TABLE AS new_calls"),
             "call_hours_delete": ("DELETE", "OLD TABLE AS old_calls"),
             "call_hours_update": ("UPDATE", "OLD TABLE AS old_calls NEW TABLE AS new_calls")}


def upgrade() -> None:
    op.create_table('call_hours',
    sa.Column('hour', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('newest', hotline.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('hour')
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE calls IN SHARE MODE")  # no call written between the fill and the triggers
        hour = "date_trunc('hour', started_at)"
    else:
        hour = SQLITE_HOUR.format("started_at")
    op.execute(f"INSERT INTO call_hours (hour, calls, newest) SELECT {hour}, count(*), max(built_at) FROM calls"
               " WHERE started_at IS NOT NULL GROUP BY 1")
    if op.get_bind().dialect.name != "postgresql":
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)
        return
    for name, body in PG_FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}\n"
                   "    RETURN NULL;\nEND $$")
        event, tables = PG_TABLES[name]
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON calls REFERENCING {tables}"
                   f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    op.execute("CREATE FUNCTION call_hours_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
               " DELETE FROM call_hours; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER call_hours_truncate AFTER TRUNCATE ON calls"
               " FOR EACH STATEMENT EXECUTE FUNCTION call_hours_truncate()")


def downgrade() -> None:
    names = [*PG_FUNCTIONS, "call_hours_truncate"]
    if op.get_bind().dialect.name == "postgresql":
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON calls")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('call_hours')
