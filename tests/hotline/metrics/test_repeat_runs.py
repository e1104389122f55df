"""The team's repeats (R-ONE-CALL) of a run of parts from one reading of the calls (#17,
hotline.metrics.followup.repeat_counts, hotline.metrics.cache.compute_run): split per part, they
are what each part computed alone gives, and they add up to the period computed whole — across
midnight, after a past day's call was rewritten (its stale hours and today's closed hours its
repeat window reaches, in one reading, the running hour's live repeats too), and in Asia/Kolkata
(days not on whole UTC hours)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline import metrics
from hotline.chanvars import ChanVar
from hotline.metrics import cache, periods
from hotline.metrics.followup import repeat_counts
from tests.hotline.metrics.test_days_from_hours import (
    HOUR,
    _before_midnight,
    _calls,
    _Computed,
    _days,
    _panel,
    _rewrite,
    _shown,
)
from tests.hotline.metrics.test_rollups import _restart, _step, computed_whole
from tests.web.conftest import Panel
from tests.web.factory import make_call


@pytest.fixture
def p24(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, "Asia/Shanghai")  # the default repeat window, 24 h


@pytest.fixture
def kolkata24(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, "Asia/Kolkata")  # UTC+05:30: hours are not on whole UTC hours


def _more_calls(p: Panel) -> None:
    """Besides test_days_from_hours._calls: repeats within one hour, across an hour's edge, a call
    that left a fault ticket (open although answered), a number's calls at the same time, and
    today's calls that repeat yesterday's (the window reaches back across midnight)."""
    _before, yesterday, today = _days(p)
    db = p.db()
    make_call(db, at=yesterday + timedelta(hours=10, minutes=50), disposition="abandoned", number="666", wait=3)
    make_call(db, at=yesterday + timedelta(hours=12, minutes=59), agent="8001", number="321", talk=20,
              vars={ChanVar.FAULT_TICKET: "T-1"})
    make_call(db, at=yesterday + timedelta(hours=13, minutes=1), disposition="abandoned", number="321", wait=8)
    make_call(db, at=yesterday + timedelta(hours=13, minutes=30), disposition="abandoned", number="321", wait=8)
    make_call(db, at=yesterday + timedelta(hours=16), disposition="abandoned", number="404", wait=4)
    make_call(db, at=yesterday + timedelta(hours=16), agent="8002", number="404", talk=30)
    make_call(db, at=today + timedelta(minutes=10), agent="8003", number="777", talk=40)  # 777 timed out at 15:00
    make_call(db, at=today + timedelta(hours=2, minutes=5), agent="8001", number="666", talk=40)
    make_call(db, at=today + timedelta(hours=9, minutes=59), agent="8002", number="555", talk=40)
    make_call(db, at=today + timedelta(hours=10, minutes=30), disposition="abandoned", number="888", wait=3)
    db.close()


def _hours(a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    return [(a + HOUR * i, a + HOUR * (i + 1)) for i in range((b - a) // HOUR)]


def _split_is_alone_is_whole(p: Panel) -> None:
    before, _yesterday, today = _days(p)
    end = today + timedelta(days=1)
    s = p.settings
    db = p.db()
    try:
        for spans in (_hours(before, end), _hours(before, end)[::3], periods.days(s, before, end)):
            run = repeat_counts(db, s, spans)
            assert run == [repeat_counts(db, s, [span])[0] for span in spans], "each part as computed alone"
            whole = repeat_counts(db, s, [(spans[0][0], spans[-1][1])])[0]
            if len(spans) == len(_hours(before, end)) or len(spans) == 3:
                assert (sum(n for n, _ in run), sum(d for _, d in run)) == whole, "the period computed whole"
        got = metrics.repeat_rate(db, s, before, end)
        assert (got.num, got.den) == repeat_counts(db, s, [(before, end)])[0]
    finally:
        db.close()


def test_a_run_split_per_hour_is_each_hour_alone_and_the_day_whole(p24: Panel) -> None:
    _calls(p24)
    _more_calls(p24)
    _split_is_alone_is_whole(p24)
    before, _yesterday, today = _days(p24)
    db = p24.db()
    try:  # the repeats this store holds, R-ONE-CALL by hand: 222 across midnight; 666 at 10:50, 11:10
        # and today 02:05 (after the open 10:40, 10:50); 321 twice (the ticket kept 12:59 open); 404
        # (the same second: the abandoned call first); 777 and 888 today after yesterday's open calls;
        # 555 today after an answered call is not one. 19 calls.
        assert repeat_counts(db, p24.settings, [(before, today + timedelta(days=1))])[0] == (9, 19)
    finally:
        db.close()


def test_kolkata_runs_split_alike(kolkata24: Panel) -> None:
    _calls(kolkata24)
    _more_calls(kolkata24)
    _split_is_alone_is_whole(kolkata24)


def _at(p: Panel, monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    """The kept parts cut as at ``now`` (today's hours before it closed)."""
    monkeypatch.setattr(cache, "running_hour", lambda s, _now=None: periods.running_hour(s, now))
    monkeypatch.setattr(cache, "kept_spans", lambda s, a, b, _now=None: periods.kept_spans(s, a, b, now))


def _read(p: Panel) -> Any:
    before, _yesterday, today = _days(p)
    db = p.db()
    try:
        return metrics.team_and_agents(db, p.settings, before, today + timedelta(days=1))
    finally:
        db.close()


def _rewritten_with_today(p: Panel, monkeypatch: pytest.MonkeyPatch) -> tuple[_Computed, Any]:
    """Yesterday's hours kept at 23:59:59 and today's closed hours at 11:30 (the scheduler's rows),
    then yesterday's 10:05 call written again: what a panel started since computes at 11:30."""
    _calls(p)
    _more_calls(p)
    _before, _yesterday, today = _days(p)
    _before_midnight(p, monkeypatch)
    _at(p, monkeypatch, today + timedelta(hours=11, minutes=30))
    _step(p)
    _read(p)
    _rewrite(p, "555", agent="8002", final_agent="8002")
    live = computed_whole(monkeypatch, lambda: _read(p))
    _restart()
    spy = _Computed(monkeypatch)
    assert _read(p) == live, "the figures computed whole"
    return spy, live


def test_a_rewritten_past_day_and_todays_hours_its_window_reaches_in_one_reading(
        p24: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    p = p24
    spy, live = _rewritten_with_today(p, monkeypatch)
    _before, yesterday, today = _days(p)
    assert live[0].repeat_rate.num == 9
    # stale: yesterday's hours from 10:00 on (the day summed from its hours) and today's closed
    # hours to 11:00 (the 10:00 hour's window, from yesterday 10:00, holds the 10:05 call)
    stale = _hours(yesterday + HOUR * 10, today + HOUR * 11)
    assert spy.of(("repeats",)) == set(stale)
    assert (yesterday, today) not in spy.of(("repeats",))
    read = [spans for what, spans in spy.readings if what == ("repeats",)]
    assert len(read) == 1, "one reading for yesterday's stale hours and today's"
    assert {a for a, _b in read[0]} >= {yesterday + HOUR * 10, today, today + HOUR * 2, today + HOUR * 10}
    assert read[0][-1] == (today + HOUR * 11, today + timedelta(days=1)), "the running hour, live, in it too"
    if _shown(p):  # the scheduler's step writes them, and a panel started after it computes nothing
        _step(p)
        _restart()
        spy.parts.clear()
        assert _read(p) == live and spy.parts == []


def test_kolkata_a_rewritten_day_and_todays_hours_in_one_reading(
        kolkata24: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a :30 zone a past day has no kept hours (computed whole), but its repeats and today's
    closed hours' the window reaches are still one reading."""
    p = kolkata24
    spy, live = _rewritten_with_today(p, monkeypatch)
    _before, yesterday, today = _days(p)
    assert live[0].repeat_rate.num == 9
    assert (yesterday, today) in spy.of(("repeats",))
    read = [spans for what, spans in spy.readings if what == ("repeats",)]
    assert len(read) == 1 and read[0][0] == (yesterday, today)
    assert (today + HOUR * 10, today + HOUR * 11) in read[0]
    assert read[0][-1] == (today + HOUR * 11, today + timedelta(days=1)), "the running hour, live, in it too"


def test_a_long_run_is_read_in_pieces() -> None:
    """A run of stale parts is read at most cache.READING_MAX at a time (a year's range in a
    process with no rollups never reads all its calls at once); the running hour's part, which
    ends with its period, counts to now."""
    back = timedelta(hours=24)
    start = datetime(2026, 10, 1, 16, tzinfo=UTC)
    days = [(("d", i), start + timedelta(days=i), start + timedelta(days=i + 1), (1, None)) for i in range(10)]
    assert [len(r) for r in cache.scans(days, back, together=True)] == [2] * 5
    assert [len(r) for r in cache.scans(days, back, together=False)] == [1] * 10
    hours = [(("h", i), start + HOUR * i, start + HOUR * (i + 1), (1, None)) for i in range(60)]
    assert [len(r) for r in cache.scans(hours, back, together=True)] == [48, 12]
    far = [(("h", 0), start, start + HOUR, (1, None)),
           (cache.LIVE, start + HOUR, start + timedelta(days=400), (1, None))]
    assert len(cache.scans(far, back, together=True)) == 2, "its calls to now: more than READING_MAX"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    live = [(("h", 0), now - HOUR, now, (1, None)), (cache.LIVE, now, now + timedelta(days=30), (1, None))]
    assert len(cache.scans(live, back, together=True)) == 1, "the running hour joins: no calls after now"
