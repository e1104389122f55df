"""A past day summed from its kept hours (#17, hotline.metrics.cache.days_from_hours): after
midnight yesterday is the sum of the hours kept while it was today (no computing), and after a call
of a past day was written again only the hours whose stamp changed are computed (that hour, and
those whose repeat window reaches it: R-ONE-CALL, repeat_window_h). The figures summed from hours
are those of the day computed whole; in a zone with a :30 offset (hours not on whole UTC hours)
the day is computed whole as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import metrics
from hotline.metrics import cache, periods, rollups, stamps
from hotline.metrics.kpi import _scan_month
from hotline.metrics.queries import Acc
from hotline.metrics.team import Calls
from hotline.models import Call, MetricRollup
from tests.hotline.metrics.test_rollups import _restart, _step, computed_whole
from tests.web.conftest import Panel, open_panel
from tests.web.factory import make_call

HOUR = timedelta(hours=1)


class _Computed:
    """Every kept part computed instead of read, as (what, a, b), and the readings of parts
    computed together (cache.compute_run) as (what, [(a, b), …]: the running hour's too)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parts: list[tuple[Any, datetime, datetime]] = []
        self.readings: list[tuple[Any, list[tuple[datetime, datetime]]]] = []
        real: Callable[..., Any] = cache.compute_day
        real_run: Callable[..., Any] = cache.compute_run

        def spy(db: Any, s: Any, key: Any, stamp: Any, fn: Any, a: datetime, b: datetime) -> Any:
            self.parts.append((key[1], a, b))
            return real(db, s, key, stamp, fn, a, b)

        def spy_run(db: Any, s: Any, parts: Any, run: Any) -> Any:  # the running hour (cache.LIVE) is not kept
            self.parts.extend((key[1], a, b) for key, a, b, _stamp in parts if key is not cache.LIVE)
            self.readings.append((parts[0][0][1] if parts[0][0] is not cache.LIVE else cache.LIVE,
                                  [(a, b) for _key, a, b, _stamp in parts]))
            return real_run(db, s, parts, run)

        monkeypatch.setattr(cache, "compute_day", spy)
        monkeypatch.setattr(cache, "compute_run", spy_run)

    def of(self, what: tuple[Any, ...]) -> set[tuple[datetime, datetime]]:
        return {(a, b) for w, a, b in self.parts if w == what}


def _panel(tmp_path: Path, db_url: str, zone: str, **kw: Any) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, timezone=zone, **kw)


@pytest.fixture
def p(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, "Asia/Shanghai", repeat_window_h=2.0)


@pytest.fixture
def p24(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, "Asia/Shanghai")  # the default repeat window, 24 h


@pytest.fixture
def kolkata(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, "Asia/Kolkata", repeat_window_h=2.0)  # UTC+05:30


def _days(p: Panel) -> tuple[datetime, datetime, datetime]:
    """(the day before yesterday, yesterday, today): local day starts in UTC."""
    today = periods.period("day", p.settings)[0]
    yesterday = periods.period("day", p.settings, today - HOUR)[0]
    return periods.period("day", p.settings, yesterday - HOUR)[0], yesterday, today


def _calls(p: Panel) -> None:
    """Calls over yesterday's hours, on hour edges, and a repeat across midnight (the caller of
    the day before's last abandoned call calls again after midnight)."""
    before, yesterday, _today = _days(p)
    db = p.db()
    make_call(db, at=yesterday - timedelta(minutes=30), disposition="abandoned", number="222", wait=40)
    make_call(db, at=yesterday + timedelta(minutes=20), agent="8001", number="222", wait=25, talk=30,
              attempts=[("8002", 15, "no_answer"), ("8001", 10, "answered")], survey=1)
    make_call(db, at=yesterday + timedelta(hours=3, seconds=-10), agent="8002", number="444", wait=5, talk=60)
    make_call(db, at=yesterday + timedelta(hours=10, minutes=5), agent="8001", number="555", wait=12, talk=90)
    make_call(db, at=yesterday + timedelta(hours=10, minutes=40), disposition="abandoned", number="666", wait=3)
    make_call(db, at=yesterday + timedelta(hours=11, minutes=10), agent="8002", number="666", wait=30, talk=20)
    make_call(db, at=yesterday + timedelta(hours=15), disposition="timeout", number="777", wait=300)
    make_call(db, at=yesterday + timedelta(hours=23, minutes=50), disposition="ivr", number="888")
    make_call(db, at=before + timedelta(hours=9), agent="8003", number="999", wait=7, talk=45, survey=2)
    db.close()


