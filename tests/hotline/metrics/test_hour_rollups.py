"""Today rolled up by closed hour (#17): the scheduler's step writes a rollup per closed hour of
today as it does per past day, a page reads only the running hour live, and the figures are those
of one reading of the rows — a call that spans an hour's edge counts once, in the hour it started
(like every metric: by started_at), and a late change to a closed hour's calls makes the page
compute that hour again until the next step rewrites it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline import metrics
from hotline.metrics import rollups
from hotline.metrics.kpi import kpis, team_kpis
from hotline.metrics.periods import kpi_month, period, running_hour
from hotline.metrics.queries import Acc
from hotline.metrics.refresh import PERIODS, hours_kept_from
from hotline.metrics.team import Calls
from hotline.models import Call, MetricRollup
from hotline.settings import Settings
from tests.hotline.metrics.test_rollups import _Computed, _restart, _step, computed_whole
from tests.web.conftest import Panel, open_panel
from tests.web.factory import make_call

HOUR = timedelta(hours=1)


def _noon_zone() -> str:
    """A zone where it is now 12:xx: today has twelve closed hours and a running one."""
    n = (12 - datetime.now(UTC).hour) % 24
    n = n - 24 if n > 14 else n
    return "Etc/GMT" if n == 0 else f"Etc/GMT{-n:+d}"


@pytest.fixture
def p(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, timezone=_noon_zone())


def _calls(p: Panel) -> datetime:
    """Calls in several of today's closed hours and in the running one; returns today's start."""
    s = p.settings
    today = period("day", s)[0]
    db = p.db()
    make_call(db, at=today - timedelta(hours=2), disposition="abandoned", number="222", wait=40)
    # a repeat of yesterday's caller; an agent rang out before another answered
    make_call(db, at=today + timedelta(hours=1, minutes=10), agent="8001", number="222", wait=25, talk=30,
              attempts=[("8002", 15, "no_answer"), ("8001", 10, "answered")], survey=1)
    # started at 02:59:50, queued and answered after 03:00, talking until 03:01: hour 2's call
    make_call(db, at=today + timedelta(hours=3, seconds=-10), agent="8002", number="444", wait=5, talk=60)
    make_call(db, at=today + timedelta(hours=3, minutes=5), disposition="abandoned", number="333", wait=40)
    make_call(db, at=today + timedelta(hours=3, minutes=30), disposition="ivr", number="555")
    make_call(db, at=today + timedelta(hours=5, minutes=20), disposition="timeout", number="333", wait=300)
    make_call(db, at=today + timedelta(hours=9), agent="8001", number="666", wait=12, talk=200, survey=2)
    make_call(db, at=running_hour(s) + timedelta(seconds=1), agent="8002", number="777", wait=3, talk=45)
    db.close()
    return today


def _figures(p: Panel) -> dict[str, Any]:
    """What /supervisor reads for each of its periods, from the cache as it stands."""
    s: Settings = p.settings
    db = p.db()
    out: dict[str, Any] = {}
    for kind in PERIODS:
        start, end = period(kind, s)
        year, month = kpi_month(s, start, end)
        out[kind] = (metrics.team_and_agents(db, s, start, end), metrics.series(db, s, start, end),
                     team_kpis(db, s, year, month), kpis(db, s, year, month))
    db.close()
    return out


def _all_live(p: Panel, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The same figures computed from the rows in one reading per period: nothing kept."""
    return computed_whole(monkeypatch, lambda: _figures(p))


