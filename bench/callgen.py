"""Generated call records for the benchmarks: ``n`` calls spread over the 365 days before now, ~1.2
ring attempts per answered call, the same mix on SQLite and PostgreSQL (80 % answered, 10 %
abandoned, 2 % timed out, 8 % IVR only; waits exponential, mean 15 s; 30 agents 8001–8030).

Fast because the ORM is not in the way: on SQLite, plain ``sqlite3`` ``executemany`` in batches of
50 000; on PostgreSQL one ``INSERT … SELECT … FROM generate_series`` per million rows, computed by
the server, with the calls' secondary indexes dropped during the load and built again after it
(one sorted build is far cheaper than 10 M index insertions). The database must be migrated and
hold no calls (``hotline db upgrade`` / ``open_db(s, upgrade=True)``). The per-hour stamps
(``call_hours``, migration 0021) are filled by the triggers on ``calls`` as the rows go in: on
PostgreSQL one aggregated upsert per million-row statement.

    from bench.callgen import generate
    generate("postgresql+psycopg://…/bench", 10_000_000)   # prints progress, returns seconds taken
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

AGENTS = [str(8001 + i) for i in range(30)]
SERVER = "pbx1"
SPAN_S = 365 * 86400
CHUNK_PG = 1_000_000
CHUNK_SQLITE = 50_000

Say = Callable[[str], None]


def generate(url: str, n: int, now: datetime | None = None, say: Say = print) -> float:
    """Fills the (migrated, empty) database at ``url`` with ``n`` calls; returns the seconds taken."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    t0 = time.monotonic()
    if url.startswith("sqlite"):
        _sqlite(url.split("///", 1)[1], n, now, say, t0)
    elif url.startswith("postgresql"):
        _postgres(url, n, now, say, t0)
    else:
        raise ValueError(f"no generator for {url.split(':', 1)[0]!r}: sqlite or postgresql")
    return time.monotonic() - t0


# --- SQLite -------------------------------------------------------------------------------------

CALL_COLUMNS = ("id, server, call_id, direction, caller_number, caller_name, dialed, started_at, queued_at,"
                " answered_at, ended_at, queue, agent, final_agent, wait_seconds, ring_seconds, rings,"
                " within_4_rings, talk_seconds, disposition, hangup_first, recording, transfers, ivr, survey,"
                " incomplete, vars, built_at")
FMT = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite(path: str, n: int, now: datetime, say: Say, t0: float) -> None:
    rnd = random.Random(7)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    calls: list[tuple[Any, ...]] = []
    attempts: list[tuple[Any, ...]] = []
    for i in range(1, n + 1):
        start = now - timedelta(seconds=SPAN_S * (i / n)) + timedelta(seconds=rnd.random())
        _sqlite_row(rnd, i, start, calls, attempts)
        if len(calls) >= CHUNK_SQLITE:
            _flush(con, calls, attempts)
            say(f"  {i} calls generated ({time.monotonic() - t0:.0f} s)")
    _flush(con, calls, attempts)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _sqlite_row(rnd: random.Random, i: int, start: datetime, calls: list[tuple[Any, ...]],
                attempts: list[tuple[Any, ...]]) -> None:
    r = rnd.random()
    disp = "answered" if r < 0.8 else "abandoned" if r < 0.9 else "timeout" if r < 0.92 else "ivr"
    wait = rnd.expovariate(1 / 15) if disp != "ivr" else None
    agent = rnd.choice(AGENTS) if disp == "answered" else None
    within = (wait or 0) <= 20 if agent else None
    talk = rnd.uniform(20, 400) if agent else None
    queued = None if disp == "ivr" else start + timedelta(seconds=8)
    calls.append((i, SERVER, f"{1.7e9 + i:.0f}.{i}", "inbound", f"13{rnd.randrange(10**9):09d}", None, "10000",
                  start.strftime(FMT), queued and queued.strftime(FMT), None, None, "hotline" if queued else None,
                  agent, agent, wait, wait if agent else None, None, within, talk, disp,
                  "agent" if agent and rnd.random() < 0.03 else "caller", None, "[]", None,
                  (1 if rnd.random() < 0.9 else 2) if agent and rnd.random() < 0.3 else None, 0,
                  '{"HOTLINE_LATE_APOLOGY": "1"}' if agent and not within else "{}", start.strftime(FMT)))
    if agent:
        rang = (queued or start).strftime(FMT)
        if rnd.random() < 0.2:
            attempts.append((i, rnd.choice(AGENTS), rang, 15.0, "no_answer"))
        attempts.append((i, agent, rang, wait, "answered"))