def _read(p: Panel) -> tuple[Any, ...]:
    """The kinds of kept parts over the day before and yesterday (the team's figures and its
    repeats, which look back; the chart; the R-KPI scan)."""
    before, _yesterday, today = _days(p)
    s = p.settings
    db = p.db()
    try:
        team, per = _scan_month(db, s, before, today)
        return (metrics.team_and_agents(db, s, before, today), metrics.series(db, s, before, today, unit="day"),
                vars(team), {agent: vars(acc) for agent, acc in per.items()})
    finally:
        db.close()


def _live(p: Panel, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    """The same figures computed whole from the rows: nothing kept."""
    return computed_whole(monkeypatch, lambda: _read(p))


def _before_midnight(p: Panel, monkeypatch: pytest.MonkeyPatch, write: bool = True) -> None:
    """Yesterday as it was at 23:59:59: read hour by hour (its 23 closed hours kept, in this
    process and, ``write``, as the scheduler's rollups), the running 23:00 hour live."""
    now = _days(p)[2] - timedelta(seconds=1)
    with monkeypatch.context() as m:
        m.setattr(cache, "running_hour", lambda s, _now=None: periods.running_hour(s, now))
        m.setattr(cache, "kept_spans", lambda s, a, b, _now=None: periods.kept_spans(s, a, b, now))
        _read(p)
        if write:
            with cache.writing_rollups() as rows:
                db = p.db()
                _read_on(db, p)
            for key, (a, b, stamp, value) in rows.items():
                rollups.write(db, key[1], key[4:], a, b, stamp, value)
            db.commit()
            db.close()


def _read_on(db: Any, p: Panel) -> None:
    before, _yesterday, today = _days(p)
    s = p.settings
    metrics.team_and_agents(db, s, before, today)
    metrics.series(db, s, before, today, unit="day")
    _scan_month(db, s, before, today)


KINDS = (("calls",), ("scan",), ("repeats",))


def test_after_midnight_yesterday_is_the_sum_of_its_kept_hours(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    _before, yesterday, today = _days(p)
    live = _live(p, monkeypatch)
    assert live[0][0].offered == 8 and live[0][0].answered == 5
    _before_midnight(p, monkeypatch, write=False)
    spy = _Computed(monkeypatch)
    assert _read(p) == live, "the day summed from its hours is the day computed whole"
    for what in KINDS:
        # the 23:00 hour was running at 23:59:59: computed now, the day itself is not
        assert (yesterday, today) not in spy.of(what)
        assert spy.of(what) <= {(yesterday + HOUR * 23, today)}
    # and the day is kept whole from here on
    spy.parts.clear()
    assert _read(p) == live and spy.parts == []


def test_a_panel_started_after_midnight_sums_yesterday_from_the_schedulers_hours(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    _before, yesterday, today = _days(p)
    live = _live(p, monkeypatch)
    _before_midnight(p, monkeypatch)
    _restart()  # a panel process started after midnight, before the scheduler's next step
    spy = _Computed(monkeypatch)
    assert _read(p) == live
    for what in KINDS:
        assert (yesterday, today) not in spy.of(what)
    # the step after midnight writes the day's own row, summed too
    _restart()
    spy.parts.clear()
    _step(p)
    assert (("calls",), yesterday, today) not in spy.parts
    db = p.db()
    rows = {(r.what, r.day_start, r.day_end) for r in db.scalars(select(MetricRollup))}
    db.close()
    if _shown(p):
        assert ('["calls"]', yesterday, today) in rows and ('["scan"]', yesterday, today) in rows
    assert ('["calls"]', yesterday + HOUR * 5, yesterday + HOUR * 6) in rows, "the day's hours stay"


def _shown(p: Panel) -> bool:
    """Whether a page's period (so the scheduler's step) covers yesterday."""
    s = p.settings
    return min(periods.period("week", s)[0], periods.period("month", s)[0]) <= _days(p)[1]


def _rewrite(p: Panel, number: str, **change: Any) -> None:
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == number)).first()
    assert row is not None
    for k, v in change.items():
        setattr(row, k, v)
    row.built_at = row.built_at + timedelta(seconds=1)
    db.commit()
    db.close()


def test_a_rewritten_call_of_a_past_day_computes_its_hours_only(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    _before, yesterday, today = _days(p)
    _before_midnight(p, monkeypatch)
    _step(p)
    first = _live(p, monkeypatch)
    _rewrite(p, "555", agent="8002", final_agent="8002", talk_seconds=120.0)  # yesterday 10:05
    live = _live(p, monkeypatch)
    assert live != first and live[0][1]["8002"].answered == 3
    _restart()  # a panel started after the step: the scheduler's hours read from the rollups
    ten = (yesterday + HOUR * 10, yesterday + HOUR * 11)
    for _ in range(2):
        spy = _Computed(monkeypatch)
        assert _read(p) == live, "the stale day is never shown"
        assert spy.of(("scan",)) == {ten}, "the changed hour only"
        assert spy.of(("calls",)) == {ten}
        # the team's repeats: also the hours whose 2 h repeat window reaches 10:05
        assert spy.of(("repeats",)) == {ten, (ten[1], ten[1] + HOUR), (ten[1] + HOUR, ten[1] + 2 * HOUR)}
        assert (yesterday, today) not in spy.of(("calls",)) | spy.of(("scan",)) | spy.of(("repeats",))
        monkeypatch.undo()
        _restart()  # again, from nothing but the scheduler's rollups
    spy = _Computed(monkeypatch)
    _step(p)  # the step writes the changed hours and the day, the day summed
    assert (yesterday, today) not in spy.of(("calls",)) | spy.of(("scan",)) | spy.of(("repeats",))
    if _shown(p):
        _restart()
        spy.parts.clear()
        assert _read(p) == live
        assert spy.of(("calls",)) == spy.of(("scan",)) == spy.of(("repeats",)) == set(), "the step's rows hold"


def test_a_rewrite_across_midnight_reaches_the_next_days_first_hour(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """The day before's last abandoned call, answered after all: yesterday's first call is no
    longer a repeat (R-ONE-CALL), so yesterday's 00:00 hour is computed again too."""
    _calls(p)
    before, yesterday, _today = _days(p)
    _before_midnight(p, monkeypatch)
    _step(p)
    first = _live(p, monkeypatch)
    assert first[0][0].repeat_rate.num == 2  # 222 across midnight, 666 at 11:10
    _rewrite(p, "222", disposition="answered", agent="8003", final_agent="8003", talk_seconds=10.0,
             answered_at=yesterday - timedelta(minutes=29))
    live = _live(p, monkeypatch)
    assert live[0][0].repeat_rate.num == 1
    _restart()
    spy = _Computed(monkeypatch)
    assert _read(p) == live
    assert (yesterday, yesterday + HOUR) in spy.of(("repeats",))
    for what in (("calls",), ("scan",)):  # no look back: its calls are the same
        assert (yesterday, yesterday + HOUR) not in spy.of(what)
    assert (before, yesterday) in spy.of(("scan",)), "the day before has no kept hours: computed whole"


def test_a_long_repeat_window_computes_the_stale_hours_repeats_in_one_reading(
        p24: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a 24 h repeat window every hour after the change is stale for the team's repeats, and
    each hour alone would read a day of calls back: the stale hours' repeats are computed from one
    reading of the calls (followup.repeat_counts over the run, cache.compute_run), so the day is
    still summed from its hours (the calls' other figures, the chart's and the R-KPI scan's by
    hour as before)."""
    p = p24
    _calls(p)
    _before, yesterday, today = _days(p)
    _before_midnight(p, monkeypatch)
    _step(p)
    _rewrite(p, "555", agent="8002", final_agent="8002")
    live = _live(p, monkeypatch)
    _restart()
    spy = _Computed(monkeypatch)
    assert _read(p) == live
    stale = {(yesterday + HOUR * i, yesterday + HOUR * (i + 1)) for i in range(10, 24)}
    assert spy.of(("repeats",)) == stale and (yesterday, today) not in spy.of(("repeats",))
    # the hours a call started in (10:05, 10:40, 11:10, 15:00, 23:50) read at once, the gaps read
    # through; an hour no call started in is given no repeats without reading (cache.compute_parts)
    with_calls = {(yesterday + HOUR * i, yesterday + HOUR * (i + 1)) for i in (10, 11, 15, 23)}
    assert [(what, set(spans)) for what, spans in spy.readings] == [(("repeats",), with_calls)], "one reading"
    assert spy.of(("scan",)) == spy.of(("calls",)) == {(yesterday + HOUR * 10, yesterday + HOUR * 11)}


def test_a_half_hour_zone_computes_the_day_whole(kolkata: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Asia/Kolkata's days do not start on whole UTC hours (stamps.on_hours): as before, a missing
    day is computed whole, with the right figures."""
    p = kolkata
    _calls(p)
    _before, yesterday, today = _days(p)
    assert not stamps.on_hours(yesterday, today, timedelta(0))
    live = _live(p, monkeypatch)
    _before_midnight(p, monkeypatch)
    _restart()
    spy = _Computed(monkeypatch)
    assert _read(p) == live
    for what in KINDS:
        assert (yesterday, today) in spy.of(what)


def test_parts_add_up_into_a_new_value_of_the_same_form() -> None:
    a, b = Acc(), Acc()
    a.offered, a.wait_sum, b.offered, b.wait_sum = 2, 1.5, 3, 2.25
    one = Calls(a, {"8001": a}, {"8001": (1, 2, 3, 4)}, (1, 2))
    two = Calls(b, {"8002": b}, {"8001": (1, 1, 1, 1), "8002": (0, 0, 0, 1)}, (0, 3))
    got = rollups.added([one, two])
    assert (got.team.offered, got.team.wait_sum) == (5, 3.75)
    assert got.per["8001"].offered == 2 and got.per["8002"].offered == 3
    assert got.rings == {"8001": (2, 3, 4, 5), "8002": (0, 0, 0, 1)} and got.repeat == (1, 5)
    assert a.offered == 2 and one.team is a, "the parts themselves are not changed"
    team, per = rollups.added([(a, {"8001": a}), (Acc(), {}), (b, {"8001": b})])
    assert team.offered == 5 and per["8001"].offered == 5
    assert rollups.added([{"2026-12-01": a}, {}])["2026-12-01"].offered == 2
    with pytest.raises(TypeError):
        rollups.added([object()])


def test_utc_zone_days_are_on_hours() -> None:
    day = datetime(2026, 12, 4, 16, tzinfo=UTC)
    assert cache._hours(day, day + timedelta(days=1))[-1] == (day + HOUR * 23, day + timedelta(days=1))
    assert len(cache._hours(day, day + timedelta(hours=25))) == 25  # a DST day falling back