def test_closed_hours_are_rolled_up_and_add_up_to_the_rows(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    today = _calls(p)
    live = _all_live(p, monkeypatch)
    team = live["day"][0][0]
    assert (team.offered, team.answered, team.abandoned, team.timeouts) == (6, 4, 1, 1)
    assert sum(live["day"][1]["offered"]) == 6 and live["day"][1]["offered"][2] == 1  # the 02:59:50 call
    assert _step(p) > 0
    db = p.db()
    hours = {(r.day_start, r.day_end) for r in db.scalars(select(MetricRollup).where(MetricRollup.what == '["calls"]'))}
    db.close()
    assert {(today + HOUR * h, today + HOUR * (h + 1)) for h in (0, 1, 2, 5, 9)} <= hours
    assert (running_hour(p.settings), running_hour(p.settings) + HOUR) not in hours  # the running hour is live
    _restart()  # a panel process started after the step: reads the rollups
    spy = _Computed(monkeypatch)
    rolled = _figures(p)
    assert {a for _what, a in spy.days} <= {running_hour(p.settings) - HOUR}, "only an hour closed since"
    assert rolled == live


def test_a_late_change_to_a_closed_hour_is_computed_until_the_next_step(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    today = _calls(p)
    _step(p)
    first = _all_live(p, monkeypatch)
    hour = running_hour(p.settings)
    # the call across 03:00 is rebuilt: another agent took it, and talked longer
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == "444")).one()
    row.agent, row.final_agent, row.talk_seconds = "8001", "8001", 90.0
    row.built_at = row.built_at + timedelta(seconds=1)
    db.commit()
    db.close()
    live = _all_live(p, monkeypatch)
    assert live != first and live["day"][0][1]["8001"].answered == 3
    spy = _Computed(monkeypatch)
    assert _figures(p) == live, "the stale hour is never shown"
    changed = today + HOUR * 2
    computed: dict[Any, set[datetime]] = {}
    for what, a in spy.days:
        computed.setdefault(what, set()).add(a)
    # the team's repeats: that hour and those after it, whose repeats look back at its calls
    # (R-ONE-CALL: repeat_window_h); the others (the calls' figures, chart, R-KPI scan): that hour
    # only; and the running hour if it closed meanwhile
    after = {changed + HOUR * i for i in range(int((hour - changed) / HOUR))}
    assert after <= computed.pop(("repeats",)) <= after | {hour}
    assert computed and all({changed} <= v <= {changed, hour} for v in computed.values())
    spy.days.clear()
    assert _step(p) > 0
    assert changed in {a for _what, a in spy.days}
    spy.days.clear()
    _restart()
    assert _figures(p) == live
    assert {a for _what, a in spy.days} <= {running_hour(p.settings) - HOUR}


def test_the_hours_of_a_day_over_are_kept_until_the_previous_month(p: Panel) -> None:
    """A past day's hours stay (#17: midnight and a past day's rewrite sum the day from them,
    hotline.metrics.cache.days_from_hours); those of days before the previous month's start go."""
    s = p.settings
    today = period("day", s)[0]
    yesterday = today - timedelta(days=1)
    bound = hours_kept_from(s)
    old = bound - timedelta(days=3)
    params = rollups.params_of(s)
    db = p.db()
    rollups.write(db, ("calls",), params, yesterday + HOUR * 5, yesterday + HOUR * 6, (0, None), None)
    rollups.write(db, ("series", "hour", yesterday), params, yesterday + HOUR * 7, yesterday + HOUR * 8,
                  (0, None), {})
    # parts no call started in, as computing them gives (a page may read the day's own row)
    rollups.write(db, ("calls",), params, old + HOUR * 5, old + HOUR * 6, (0, None), Calls())
    rollups.write(db, ("scan",), params, old, old + HOUR, (0, None), (Acc(), {}))
    rollups.write(db, ("scan",), params, old, old + timedelta(days=1), (0, None), (Acc(), {}))  # the day's own row
    db.commit()
    db.close()
    _step(p)
    db = p.db()
    rows = {(r.what, r.day_start, r.day_end) for r in db.scalars(select(MetricRollup))}
    db.close()
    assert not [r for r in rows if r[1] < bound and r[2] - r[1] <= HOUR], "no hour before the bound is left"
    assert ('["scan"]', old, old + timedelta(days=1)) in rows, "a day's own row stays"
    assert {('["calls"]', yesterday + HOUR * 5, yesterday + HOUR * 6),
            (f'["series", "hour", "{yesterday.isoformat()}"]', yesterday + HOUR * 7, yesterday + HOUR * 8)} <= rows
    if min(period("week", s)[0], period("month", s)[0]) <= yesterday:  # a page shows yesterday
        assert ('["calls"]', yesterday, today) in rows  # the step wrote the day's own row


def test_hours_are_kept_from_the_previous_month() -> None:
    s = Settings(timezone="Asia/Shanghai")
    local = ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 3, 1, 0, 30, tzinfo=local).astimezone(UTC)
    assert hours_kept_from(s, at) == datetime(2026, 2, 1, tzinfo=local).astimezone(UTC)
    at = datetime(2026, 1, 31, 23, 30, tzinfo=local).astimezone(UTC)
    assert hours_kept_from(s, at) == datetime(2025, 12, 1, tzinfo=local).astimezone(UTC)
