"""The panel warmer (web/team/warm.py): `hotline web serve` computes the supervisor page's kept figures in the
background, so no supervisor waits for them — at start, after midnight, or after a past day's calls
changed; and the kept figures are kept per day, so only what changed is computed again."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from hotline import metrics
from hotline.db import make_engine, open_db
from hotline.metrics import cache, queries
from hotline.metrics.team import calls_of
from hotline.settings import ROOT
from tests.support.ports import free_port
from tests.support.postgres import sqlite_url
from tests.web.conftest import Panel, open_panel, panel_settings
from tests.web.factory import make_call
from web import create_app
from web.team import warm
from web.team.warm import Warmer


def _zone() -> str:
    """A zone where today is not the 1st, so this month's page has a day already over whatever the
    date: these two zones are 26 h apart, so their dates differ and at most one is a 1st."""
    for tz in ("Etc/GMT+12", "Etc/GMT-14"):
        if datetime.now(ZoneInfo(tz)).day != 1:
            return tz
    raise AssertionError("unreachable: two different dates cannot both be the 1st")


@pytest.fixture
def warm_panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, timezone=_zone())


def _today(s: Any) -> tuple[datetime, datetime]:
    """(today's start, yesterday's start): local days, UTC times."""
    today = datetime.now(ZoneInfo(s.timezone)).date()
    return metrics.local_day_start(today, s.timezone), metrics.local_day_start(today - timedelta(days=1), s.timezone)


def _calls(p: Panel) -> None:
    """Two calls yesterday, one today, one two months back (an earlier KPI month of the page)."""
    s = p.settings
    cut, yesterday = _today(s)
    db = p.db()
    make_call(db, at=yesterday + timedelta(hours=10), agent="8001", number="111", wait=5, survey=1)
    make_call(db, at=yesterday + timedelta(hours=11), disposition="abandoned", number="222", wait=40)
    make_call(db, at=cut + timedelta(minutes=1), agent="8002", number="333", wait=8,
              attempts=[("8001", 15, "no_answer"), ("8002", 8, "answered")])
    make_call(db, at=cut - timedelta(days=62), agent="8003", number="444", wait=30)
    db.close()


def _warmer(p: Panel, **kw: Any) -> Warmer:
    return Warmer(p.settings, p.app.extensions["hotline"]["Session"], **kw)


class _Spy:
    """Records every kept part computed and every scan of calls before today (the expensive
    work the warmer is there to do), and the day-by-day looks at kept spans."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cut: datetime) -> None:
        self.computed: list[tuple[Any, datetime, datetime]] = []
        self.past_scans: list[tuple[datetime, datetime]] = []
        self.day_looks = 0
        compute, scan, day_stamps = cache.compute_day, queries.scan, cache.day_stamps

        def spy_compute(db: Any, s: Any, key: Any, stamp: Any, fn: Callable[..., Any], a: datetime,
                        b: datetime) -> Any:
            self.computed.append((key[1], a, b))
            return compute(db, s, key, stamp, fn, a, b)

        def spy_scan(db: Any, s: Any, a: datetime, b: datetime, *rest: Any) -> Any:
            if b <= cut:
                self.past_scans.append((a, b))
            return scan(db, s, a, b, *rest)

        def spy_day_stamps(db: Any, days: Any) -> Any:
            self.day_looks += 1
            return day_stamps(db, days)

        monkeypatch.setattr(cache, "compute_day", spy_compute)
        monkeypatch.setattr(queries, "scan", spy_scan)
        monkeypatch.setattr(cache, "day_stamps", spy_day_stamps)

    def reset(self) -> None:
        self.computed.clear()
        self.past_scans.clear()
        self.day_looks = 0


def _offered(html: str) -> int:
    m = re.search(r'id="m-offered">(\d+)<', html)
    assert m, "no offered figure on the page"
    return int(m.group(1))


