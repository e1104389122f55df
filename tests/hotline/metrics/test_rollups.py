"""The supervisor page's kept per-day figures shared through the database (#17): the scheduler
daemon's step writes a rollup per past day (hotline.metrics.refresh), every panel process reads
them, a day whose calls changed is computed by the page itself until the next step writes it again
(never a wrong figure), and two panel processes show the same figures without computing them."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hotline import metrics
from hotline.db import open_db
from hotline.metrics import cache, rollups
from hotline.metrics.periods import running_hour
from hotline.metrics.refresh import PERIODS
from hotline.metrics.team import calls_of
from hotline.models import Call, MetricRollup
from hotline.settings import ROOT
from scheduler.daemon import Scheduler
from tests.web.conftest import Panel, open_panel, panel_settings
from tests.web.factory import make_call
from web import close_app, create_app


def _zone() -> str:
    """A zone where today is not the 1st, so this month's page has a day already over."""
    for tz in ("Etc/GMT+12", "Etc/GMT-14"):
        if datetime.now(ZoneInfo(tz)).day != 1:
            return tz
    raise AssertionError("unreachable: two different dates cannot both be the 1st")


@pytest.fixture
def p(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, timezone=_zone())


def _today(s: Any) -> tuple[datetime, datetime]:
    today = datetime.now(ZoneInfo(s.timezone)).date()
    return metrics.local_day_start(today, s.timezone), metrics.local_day_start(today - timedelta(days=1), s.timezone)


def _calls(p: Panel) -> None:
    cut, yesterday = _today(p.settings)
    db = p.db()
    make_call(db, at=yesterday + timedelta(hours=10), agent="8001", number="111", wait=5, survey=1)
    make_call(db, at=yesterday + timedelta(hours=11), disposition="abandoned", number="222", wait=40)
    make_call(db, at=cut + timedelta(minutes=1), agent="8002", number="333", wait=8,
              attempts=[("8001", 15, "no_answer"), ("8002", 8, "answered")])
    db.close()


def _scheduler(p: Panel) -> Scheduler:
    return Scheduler(p.settings, p.app.extensions["hotline"]["Session"])


def _step(p: Panel) -> int:
    rep = _scheduler(p).rollups_if_due()
    assert rep is not None
    return rep.written


