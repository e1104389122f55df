"""The supervisor page's queries over 1 M generated call records in SQLite: prints ms per query
and per page (target < 200 ms). No asserts: figures to read, not a test.

hotline.metrics keeps the figures of the period's past days, per day (computed again only when their
calls change) and reads today live, so each query is timed "cold" (caches cleared: what the first
view after a restart would cost without the rollups) and warm (best of 3: every other view). Then
with the rollups the scheduler daemon writes (hotline/metrics/refresh.py): its step at start (cold) and
between midnights (checks only), the first page of a panel started after it, and what midnight and a
rewritten past call cost.

    .venv/bin/python bench/panel_queries.py [--calls 1000000] [--fresh]

The generated store is kept in bench/out/panel_1m.db (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from hotline import metrics
from hotline.db import open_db
from hotline.metrics import cache as metrics_cache
from hotline.models import Call
from hotline.settings import load

OUT = Path(__file__).resolve().parent / "out"
AGENTS = [str(8001 + i) for i in range(30)]


def generate(path: Path, n: int) -> None:
    """n calls spread over the 365 days before now, ~1.2 ring attempts each, written with plain
    sqlite3 (the ORM would take minutes)."""
    s = load(config_file=None, env={}, runtime_dir=OUT, database_url=f"sqlite:///{path}")
    engine, _ = open_db(s, upgrade=True)  # the real schema, through the migrations
    engine.dispose()
    rnd = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    span = 365 * 86400
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    calls, attempts = [], []
    t0 = time.monotonic()
    for i in range(1, n + 1):
        start = now - timedelta(seconds=span * (i / n)) + timedelta(seconds=rnd.random())
        r = rnd.random()
        disp = "answered" if r < 0.8 else "abandoned" if r < 0.9 else "timeout" if r < 0.92 else "ivr"
        wait = rnd.expovariate(1 / 15) if disp != "ivr" else None
        agent = rnd.choice(AGENTS) if disp == "answered" else None
        within = (wait or 0) <= 20 if agent else None
        talk = rnd.uniform(20, 400) if agent else None
        queued = None if disp == "ivr" else start + timedelta(seconds=8)
        calls.append((i, "pbx1", f"{1.7e9 + i:.0f}.{i}", "inbound", f"13{rnd.randrange(10**9):09d}", None, "10000",
                      start.strftime(fmt), queued and queued.strftime(fmt), None, None, "hotline" if queued else None,
                      agent, agent, wait, wait if agent else None, None, within, talk, disp,
                      "agent" if agent and rnd.random() < 0.03 else "caller", None, "[]", None,
                      (1 if rnd.random() < 0.9 else 2) if agent and rnd.random() < 0.3 else None, 0,
                      '{"HOTLINE_LATE_APOLOGY": "1"}' if agent and not within else "{}", start.strftime(fmt)))
        if agent:
            rang = queued or start
            if rnd.random() < 0.2:
                attempts.append((i, rnd.choice(AGENTS), rang.strftime(fmt), 15.0, "no_answer"))
            attempts.append((i, agent, rang.strftime(fmt), wait, "answered"))
        if len(calls) >= 50000:
            _flush(con, calls, attempts)
            print(f"  {i} calls generated ({time.monotonic() - t0:.0f} s)", flush=True)
    _flush(con, calls, attempts)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _flush(con: sqlite3.Connection, calls: list[tuple], attempts: list[tuple]) -> None:  # type: ignore[type-arg]
    con.executemany(
        "INSERT INTO calls (id, server, call_id, direction, caller_number, caller_name, dialed, started_at, queued_at,"
        " answered_at, ended_at, queue, agent, final_agent, wait_seconds, ring_seconds, rings, within_4_rings,"
        " talk_seconds, disposition, hangup_first, recording, transfers, ivr, survey, incomplete, vars, built_at)"
        " VALUES (" + ",".join("?" * 28) + ")", calls)
    con.executemany("INSERT INTO ring_attempts (call_pk, agent, rang_at, ring_seconds, result) VALUES (?,?,?,?,?)",
                    attempts)
    con.commit()
    calls.clear()
    attempts.clear()


def timed(label: str, fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    print(f"  {label:<56} {best * 1000:8.1f} ms")
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--fresh", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / ("panel_1m.db" if a.calls == 1_000_000 else f"panel_{a.calls}.db")
    if a.fresh and path.exists():
        path.unlink()
    if not path.exists():
        print(f"generating {a.calls} calls into {path} …", flush=True)
        generate(path, a.calls)
    s = load(config_file=None, env={}, runtime_dir=OUT, database_url=f"sqlite:///{path}",
             agents=",".join(AGENTS))
    t = time.perf_counter()
    _engine, Session = open_db(s, upgrade=True)
    print(f"open_db, pending migrations included: {time.perf_counter() - t:.1f} s")
    db = Session()
    n = db.execute(select(func.count()).select_from(Call)).scalar()
    print(f"{n} calls in {path} ({path.stat().st_size / 1e6:.0f} MB)")
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(s.timezone))

    def kpi_rows() -> None:  # what the page shows: the team row, then the agents'
        metrics.team_kpis(db, s, local.year, local.month)
        metrics.kpis(db, s, local.year, local.month)

    for kind in ("day", "week", "month"):
        start, end = metrics.period(kind, s)
        print(f"supervisor page, period {kind}:")
        total = 0.0
        # timed() calls each lambda before the loop moves on; the defaults bind this period explicitly
        timed("team + per agent (team_and_agents), cold",
              lambda start=start, end=end: (metrics.clear_cache(), metrics.team_and_agents(db, s, start, end)),
              repeat=1)
        total += timed("team + per agent (team_and_agents)",
                       lambda start=start, end=end: metrics.team_and_agents(db, s, start, end))
        timed("chart series (series), cold",
              lambda start=start, end=end: (metrics.clear_cache(), metrics.series(db, s, start, end)), repeat=1)
        total += timed("chart series (series)", lambda start=start, end=end: metrics.series(db, s, start, end))
        timed("R-KPI team + agents, 3 months, cold", lambda: (metrics.clear_cache(), kpi_rows()), repeat=1)
        total += timed("R-KPI team + agents (1 h closed, 60 s current)", kpi_rows)
        print(f"  {'sum of the queries':<56} {total * 1000:8.1f} ms")

    # the whole page through Flask (queries + templates), as a supervisor
    from web import create_app
    from web.auth.users import add_user

    app = create_app(s)
    try:
        add_user(db, "bench-boss", "supervisor", "bench-password-1")
    except Exception:
        db.rollback()
    c = app.test_client()
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    c.post("/login", data={"username": "bench-boss", "password": "bench-password-1", "csrf_token": token})
    print("whole page (Flask test client):")
    for kind in ("day", "week", "month"):
        timed(f"GET /supervisor?period={kind}, cold",
              lambda kind=kind: (metrics.clear_cache(), c.get(f"/supervisor?period={kind}")), repeat=1)
        timed(f"GET /supervisor?period={kind}", lambda kind=kind: c.get(f"/supervisor?period={kind}"))
    timed("GET /calls (inspector search, first page)", lambda: c.get("/calls"))
    timed("GET /wallboard/snapshot", lambda: c.get("/wallboard/snapshot"))
    with_rollups(s, app, c)
    return 0


def with_rollups(s, app, c) -> None:  # type: ignore[no-untyped-def]
    """What `hotline scheduler run` does: its rollup step (hotline/metrics/refresh.py) writes the kept
    figures of past days into metric_rollups every rollup_interval_s, computing only the days whose
    calls changed; a panel reads them. A first view happens once per event, so each sequence of
    steps is run three times and the best kept."""
    from sqlalchemy import delete, text

    from hotline.metrics.refresh import refresh
    from hotline.models import MetricRollup

    Session = app.extensions["hotline"]["Session"]
    today = metrics.period("day", s)[0]
    yesterday = today - timedelta(days=1)
    page = lambda kind="month": c.get(f"/supervisor?period={kind}")  # noqa: E731
    step = lambda: refresh(Session, s)  # noqa: E731

    def forget(since: datetime | None = None) -> None:  # nothing kept of these days, in memory nor in rollups
        with Session() as db:
            db.execute(delete(MetricRollup) if since is None else delete(MetricRollup).where(
                MetricRollup.day_start >= since))
            db.commit()
        if since is None:
            metrics.clear_cache()
        else:
            metrics_cache.KEPT.drop(keep=lambda k: k[2] < since)
            metrics_cache.KPI.drop()  # the running month's KPIs expire within 60 s anyway

    def start() -> None:  # a first start: nothing computed anywhere
        forget()

    def restart() -> None:  # a panel process starting: its memory empty, the rollups there
        metrics.clear_cache()

    def midnight() -> None:  # yesterday was live until now: no part of it is kept yet
        forget(yesterday)

    with Session() as db:
        pk = db.execute(text("SELECT id FROM calls WHERE started_at >= :a AND started_at < :b LIMIT 1"),
                        {"a": yesterday.strftime("%Y-%m-%d %H:%M:%S"), "b": today.strftime("%Y-%m-%d %H:%M:%S")}
                        ).scalar()

    def rewrite() -> None:  # a past day's call written again (a rebuild, a call that ended after midnight)
        with Session() as db:
            db.execute(text("UPDATE calls SET built_at = :t WHERE id = :id"),
                       {"t": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), "id": pk})
            db.commit()

    def steps(title: str, seq: list[tuple[str | None, object]]) -> None:
        best: dict[str, float] = {}
        for _ in range(3):
            for label, fn in seq:
                t = time.perf_counter()
                fn()  # type: ignore[operator]
                if label:
                    best[label] = min(best.get(label, float("inf")), time.perf_counter() - t)
        print(title)
        for label, took in best.items():
            print(f"  {label:<56} {took * 1000:8.1f} ms")

    steps("with the scheduler's rollups (hotline/metrics/refresh.py) — at the first start:", [
        (None, start), ("rollup step at start (cold)", step),
        (None, restart), ("GET /supervisor?period=day, a panel started after it", lambda: page("day")),
        ("GET /supervisor?period=week, first", lambda: page("week")),
        ("GET /supervisor?period=month, first", page),
        ("rollup step between midnights (checks only)", step)])
    steps("after midnight:", [
        (None, midnight), ("GET /supervisor?period=month, no rollup step yet", page),
        (None, midnight), ("rollup step after midnight", step),
        (None, restart), ("GET /supervisor?period=month, first after it", page)])
    if pk is None:
        print("  (no call yesterday: a rewrite not timed)")
        return
    steps("after a past day's call is written again:", [
        (None, rewrite), (None, restart), ("GET /supervisor?period=month, no rollup step yet", page),
        (None, rewrite), ("rollup step after it", step),
        (None, restart), ("GET /supervisor?period=month, first after it", page)])


if __name__ == "__main__":
    sys.exit(main())
