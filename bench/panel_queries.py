"""The supervisor page's queries and the call search over generated call records (bench/callgen.py):
1 M calls in SQLite by default, or ``--postgres`` on a private PostgreSQL (10 M for the figures of
#17). Prints ms per query and per page (target < 200 ms, first view included). Exit status 1 when
the store does not hold the calls generated or a page does not answer 200; no timed asserts.

hotline.metrics keeps the figures of the period's past days, per day (computed again only when their
calls change) and reads today live, so each query is timed "cold" (caches cleared: what the first
view after a restart would cost without the rollups) and warm (best of 3: every other view). Then
with the rollups the scheduler daemon writes (hotline/metrics/refresh.py): its step at start (cold) and
between midnights (checks only), the first page of a panel started after it, and what midnight and a
rewritten past call cost, and a panel started after the step with the warm-up `hotline web serve`
runs (web/team/warm.py). Then the call search (/calls) with the filters an inspector uses.

    .venv/bin/python bench/panel_queries.py [--calls 1000000] [--fresh]
    .venv/bin/python bench/panel_queries.py --postgres --calls 10000000
    .venv/bin/python bench/panel_queries.py --url URL --calls 2000     # a migrated, empty database
    .venv/bin/python bench/panel_queries.py --hours-only               # today live vs by closed hour
    .venv/bin/python bench/panel_queries.py --stamps-only              # the calls' index vs call_hours
    .venv/bin/python bench/panel_queries.py --midnight-only            # the repeats' reading vs the calls kept per hour
    .venv/bin/python bench/panel_queries.py --sums-only                # a panel started since: the parts vs their sums

The generated SQLite store is kept in bench/out/panel_<calls>.db (git-ignored) and reused; the
private PostgreSQL is deleted at the end (generating is part of every --postgres run).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, inspect, select

from bench.callgen import AGENTS, generate
from hotline import metrics
from hotline.db import open_db
from hotline.metrics import cache as metrics_cache
from hotline.metrics import rollups
from hotline.metrics import stamps as metrics_stamps
from hotline.models import Call, RingAttempt
from hotline.settings import Settings, load

OUT = Path(__file__).resolve().parent / "out"
SUMS = f'["{rollups.SUM}", '  # how the what of a kept sum's rollup row starts
FAILURES: list[str] = []  # pages that did not answer 200


def timed(label: str, fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
        _check(label, out)
    print(f"  {label:<56} {best * 1000:8.1f} ms", flush=True)
    return best


def _check(label: str, out: Any) -> None:
    for resp in out if isinstance(out, tuple) else (out,):
        code = getattr(resp, "status_code", None)
        if code is not None and code != 200:
            FAILURES.append(f"{label}: HTTP {code}")


def store(a: argparse.Namespace) -> tuple[str, Callable[[], None]]:
    """The database URL to measure, filled with the generated calls, and how to let it go."""
    if a.url:  # filled once, then measured as often as wanted (a 10 M fill takes ~20 minutes)
        if _held(a.url):
            print(f"measuring the calls already in {a.url.split('@')[-1]}", flush=True)
        else:
            _fill(a.url, a.calls)
        return a.url, lambda: None
    if not a.postgres:
        path = OUT / ("panel_1m.db" if a.calls == 1_000_000 else f"panel_{a.calls}.db")
        if a.fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        if not path.exists():
            _fill(url, a.calls)
        return url, lambda: None
    from tests.support.postgres import PrivatePostgres

    pg = PrivatePostgres().start()
    # a server's settings rather than the test cluster's 64 MB: the calls table of 10 M rows is ~2 GB
    with pg._connect() as conn:
        for key, value in (("shared_buffers", "1GB"), ("work_mem", "32MB"), ("effective_cache_size", "4GB"),
                           ("max_wal_size", "4GB")):
            conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
    pg.halt()
    pg.resume()
    url = pg.create_database("panel")
    _fill(url, a.calls)
    return url, pg.stop


def _held(url: str) -> int:
    """The calls a database holds (0 when it has no schema yet)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("calls"):
                return 0
            return conn.execute(select(func.count()).select_from(Call)).scalar() or 0
    finally:
        engine.dispose()