class _Computed:
    """Every past day a page (or the step) computed instead of reading it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.days: list[tuple[Any, datetime]] = []
        real: Callable[..., Any] = cache.compute_day

        real_run: Callable[..., Any] = cache.compute_run

        def spy(db: Any, s: Any, key: Any, stamp: Any, fn: Any, a: datetime, b: datetime) -> Any:
            self.days.append((key[1], a))
            return real(db, s, key, stamp, fn, a, b)

        def spy_run(db: Any, s: Any, parts: Any, run: Any) -> Any:  # several parts from one reading
            self.days.extend((key[1], a) for key, a, _b, _stamp in parts if key is not cache.LIVE)
            return real_run(db, s, parts, run)

        monkeypatch.setattr(cache, "compute_day", spy)
        monkeypatch.setattr(cache, "compute_run", spy_run)


def _others(spy: _Computed) -> set[datetime]:
    """The parts computed of what does not look back (the calls' figures, the chart, the R-KPI
    scan)."""
    return {a for what, a in spy.days if what != ("repeats",)}


def _team(spy: _Computed) -> set[datetime]:
    """The parts computed of the team's repeats: also today's closed hours whose repeats look back
    at the changed day (R-ONE-CALL, repeat_window_h)."""
    return {a for what, a in spy.days if what == ("repeats",)}


def _offered(html: str) -> int:
    m = re.search(r'id="m-offered">(\d+)<', html)
    assert m, "no offered figure on the page"
    return int(m.group(1))


T = TypeVar("T")


def _restart() -> None:
    """What a panel process starting anew holds: nothing of its own."""
    metrics.clear_cache()


def computed_whole(monkeypatch: pytest.MonkeyPatch, read: Callable[[], T]) -> T:
    """``read()`` with nothing kept: every period computed whole from the rows (the reference the
    kept parts must add up to), in a process that starts afresh before and after."""
    with monkeypatch.context() as m:
        m.setattr(cache, "parts", lambda _s, start, end: [(start, end, False)])
        _restart()
        got = read()
    _restart()
    return got


def test_codec_gives_back_the_same_parts(p: Panel) -> None:
    _calls(p)
    s = p.settings
    cut, yesterday = _today(s)
    db = p.db()
    part = calls_of(db, s, yesterday, cut + timedelta(days=1))
    back = rollups.decode(rollups.encode(part))
    assert vars(back.team) == vars(part.team) and back.rings == part.rings and back.repeat == part.repeat
    assert {k: vars(v) for k, v in back.per.items()} == {k: vars(v) for k, v in part.per.items()}
    team, per = metrics.queries.scan(db, s, yesterday, cut)
    t2, p2 = rollups.decode(rollups.encode((team, per)))
    assert vars(t2) == vars(team) and set(p2) == set(per)
    db.close()


def test_the_step_writes_rollups_and_pages_read_them(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    s = p.settings
    c = p.client("boss")
    want = {kind: c.get(f"/supervisor?period={kind}").get_data(as_text=True) for kind in PERIODS}
    _restart()
    before = running_hour(s)
    assert _step(p) > 0
    after = running_hour(s)  # an hour may close during the step
    db = p.db()
    assert db.scalar(select(func.count()).select_from(MetricRollup)) > 0
    cut, yesterday = _today(s)
    newest = db.scalar(select(func.max(MetricRollup.day_start)))
    # past days and today's closed hours: only the running hour is live. In the local day's first
    # hour none of today's is closed: the newest row is yesterday's, its day's or one of its hours'
    # kept (until 6 December the test wanted the day's: it failed from 12:00 to 13:00 UTC, the
    # first hour of the day in Etc/GMT+12)
    closed = {h - timedelta(hours=1) for h in (before, after) if h > cut}
    assert newest in closed or (before == cut and yesterday <= newest < cut), (newest, closed, cut)
    db.close()
    assert _step(p) == 0, "nothing changed: the next step only checks"
    _restart()  # a panel restarted after the step (or another panel process): computes nothing
    spy = _Computed(monkeypatch)
    got = {kind: c.get(f"/supervisor?period={kind}").get_data(as_text=True) for kind in PERIODS}
    assert spy.days == []
    assert {k: _offered(v) for k, v in got.items()} == {k: _offered(v) for k, v in want.items()}
    assert _offered(got["month"]) == 3 and _offered(got["day"]) == 1


def test_a_stale_rollup_is_computed_by_the_page_then_rewritten_by_the_next_step(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    _cut, yesterday = _today(p.settings)
    _step(p)
    # a call that started yesterday is written only now (it ended after midnight)
    db = p.db()
    make_call(db, at=yesterday + timedelta(hours=23), disposition="timeout", number="555", wait=300)
    db.close()
    _restart()
    spy = _Computed(monkeypatch)
    c = p.client("boss")
    html = c.get("/supervisor?period=month").get_data(as_text=True)
    assert _offered(html) == 4 and 'id="m-timeouts">1<' in html, "the stale rollup is never shown"
    assert spy.days and _others(spy) == {yesterday}, "only the changed day is computed"
    assert yesterday in _team(spy) and all(a >= _cut for a in _team(spy) - {yesterday})
    spy.days.clear()
    assert _step(p) > 0
    assert _others(spy) == {yesterday}, "the step rewrites only the changed day"
    assert yesterday in _team(spy) and all(a >= _cut for a in _team(spy) - {yesterday})
    spy.days.clear()
    _restart()
    assert _offered(c.get("/supervisor?period=month").get_data(as_text=True)) == 4
    assert spy.days == []


def test_two_panel_processes_agree(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two app instances on one database, each starting with nothing of its own (as two processes
    behind a proxy): the same figures, before and after a past day changes, none computed by them."""
    _calls(p)
    _cut, _yesterday = _today(p.settings)
    other = create_app(p.settings)
    other.config["TESTING"] = True
    second = Panel(other, p.settings, p.monitor)
    _step(p)
    spy = _Computed(monkeypatch)
    seen = []
    for panel in (p, second):
        _restart()
        seen.append(_offered(panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)))
    assert seen == [3, 3] and spy.days == []
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == "222")).one()
    row.disposition, row.agent, row.talk_seconds = "answered", "8002", 20.0
    row.built_at = row.built_at + timedelta(seconds=1)
    db.commit()
    db.close()
    _step(p)
    spy.days.clear()
    answered = []
    for panel in (p, second):
        _restart()
        html = panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)
        answered.append(re.search(r'id="m-answered">(\d+)<', html).group(1))  # type: ignore[union-attr]
    assert answered == ["3", "3"] and spy.days == []
    close_app(other)