def _flush(con: sqlite3.Connection, calls: list[tuple[Any, ...]], attempts: list[tuple[Any, ...]]) -> None:
    con.executemany(f"INSERT INTO calls ({CALL_COLUMNS}) VALUES ({','.join('?' * 28)})", calls)
    con.executemany("INSERT INTO ring_attempts (call_pk, agent, rang_at, ring_seconds, result) VALUES (?,?,?,?,?)",
                    attempts)
    con.commit()
    calls.clear()
    attempts.clear()


# --- PostgreSQL ---------------------------------------------------------------------------------

# One chunk of calls [lo, hi], computed by the server. `g` draws the random numbers once per row,
# `d` turns them into the disposition; the columns follow the SQLite generator's rules.
PG_CALLS = f"""
WITH g AS (
    SELECT i, %(now)s::timestamp - make_interval(secs => %(span)s * i::float8 / %(n)s)
              + make_interval(secs => random()) AS st,
           random() AS r, -ln(1 - random()) * 15 AS w, floor(random() * 30)::int AS ag,
           random() AS r_hang, random() AS r_survey, random() AS r_score, 20 + random() * 380 AS talk,
           floor(random() * 1e9)::bigint AS num
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
), d AS (
    SELECT g.*, CASE WHEN r < 0.8 THEN 'answered' WHEN r < 0.9 THEN 'abandoned'
                     WHEN r < 0.92 THEN 'timeout' ELSE 'ivr' END AS disp FROM g
)
INSERT INTO calls ({CALL_COLUMNS})
SELECT i, '{SERVER}', (1700000000 + i)::text || '.' || i, 'inbound', '13' || lpad(num::text, 9, '0'), NULL, '10000',
       st, CASE WHEN disp <> 'ivr' THEN st + interval '8 seconds' END, NULL, NULL,
       CASE WHEN disp <> 'ivr' THEN 'hotline' END,
       CASE WHEN disp = 'answered' THEN (8001 + ag)::text END, CASE WHEN disp = 'answered' THEN (8001 + ag)::text END,
       CASE WHEN disp <> 'ivr' THEN w END, CASE WHEN disp = 'answered' THEN w END, NULL,
       CASE WHEN disp = 'answered' THEN w <= 20 END, CASE WHEN disp = 'answered' THEN talk END, disp,
       CASE WHEN disp = 'answered' AND r_hang < 0.03 THEN 'agent' ELSE 'caller' END, NULL, '[]'::json, NULL,
       CASE WHEN disp = 'answered' AND r_survey < 0.3 THEN CASE WHEN r_score < 0.9 THEN 1 ELSE 2 END END, false,
       CASE WHEN disp = 'answered' AND w > 20 THEN '{{"HOTLINE_LATE_APOLOGY": "1"}}' ELSE '{{}}' END::json, st
FROM d
"""

# a no-answer attempt on another agent before 20 % of the answers, then the answering attempt
PG_ATTEMPTS = """
INSERT INTO ring_attempts (call_pk, agent, rang_at, ring_seconds, result)
SELECT id, (8001 + (id * 7) %% 30)::text, queued_at, 15.0, 'no_answer' FROM calls
 WHERE id BETWEEN %(lo)s AND %(hi)s AND agent IS NOT NULL AND random() < 0.2
UNION ALL
SELECT id, agent, queued_at, wait_seconds, 'answered' FROM calls
 WHERE id BETWEEN %(lo)s AND %(hi)s AND agent IS NOT NULL
"""

SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
 WHERE tablename IN ('calls', 'ring_attempts')
   AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))
"""


def _postgres(url: str, n: int, now: datetime, say: Say, t0: float) -> None:
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute("SET maintenance_work_mem = '256MB'")
        con.execute("SELECT setseed(0.7)")
        indexes = con.execute(SECONDARY_INDEXES).fetchall()
        for name, _ in indexes:  # built again after the load, in one sorted pass each
            con.execute(f'DROP INDEX "{name}"')
        for lo in range(1, n + 1, CHUNK_PG):
            hi = min(n, lo + CHUNK_PG - 1)
            args = {"now": now, "span": SPAN_S, "n": n, "lo": lo, "hi": hi}
            con.execute(PG_CALLS, args)  # type: ignore[arg-type]
            con.execute(PG_ATTEMPTS, args)  # type: ignore[arg-type]
            say(f"  {hi} calls generated ({time.monotonic() - t0:.0f} s)")
        for name, ddl in indexes:
            t = time.monotonic()
            con.execute(ddl)
            say(f"  index {name} built in {time.monotonic() - t:.0f} s")
        for table in ("calls", "ring_attempts"):
            con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        con.execute("VACUUM ANALYZE calls")
        con.execute("VACUUM ANALYZE ring_attempts")