def _fill(url: str, n: int) -> None:
    s = load(config_file=None, env={}, runtime_dir=OUT, database_url=url)
    open_db(s, upgrade=True)[0].dispose()  # the real schema, through the migrations
    print(f"generating {n} calls into {url.split('://')[0]} …", flush=True)
    took = generate(url, n, say=lambda line: print(line, flush=True))
    print(f"generated {n} calls in {took:.0f} s ({n / max(took, 1e-9):,.0f} calls/s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--fresh", action="store_true", help="SQLite: generate the store again")
    ap.add_argument("--postgres", action="store_true", help="a private PostgreSQL (generated every run)")
    ap.add_argument("--url", help="a database to measure, filled with --calls calls first when it holds none")
    ap.add_argument("--repeat", type=int, default=3, help="warm figures: best of this many")
    ap.add_argument("--hours-only", action="store_true",
                    help="only the before/after of today by closed hour (#17), in one run")
    ap.add_argument("--stamps-only", action="store_true",
                    help="only the before/after of the per-hour stamps (call_hours, migration 0021), in one run")
    ap.add_argument("--midnight-only", action="store_true",
                    help="only the month's first views after midnight and after a past day's rewrite, before the "
                         "scheduler's step: the repeats read from the calls (before) and from the calls kept per "
                         "hour (after), in one run")
    ap.add_argument("--sums-only", action="store_true",
                    help="only the first views of a panel started after the scheduler's step, nothing changed: "
                         "the kept parts read and added up (before) and their kept sums (after), interleaved")
    a = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    FAILURES.clear()
    url, release = store(a)
    try:
        only = ("hours" if a.hours_only else "stamps" if a.stamps_only else "midnight" if a.midnight_only
                else "sums" if a.sums_only else None)
        return measure(url, a.calls, a.repeat, only)
    finally:
        release()


def measure(url: str, generated: int, repeat: int, only: str | None = None) -> int:
    s = load(config_file=None, env={}, runtime_dir=OUT, database_url=url, agents=",".join(AGENTS))
    _engine, Session = open_db(s)
    db = Session()
    n = db.execute(select(func.count()).select_from(Call)).scalar() or 0
    n_att = db.execute(select(func.count()).select_from(RingAttempt)).scalar() or 0
    print(f"{n} calls, {n_att} ring attempts in {url.split('://')[0]}", flush=True)
    if n != generated:
        FAILURES.append(f"the store holds {n} calls, {generated} were generated")
    local = datetime.now(UTC).astimezone(ZoneInfo(s.timezone))
    if only is not None:
        {"hours": today_by_hour, "stamps": stamps_before_after, "midnight": midnight_before_after,
         "sums": sums_before_after}[only](
            s, *logged_in(s, Session), repeat)
        db.close()
        return 1 if FAILURES else 0

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
                       lambda start=start, end=end: metrics.team_and_agents(db, s, start, end), repeat)
        timed("chart series (series), cold",
              lambda start=start, end=end: (metrics.clear_cache(), metrics.series(db, s, start, end)), repeat=1)
        total += timed("chart series (series)", lambda start=start, end=end: metrics.series(db, s, start, end),
                       repeat)
        timed("R-KPI team + agents, 3 months, cold", lambda: (metrics.clear_cache(), kpi_rows()), repeat=1)
        total += timed("R-KPI team + agents (1 h closed, 60 s current)", kpi_rows, repeat)
        print(f"  {'sum of the queries':<56} {total * 1000:8.1f} ms")

    app, c = logged_in(s, Session)
    print("whole page (Flask test client):")
    for kind in ("day", "week", "month"):
        timed(f"GET /supervisor?period={kind}, cold",
              lambda kind=kind: (metrics.clear_cache(), c.get(f"/supervisor?period={kind}")), repeat=1)
        timed(f"GET /supervisor?period={kind}", lambda kind=kind: c.get(f"/supervisor?period={kind}"), repeat)
    timed("GET /wallboard/snapshot", lambda: c.get("/wallboard/snapshot"), repeat)
    with_rollups(s, app, c, repeat)
    today_by_hour(s, app, c, repeat)
    call_search(s, c, repeat)
    db.close()
    for line in FAILURES:
        print(f"FAILED: {line}")
    return 1 if FAILURES else 0