def test_rollups_older_than_the_calls_retention_are_deleted(p: Panel) -> None:
    s = p.settings.replace(retention_calls_days=200)
    cut, _y = _today(s)
    db = p.db()
    old = cut - timedelta(days=300)
    rollups.write(db, ("calls",), rollups.params_of(s), old, old + timedelta(days=1), (0, None), None)
    db.commit()
    db.close()
    rep = Scheduler(s, p.app.extensions["hotline"]["Session"]).rollups_if_due()
    assert rep is not None and rep.purged == 1
    db = p.db()
    assert db.scalar(select(func.min(MetricRollup.day_start))) > old
    db.close()


def test_a_new_day_computes_only_that_day(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """What midnight does to the week and month spans: one more day at their end; the days before
    stay kept."""
    s = p.settings
    _calls(p)
    cut, yesterday = _today(s)
    start = cut - timedelta(days=5)
    db = p.db()
    before = metrics.team_and_agents(db, s, start, yesterday)  # "yesterday" the span ended here
    spy = _Computed(monkeypatch)
    team, _agents = metrics.team_and_agents(db, s, start, cut)  # and now it ends a day later
    assert spy.days == [(("repeats",), yesterday), (("calls",), yesterday)]
    assert before[0].offered == 0 and team.offered == 2 and team.abandoned == 1
    db.close()


def test_a_day_asked_for_by_two_threads_is_computed_once(p: Panel) -> None:
    """Two page threads asking for the same missing day at once: one computes, the other waits
    for it and gets the same value."""
    s = p.settings
    _calls(p)
    cut, yesterday = _today(s)
    runs: list[int] = []

    def slow(db: Any, s: Any, a: datetime, b: datetime) -> Any:
        runs.append(1)
        time.sleep(0.3)
        return calls_of(db, s, a, b)

    got: list[Any] = []

    def ask() -> None:
        db = p.db()
        try:
            got.append(cache.kept_days(db, s, ("test-once",), yesterday, cut, slow))
        finally:
            db.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(runs) == 1 and len(got) == 2 and got[0][0] is got[1][0]


def test_pages_read_whole_values_while_the_step_writes(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Page threads reading (their memory emptied now and then, the store evicting all the time)
    while the scheduler's step rewrites the rollups: every reader gets the figures of one reading."""
    s = p.settings
    _calls(p)
    cut, _y = _today(s)
    start, end = cut - timedelta(days=9), cut + timedelta(days=1)
    db = p.db()
    want = metrics.team_and_agents(db, s, start, end)
    db.close()
    monkeypatch.setattr(cache.KEPT, "max_entries", 3)
    stop, errors, seen = threading.Event(), list[BaseException](), list[Any]()
    sessions = p.app.extensions["hotline"]["Session"]

    def steps() -> None:
        from hotline.metrics.refresh import refresh

        try:
            while not stop.is_set():
                with sessions() as db:  # every day stale: the step writes them all again
                    db.query(MetricRollup).delete()
                    db.commit()
                refresh(sessions, s)
        except BaseException as exc:
            errors.append(exc)

    def page() -> None:
        db = p.db()
        try:
            for _ in range(15):
                seen.append(metrics.team_and_agents(db, s, start, end))
                if len(seen) % 4 == 0:
                    metrics.clear_cache()
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    writer = threading.Thread(target=steps)
    writer.start()
    threads = [threading.Thread(target=page) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        stop.set()
        writer.join(60)
    assert errors == []
    assert len(seen) == 45 and all(got == want for got in seen)


def test_a_failing_step_is_logged_and_tried_again(p: Panel, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    import scheduler.daemon as daemon

    _calls(p)
    real, tries = daemon.refresh, []

    def flaky(sessions: Any, s: Any) -> Any:
        tries.append(1)
        if len(tries) == 1:  # another writer held SQLite past the busy timeout
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        if len(tries) == 2:
            raise RuntimeError("a bug")
        return real(sessions, s)

    monkeypatch.setattr(daemon, "refresh", flaky)
    caplog.set_level(logging.INFO, logger="scheduler.daemon")
    sched = Scheduler(p.settings.replace(rollup_interval_s=0.05, callback_scheduler_interval_s=0.05),
                      p.app.extensions["hotline"]["Session"])
    t = threading.Thread(target=sched.run)
    t.start()
    try:
        deadline = time.monotonic() + 30
        while not any("rollups written" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline and t.is_alive(), caplog.text
            time.sleep(0.05)
    finally:
        sched.stop_event.set()
        t.join(30)
    # a busy database is one line (the retry is the answer), anything else its traceback
    busy = [r for r in caplog.records if r.getMessage().startswith("supervisor rollups: the database is busy")]
    assert len(busy) == 1 and busy[0].exc_info is None and "(database is locked)" in busy[0].getMessage()
    failed = [r for r in caplog.records if "supervisor rollups failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None and "a bug" in caplog.text
    db = p.db()
    assert db.scalar(select(func.count()).select_from(MetricRollup)) > 0
    db.close()


def test_hotline_scheduler_run_writes_rollups_at_start_and_after_a_change(tmp_path: Path) -> None:
    """The real command: `hotline scheduler run` writes the rollups at start, and a call written
    for a past day is written into its day's rollup by a later step."""
    runtime = tmp_path / "var"
    s = panel_settings(tmp_path, runtime_dir=runtime, timezone=_zone())
    engine, Session = open_db(s, upgrade=True)
    _cut, yesterday = _today(s)
    with Session() as db:
        make_call(db, at=yesterday + timedelta(hours=9), agent="8001")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(runtime), HOTLINE_TIMEZONE=s.timezone,
               HOTLINE_ROLLUP_INTERVAL_S="0.2", HOTLINE_CALLBACK_SCHEDULER_INTERVAL_S="0.2",
               HOTLINE_AGENTS="8001,8002,8003")
    env.pop("HOTLINE_CONFIG", None)
    log = tmp_path / "scheduler.log"

    def yesterday_offered() -> int | None:
        with Session() as db:
            got = rollups.read(db, ("calls",), rollups.params_of(s), [(yesterday, _cut)])
        return got[yesterday][1].team.offered if yesterday in got else None

    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hotline", "scheduler", "run"], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: yesterday_offered() == 1, proc, log)
        with Session() as db:  # the listener writes a call that started yesterday
            make_call(db, at=yesterday + timedelta(hours=20), disposition="abandoned", wait=50)
        _wait(lambda: yesterday_offered() == 2, proc, log)
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)
        engine.dispose()


def _wait(ok: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