def test_after_the_warmer_the_page_computes_nothing_of_past_days(warm_panel: Panel,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    p = warm_panel
    _calls(p)
    cut, _yesterday = _today(p.settings)
    _took, computed = _warmer(p).round()
    assert computed > 0
    spy = _Spy(monkeypatch, cut)
    c = p.client("boss")
    pages = {kind: c.get(f"/supervisor?period={kind}") for kind in warm.PERIODS}
    assert all(r.status_code == 200 for r in pages.values())
    assert spy.computed == [] and spy.past_scans == []
    assert spy.day_looks == 0  # one look at each whole span was enough
    assert _offered(pages["month"].get_data(as_text=True)) == 3
    assert _offered(pages["day"].get_data(as_text=True)) == 1
    # the same page in a process nobody warmed computes those days itself (what the spy sees)
    metrics.clear_cache()
    assert _offered(c.get("/supervisor?period=month").get_data(as_text=True)) == 3
    assert spy.computed and spy.past_scans


def test_a_past_day_written_again_is_computed_by_the_warmers_next_round(warm_panel: Panel,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    p = warm_panel
    _calls(p)
    cut, yesterday = _today(p.settings)
    w = _warmer(p)
    w.round()
    c = p.client("boss")
    assert _offered(c.get("/supervisor?period=month").get_data(as_text=True)) == 3
    # a call that started yesterday is written only now (it ended after midnight)
    db = p.db()
    make_call(db, at=yesterday + timedelta(hours=23), disposition="timeout", number="555", wait=300)
    db.close()
    spy = _Spy(monkeypatch, cut)
    w.round()  # a round between midnights: checks, and computes only the day that changed
    assert spy.computed and {(a, b) for _what, a, b in spy.computed} == {(yesterday, cut)}
    spy.reset()
    html = c.get("/supervisor?period=month").get_data(as_text=True)
    assert _offered(html) == 4 and 'id="m-timeouts">1<' in html
    assert spy.computed == [] and spy.past_scans == []


def test_a_new_day_computes_only_that_day(warm_panel: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """What midnight does to the week and month spans: one more day at their end; the days before
    stay kept (before, the whole span was computed again)."""
    p = warm_panel
    s = p.settings
    _calls(p)
    cut, yesterday = _today(s)
    start = cut - timedelta(days=5)
    db = p.db()
    before = metrics.team_and_agents(db, s, start, yesterday)  # "yesterday" the span ended here
    spy = _Spy(monkeypatch, cut)
    team, _agents = metrics.team_and_agents(db, s, start, cut)  # and now it ends a day later
    assert [(a, b) for _what, a, b in spy.computed] == [(yesterday, cut)]
    assert before[0].offered == 0 and team.offered == 2 and team.abandoned == 1


def test_the_warmer_wakes_just_after_midnight(warm_panel: Panel) -> None:
    s = warm_panel.settings
    w = _warmer(warm_panel, interval_s=60)
    midnight = metrics.period("day", s)[1]
    assert w.pause(midnight - timedelta(seconds=10)) == pytest.approx(11.0)
    assert w.pause(midnight - timedelta(hours=1)) == pytest.approx(60.0)


def _wait(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_the_warmer_survives_a_failing_round_and_logs_it(warm_panel: Panel, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    p = warm_panel
    _calls(p)
    real, rounds = warm.warm_page, []

    def flaky(db: Any, s: Any) -> None:
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        real(db, s)

    monkeypatch.setattr(warm, "warm_page", flaky)
    caplog.set_level(logging.INFO, logger="web.team.warm")
    w = _warmer(p, interval_s=0.05).start()
    try:
        _wait(lambda: w.rounds >= 2, "two good rounds")
        assert w.alive
    finally:
        w.stop()
    assert w.failures == 1
    failed = [r for r in caplog.records if "round failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None and "database is locked" in caplog.text
    assert any("panel figures warmed" in r.getMessage() for r in caplog.records)
    # the round after the failure did the page's calls: a warmed page computes nothing
    cut, _y = _today(p.settings)
    spy = _Spy(monkeypatch, cut)
    assert p.client("boss").get("/supervisor?period=month").status_code == 200
    assert spy.computed == []


def test_the_warmer_keeps_trying_a_database_it_cannot_open(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    s = panel_settings(tmp_path)
    broken = sessionmaker(make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'hotline.db'}"))
    caplog.set_level(logging.INFO, logger="web.team.warm")
    w = Warmer(s, broken, interval_s=0.05).start()
    try:
        _wait(lambda: w.failures >= 3, "three failed rounds")
        assert w.alive and w.rounds == 0
    finally:
        w.stop()
    assert not w.alive
    records = [r for r in caplog.records if r.name == "web.team.warm"]
    assert records[0].levelno == logging.ERROR and records[0].exc_info is not None  # the traceback once…
    assert "unable to open database file" in caplog.text
    assert all(r.levelno == logging.WARNING for r in records[1:])  # …then one line per round


def test_start_for_runs_only_when_asked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="web.team.warm")
    off = create_app(panel_settings(tmp_path / "a", panel_warm_interval_s=0,
                                    database_url=sqlite_url(tmp_path / "a.db")))
    assert warm.start_for(off) is None and "panel warmer off" in caplog.text
    memory = create_app(panel_settings(tmp_path / "b", database_url="sqlite://"))
    assert warm.start_for(memory) is None and "in-memory" in caplog.text
    app = create_app(panel_settings(tmp_path / "c", database_url=sqlite_url(tmp_path / "c.db")))
    # create_app alone starts nothing: tests' apps stay deterministic
    assert not [t for t in threading.enumerate() if t.name == "panel-warmer"]
    w = warm.start_for(app)
    assert w is not None and w.interval_s == 60.0
    try:
        _wait(lambda: w.rounds >= 1, "the first round")
        assert w.alive
    finally:
        w.stop()
        app.extensions["hotline"]["engine"].dispose()
    assert not w.alive


def test_hotline_web_warms_at_start_and_after_a_change(tmp_path: Path) -> None:
    """The real command: `hotline web serve` logs its first round, serves pages, and a call written for a
    past day is computed by a later round in the background."""
    runtime = tmp_path / "var"
    s = panel_settings(tmp_path, runtime_dir=runtime, timezone=_zone(), web_port=free_port())
    _engine, Session = open_db(s, upgrade=True)
    _cut, yesterday = _today(s)
    with Session() as db:
        make_call(db, at=yesterday + timedelta(hours=9), agent="8001")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(runtime), HOTLINE_TIMEZONE=s.timezone,
               HOTLINE_WEB_PORT=str(s.web_port), HOTLINE_PANEL_WARM_INTERVAL_S="0.2", HOTLINE_AGENTS="8001,8002,8003")
    env.pop("HOTLINE_CONFIG", None)
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hotline", "web", "serve"], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        rounds = re.compile(r"panel figures warmed in [\d.]+ s \((\d+) day parts computed, round (\d+)\)")

        def found() -> list[tuple[int, int]]:
            assert proc.poll() is None, log.read_text()
            return [(int(a), int(b)) for a, b in rounds.findall(log.read_text())]

        _wait(lambda: bool(found()), "the first round in the log")
        computed, first = found()[0]
        assert first == 1 and computed > 0, log.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{s.web_port}/login", timeout=10) as r:
            assert r.status == 200
        with Session() as db:  # the listener writes a call that started yesterday
            make_call(db, at=yesterday + timedelta(hours=20), disposition="abandoned", wait=50)
        # rounds that compute nothing log at DEBUG: a later INFO round is the one that saw the change
        _wait(lambda: any(r > 1 and n > 0 for n, r in found()), "a round computing the changed day")
        assert "Traceback" not in log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_day_asked_for_by_two_threads_is_computed_once(warm_panel: Panel) -> None:
    """The warmer and a page asking for the same day at the same time: one computes, the other
    waits for it and gets the same value."""
    p = warm_panel
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


def test_pages_and_the_warmer_at_once_see_whole_values(warm_panel: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Page threads reading while the warmer computes and the store evicts (kept to 3 parts here,
    so it evicts all the time): every reader gets the figures of one consistent reading."""
    p = warm_panel
    s = p.settings
    _calls(p)
    cut, _y = _today(s)
    start, end = cut - timedelta(days=9), cut + timedelta(days=1)
    db = p.db()
    want = metrics.team_and_agents(db, s, start, end)
    db.close()
    monkeypatch.setattr(cache.KEPT, "max_entries", 3)
    metrics.clear_cache()
    w = _warmer(p, interval_s=0.0).start()
    errors: list[BaseException] = []
    seen: list[Any] = []

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

    threads = [threading.Thread(target=page) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert w.alive
    finally:
        w.stop()
    assert errors == [] and w.failures == 0
    assert len(seen) == 45 and all(got == want for got in seen)