def logged_in(s: Settings, Session: Any) -> tuple[Any, Any]:
    """The panel app and a test client logged in as a supervisor."""
    from web import create_app
    from web.auth.users import add_user

    app = create_app(s)
    with Session() as db:
        try:
            add_user(db, "bench-boss", "supervisor", "bench-password-1")
        except Exception:
            db.rollback()
    c = app.test_client()
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True))
    assert m is not None, "no CSRF token on /login"
    c.post("/login", data={"username": "bench-boss", "password": "bench-password-1", "csrf_token": m.group(1)})
    return app, c


def call_search(s: Settings, c: Any, repeat: int) -> None:
    """The inspector's search (web/calls/search.py): each filter's first view, then its best of
    ``repeat``. Every result page is one query for 51 rows plus their grades."""
    today = datetime.now(ZoneInfo(s.timezone)).date()
    month_ago = (today - timedelta(days=30)).isoformat()
    searches = [
        ("newest calls, first page", ""),
        ("page 200 (offset 9 950)", "page=200"),
        ("an agent's calls", "agent=8005"),
        ("a caller's number, full", "number=13000000000"),
        ("a number's ending (4 digits)", "number=4321"),
        ("last 30 days, abandoned", f"date_from={month_ago}&disposition=abandoned"),
        ("last 30 days, answered late", f"date_from={month_ago}&late=1"),
        ("one day, agent hung up first", f"date_from={today.isoformat()}&date_to={today.isoformat()}"
                                         "&hangup_first=1"),
        ("a year ago, one agent, one day", f"agent=8005&date_from={(today - timedelta(days=360)).isoformat()}"
                                           f"&date_to={(today - timedelta(days=360)).isoformat()}"),
        ("graded calls (QA), none exist", "qa=graded"),
        ("QA band 不合格, none exist", "qa_band=fail"),  # read from the grades, as qa=graded
        ("flagged malicious, none exist", "malicious=1"),
    ]
    print("call search (GET /calls, 50 a page):")
    for label, query in searches:
        timed(f"{label}, first", lambda q=query: c.get(f"/calls?{q}"), repeat=1)
        timed(label, lambda q=query: c.get(f"/calls?{q}"), repeat)


def with_rollups(s: Settings, app: Any, c: Any, repeat: int = 3) -> dict[str, float]:
    """What `hotline scheduler run` does: its rollup step (hotline/metrics/refresh.py) writes the kept
    figures of past days into metric_rollups every rollup_interval_s, computing only the days whose
    calls changed; a panel reads them. A first view happens once per event, so each sequence of
    steps is run ``repeat`` times and the best kept. Returns the best figures, by "title: label"."""
    from sqlalchemy import and_, delete, or_, text

    from hotline.metrics.refresh import refresh
    from hotline.models import MetricRollup
    from web.team.warm import warm

    Session = app.extensions["hotline"]["Session"]
    today = metrics.period("day", s)[0]
    yesterday = today - timedelta(days=1)
    page = lambda kind="month": c.get(f"/supervisor?period={kind}")  # noqa: E731
    step = lambda: refresh(Session, s)  # noqa: E731

    def forget(since: datetime | None = None) -> None:  # nothing kept of these days, in memory nor in rollups
        with Session() as db:  # nor the sums of spans that reach them (hotline.metrics.cache.sum_key)
            db.execute(delete(MetricRollup) if since is None else delete(MetricRollup).where(or_(
                MetricRollup.day_start >= since, and_(MetricRollup.what.startswith(SUMS),
                                                      MetricRollup.day_end > since))))
            db.commit()
        if since is None:
            metrics.clear_cache()
        else:
            metrics_cache.KEPT.drop(keep=lambda k: k[2] < since and not (k[1][0] == rollups.SUM and k[3] > since))
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

    got: dict[str, float] = {}

    def steps(title: str, seq: list[tuple[str | None, object]], tag: str) -> None:
        best: dict[str, float] = {}
        for _ in range(repeat):
            for label, fn in seq:
                t = time.perf_counter()
                fn()  # type: ignore[operator]
                if label:
                    best[label] = min(best.get(label, float("inf")), time.perf_counter() - t)
        print(title)
        for label, took in best.items():
            print(f"  {label:<56} {took * 1000:8.1f} ms")
        got.update({f"{tag}: {k}": v for k, v in best.items()})

    steps("with the scheduler's rollups (hotline/metrics/refresh.py) — at the first start:", [
        (None, start), ("rollup step at start (cold)", step),
        (None, restart), ("GET /supervisor?period=day, a panel started after it", lambda: page("day")),
        ("GET /supervisor?period=week, first", lambda: page("week")),
        ("GET /supervisor?period=month, first", page),
        ("rollup step between midnights (checks only)", step)], "at the first start")
    steps("a panel started after the step, with the warm-up `hotline web serve` runs at its start "
          "(web/team/warm.py):", [
        (None, restart), ("the panel's warm-up (a thread at start, before any request)", lambda: warm(app, s)),
        ("GET /supervisor?period=day, first view after it", lambda: page("day")),
        ("GET /supervisor?period=week, first view after it", lambda: page("week")),
        ("GET /supervisor?period=month, first view after it", page)], "warmed up")
    steps("after midnight:", [
        (None, midnight), ("GET /supervisor?period=month, no rollup step yet", page),
        (None, midnight), ("rollup step after midnight", step),
        (None, restart), ("GET /supervisor?period=month, first after it", page)], "after midnight")
    if pk is None:
        print("  (no call yesterday: a rewrite not timed)")
        return got
    steps("after a past day's call is written again:", [
        (None, rewrite), (None, restart), ("GET /supervisor?period=month, no rollup step yet", page),
        (None, rewrite), ("rollup step after it", step),
        (None, restart), ("GET /supervisor?period=month, first after it", page)], "a past call rewritten")
    return got


def stamps_before_after(s: Settings, app: Any, c: Any, repeat: int = 3) -> None:
    """Before and after the per-hour stamps (#17, migration 0021), in one run on one store:
    "before" checks the kept parts against the calls' index (``stamps.on_hours`` says no, as in a
    zone with a :30 offset), "after" against ``call_hours``. A look over a whole month alone (what
    a month page checks at the month's end), warm pages, then the rollup sequences (with_rollups)."""
    Session = app.extensions["hotline"]["Session"]
    real = metrics_stamps.on_hours
    this_month = metrics.period("month", s)[0]
    last_month = metrics.period("month", s, this_month - timedelta(days=1))
    back = timedelta(hours=s.repeat_window_h)
    got: dict[str, dict[str, float]] = {}
    for mode, on_hours in (("before", lambda *_a: False), ("after", real)):
        metrics_stamps.on_hours = on_hours
        against = "the calls' index" if mode == "before" else "call_hours"
        print(f"--- {mode}: the kept parts checked against {against}", flush=True)
        try:
            metrics.clear_cache()
            took: dict[str, float] = {}
            with Session() as db:
                took["a look over last month (a month page at its end)"] = timed(
                    "a look over last month, with the repeat window",
                    lambda db=db: metrics_stamps.span_stamp(db, *last_month, back), repeat)
            for kind in ("day", "week", "month"):
                c.get(f"/supervisor?period={kind}")
                took[f"GET /supervisor?period={kind}, warm"] = timed(
                    f"GET /supervisor?period={kind}, warm", lambda kind=kind: c.get(f"/supervisor?period={kind}"),
                    repeat)
            took.update(with_rollups(s, app, c, repeat))
            got[mode] = took
        finally:
            metrics_stamps.on_hours = real
    print(f"the per-hour stamps (call_hours), same store, best of {repeat}: before (the calls' index) / after, ms")
    for label, before in got["before"].items():
        after = got["after"].get(label, float("nan"))
        print(f"  {label:<80} {before * 1000:8.1f} / {after * 1000:8.1f}  ×{before / max(after, 1e-9):.1f}")


def today_by_hour(s: Settings, app: Any, c: Any, repeat: int = 3) -> None:
    """Before and after today's closed hours were rolled up (#17), in one run on one store: the
    scheduler's step from nothing, then a panel started after it (first views: its memory empty, the
    R-KPI months too), then warm views. "Before" cuts the kept part at the start of today, as the
    code did: today is read live."""
    from sqlalchemy import delete

    from hotline.metrics import periods
    from hotline.metrics.refresh import refresh
    from hotline.models import MetricRollup

    Session = app.extensions["hotline"]["Session"]
    cuts = {"before": lambda s, now=None: periods.period("day", s, now)[0], "after": periods.running_hour}
    got: dict[str, dict[str, float]] = {}
    for mode, cut in cuts.items():
        metrics_cache.running_hour = cut
        try:
            with Session() as db:
                db.execute(delete(MetricRollup))
                db.commit()
            metrics.clear_cache()
            t = time.perf_counter()
            refresh(Session, s)
            took = {"the scheduler's rollup step, from nothing": time.perf_counter() - t}
            for kind in ("day", "week", "month"):
                first = warm = float("inf")
                for _ in range(repeat):
                    metrics.clear_cache()  # a panel process started after the step
                    t = time.perf_counter()
                    _check(kind, c.get(f"/supervisor?period={kind}"))
                    first = min(first, time.perf_counter() - t)
                for _ in range(repeat):
                    t = time.perf_counter()
                    _check(kind, c.get(f"/supervisor?period={kind}"))
                    warm = min(warm, time.perf_counter() - t)
                took[f"GET /supervisor?period={kind}, first view after the step"] = first
                took[f"GET /supervisor?period={kind}, warm"] = warm
            got[mode] = took
        finally:
            metrics_cache.running_hour = periods.running_hour
    print(f"today by closed hour (#17), same store, best of {repeat}:  before (today live) / after (running hour live)")
    for label, before in got["before"].items():
        after = got["after"][label]
        print(f"  {label:<52} {before * 1000:8.1f} / {after * 1000:8.1f} ms  ×{before / max(after, 1e-9):.1f}")


def midnight_before_after(s: Settings, app: Any, c: Any, repeat: int = 3) -> None:
    """The month page's first view after midnight and after a past day's rewrite, before the
    scheduler's next step (#17: a past day summed from its kept hours, hotline.metrics.cache
    .days_from_hours; the team's repeats of a run of stale parts from one reading, cache
    .compute_run), in one run on one store, two modes interleaved: "runs" reads the calls of that
    reading (the code before), "kept" reads them from the calls kept per hour (hotline.metrics
    .repeat_inputs: the changed hour and the running hour read again). Yesterday's hours are first
    kept as they are at 23:59:59: the scheduler's step and a month page at that time (its 23:00 hour
    still running, so computed after midnight: what a real midnight costs); then the step now, so
    that today's closed hours are kept as the scheduler keeps them (a rewrite of yesterday makes the
    repeats of those its window reaches stale: they need calls, so the store should hold calls up
    to now). Long: the phases, the modes and the repeats' timing are one sequence."""
    from sqlalchemy import delete, text

    from hotline.metrics import followup, periods, repeat_inputs, team
    from hotline.metrics.refresh import refresh
    from hotline.models import MetricRollup

    Session = app.extensions["hotline"]["Session"]
    today = metrics.period("day", s)[0]
    yesterday = metrics.period("day", s, today - timedelta(hours=1))[0]
    late = today - timedelta(seconds=1)
    last = periods.running_hour(s, late)  # yesterday's 23:00
    real = (metrics_cache.running_hour, metrics_cache.kept_spans, repeat_inputs.calls)
    page = lambda: _check("month", c.get("/supervisor?period=month"))  # noqa: E731
    metrics_cache.running_hour = lambda s, now=None: periods.running_hour(s, now or late)
    metrics_cache.kept_spans = lambda s, start, end, now=None: periods.kept_spans(s, start, end, now or late)
    try:
        t = time.perf_counter()
        refresh(Session, s, now=late)
        print(f"yesterday's hours kept at 23:59:59 (the scheduler's step then): {time.perf_counter() - t:.1f} s",
              flush=True)
        c.get("/supervisor?period=month")  # this process's month page then: its hours in memory
    finally:
        metrics_cache.running_hour, metrics_cache.kept_spans = real[:2]
    t = time.perf_counter()
    refresh(Session, s)  # today's closed hours kept (yesterday's own rows go at each "midnight")
    print(f"the scheduler's step now: {time.perf_counter() - t:.1f} s", flush=True)
    with Session() as db:
        held = db.scalar(select(func.count()).select_from(Call).where(Call.started_at >= today))
        pk = db.execute(text("SELECT id FROM calls WHERE started_at >= :a AND started_at < :b LIMIT 1"),
                        {"a": (yesterday + timedelta(hours=10)).strftime("%Y-%m-%d %H:%M:%S"),
                         "b": (yesterday + timedelta(hours=11)).strftime("%Y-%m-%d %H:%M:%S")}).scalar()
    print(f"today's calls so far: {held}", flush=True)

    def midnight(restart: bool) -> None:  # yesterday's own rows gone, its hours kept
        with Session() as db:  # and the sums of spans past its 23:00 hour (the step now wrote them)
            db.execute(delete(MetricRollup).where(MetricRollup.day_start == yesterday, MetricRollup.day_end == today))
            db.execute(delete(MetricRollup).where(MetricRollup.what.startswith(SUMS), MetricRollup.day_end > last))
            db.commit()
        metrics_cache.KPI.drop()
        if restart:
            metrics.clear_cache()
        else:
            metrics_cache.KEPT.drop(keep=lambda k: (k[2], k[3]) != (yesterday, today) and not (
                k[1][0] == rollups.SUM and k[3] > last))

    def rewrite(restart: bool) -> None:  # a call of yesterday 10:xx written again
        with Session() as db:
            db.execute(text("UPDATE calls SET built_at = :t WHERE id = :id"),
                       {"t": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), "id": pk})
            db.commit()
        metrics_cache.KPI.drop()  # the running month's R-KPI table is kept 60 s: as if they passed
        if restart:
            metrics.clear_cache()

    # midnight first in both modes: a rewrite leaves yesterday's hours stale
    phases: list[list[tuple[str, Callable[[], None], Callable[[], Any]]]] = [[
        ("month page, warm", lambda: None, page),
        ("month page, first view after midnight (the panel ran through it)", lambda: midnight(False), page),
        ("month page, first view after midnight (a panel started since)", lambda: midnight(True), page),
        ("the scheduler's step after midnight", lambda: midnight(True), lambda: refresh(Session, s)),
    ]]
    if pk is not None:
        phases.append([
            ("month page, first view after a past day's rewrite (the panel ran)", lambda: rewrite(False), page),
            ("month page, first view after a past day's rewrite (a panel started)", lambda: rewrite(True), page)])
    modes: dict[str, Any] = {"runs": lambda *_a: None, "kept": real[2]}  # repeat_inputs.calls in each
    got: dict[str, dict[str, list[float]]] = {mode: {} for mode in modes}
    # the team's repeats in each view: (readings, hours of calls read from the database, seconds),
    # R-ONE-CALL's one home timed (followup.repeat_counts, called through hotline.metrics.team)
    reads: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    counts, between = team.repeat_counts, followup._calls_between
    window = timedelta(hours=s.repeat_window_h)
    now_read: list[tuple[int, float, float]] = []

    def counted(db: Any, s: Settings, spans: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
        t = time.perf_counter()
        try:
            return counts(db, s, spans)
        finally:
            hours = 0.0
            if spans and repeat_inputs.calls is modes["runs"]:  # the calls of the reading, to now
                hours = (min(spans[-1][1], datetime.now(UTC)) - spans[0][0] + window) / timedelta(hours=1)
            now_read.append((1, hours, time.perf_counter() - t))

    def read_hours(db: Any, a: datetime, b: datetime) -> Any:  # the hours read again in "kept"
        now_read.append((0, (min(b, datetime.now(UTC)) - a) / timedelta(hours=1), 0.0))
        return between(db, a, b)

    team.repeat_counts, followup._calls_between = counted, read_hours
    try:
        for seqs in phases:
            for label, prepare, fn in seqs:
                for _ in range(repeat):
                    for mode, took in got.items():
                        repeat_inputs.calls = modes[mode]
                        try:
                            prepare()
                            now_read.clear()
                            t = time.perf_counter()
                            fn()
                            took.setdefault(label, []).append(time.perf_counter() - t)
                            reads.setdefault((mode, label), []).append(
                                (sum(n for n, _h, _t in now_read), sum(h for _n, h, _t in now_read),
                                 sum(x for _n, _h, x in now_read)))
                        finally:
                            repeat_inputs.calls = real[2]
                print(f"  {label}: " + ", ".join(f"{mode} {_ms(took[label])}" for mode, took in got.items()),
                      flush=True)
    finally:
        team.repeat_counts, followup._calls_between = counts, between
    print(f"the team's repeats from the calls kept per hour (#17), same store, {repeat} times each, interleaved: "
          f"runs (before) / kept (after), best and median, ms (load average "
          f"{Path('/proc/loadavg').read_text().split()[0]} at the end)")
    for label in got["runs"]:
        best = [min(took[label]) * 1000 for took in got.values()]
        mid = [median(took[label]) * 1000 for took in got.values()]
        print(f"  {label:<66} best {' / '.join(f'{x:6.1f}' for x in best)}, "
              f"median {' / '.join(f'{x:6.1f}' for x in mid)} ×{mid[0] / max(mid[1], 1e-9):.1f}")
    print("the team's repeats in those views: readings, hours of calls read from the database, median ms")
    for label in got["runs"]:
        each = [reads[(mode, label)] for mode in got]
        print(f"  {label:<66} " + " / ".join(
            f"{r[0][0]} × {median(h for _n, h, _t in r):.0f} h {median(x for _n, _h, x in r) * 1000:.0f} ms"
            for r in each))


def sums_before_after(s: Settings, app: Any, c: Any, repeat: int = 3) -> None:
    """The first views of a panel started after the scheduler's step, nothing changed since (#17):
    "parts" reads every kept day and closed hour of each span a page adds up and adds them (the
    code before, ``cache.sum_key`` giving None), "sums" the kept sum of each span
    (hotline.metrics.cache.sum_key), in one run on one store, the modes interleaved; then the warm
    views. Medians and best of ``repeat`` (at least 5) each."""
    from hotline.metrics.refresh import refresh

    Session = app.extensions["hotline"]["Session"]
    t = time.perf_counter()
    print(f"the scheduler's step: {refresh(Session, s)} ({time.perf_counter() - t:.1f} s)", flush=True)
    real = metrics_cache.sum_key
    modes: dict[str, Any] = {"parts": lambda *_a: None, "sums": real}
    got: dict[str, dict[str, list[float]]] = {mode: {} for mode in modes}
    load = [Path("/proc/loadavg").read_text().split()[0]]
    try:
        for _ in range(max(repeat, 5)):
            for mode, took in got.items():
                metrics_cache.sum_key = modes[mode]
                for kind in ("day", "week", "month"):
                    for label in (f"{kind}, first view of a panel started since", f"{kind}, warm"):
                        if label.endswith("since"):
                            metrics.clear_cache()
                        t = time.perf_counter()
                        _check(kind, c.get(f"/supervisor?period={kind}"))
                        took.setdefault(label, []).append(time.perf_counter() - t)
    finally:
        metrics_cache.sum_key = real
    load.append(Path("/proc/loadavg").read_text().split()[0])
    print(f"the kept parts vs their sums (#17), same store, {max(repeat, 5)} times each, interleaved: parts (before) "
          f"/ sums (after), median and best, ms (load average {load[0]} at the start, {load[1]} at the end)")
    for label in got["parts"]:
        mid = [median(took[label]) * 1000 for took in got.values()]
        best = [min(took[label]) * 1000 for took in got.values()]
        print(f"  GET /supervisor?period={label:<44} median {mid[0]:6.1f} / {mid[1]:6.1f} "
              f"×{mid[0] / max(mid[1], 1e-9):.1f}, best {best[0]:6.1f} / {best[1]:6.1f}")


def _ms(times: list[float]) -> str:
    return " ".join(f"{x * 1000:.0f}" for x in times) + " ms"

if __name__ == "__main__":
    sys.exit(main())
