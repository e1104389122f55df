"""The sums of kept parts (#17, hotline.metrics.cache.sum_key): the scheduler's step keeps, beside
each day and hour, the sum of every span a page adds up (the period's days and today's closed hours,
each R-KPI month), so a panel started since reads one row per figure instead of one per day — and
shows the figures the parts give, to the last bit; a sum whose calls changed is not used, and the
step deletes the sums a page no longer asks for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline import metrics
from hotline.metrics import cache, rollups
from hotline.metrics.periods import period, running_hour
from hotline.metrics.refresh import refresh
from hotline.metrics.team import Calls
from hotline.models import Call, MetricRollup
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, open_panel
from tests.web.factory import make_call


def _zone() -> str:
    """A zone where today is past the 2nd, so this month's page has two days already over."""
    for tz in ("Etc/GMT+12", "Etc/GMT-14", "Etc/GMT"):
        if datetime.now(ZoneInfo(tz)).day > 2:
            return tz
    raise AssertionError("unreachable: three different dates cannot all be the 1st or 2nd")


@pytest.fixture
def p(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, timezone=_zone())


def _calls(p: Panel) -> datetime:
    """Calls on two days of this month and on days of the two months before (R-KPI), with waits
    whose sums are not exact in binary; returns the start of this month's first day."""
    s = p.settings
    month = period("month", s)[0]
    prev = period("month", s, month - timedelta(days=1))[0]
    older = period("month", s, prev - timedelta(days=1))[0]
    db = p.db()
    for i, day in enumerate([older + timedelta(days=3), prev + timedelta(days=5), prev + timedelta(days=6),
                             month, month + timedelta(days=1)]):
        for j in range(3):
            make_call(db, at=day + timedelta(hours=9 + j), agent=("8001", "8002")[j % 2], number=f"13{i}{j % 2}",
                      wait=0.1 + 0.7 * j + 0.3 * i, talk=33.3 + j)
        make_call(db, at=day + timedelta(hours=13), disposition="abandoned", number=f"13{i}0", wait=17.7)
    db.close()
    return month


def _figures(p: Panel) -> str:
    """Every figure of the page's three periods and their R-KPI tables, as text (floats by repr)."""
    s = p.settings
    out = []
    with p.app.app_context():
        db = p.db()
        for kind in ("day", "week", "month"):
            start, end = metrics.period(kind, s)
            year, month = metrics.kpi_month(s, start, end)
            with metrics.one_reading():
                out.append(repr((metrics.team_and_agents(db, s, start, end), metrics.series(db, s, start, end),
                                 metrics.team_kpis(db, s, year, month), metrics.kpis(db, s, year, month))))
        db.close()
    return "\n".join(out)


class _Reads:
    """The rollup rows a page reads, by kind of figure and span."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.spans: list[tuple[tuple[Any, ...], datetime, datetime]] = []
        real = rollups.read

        def spy(db: Any, what: tuple[Any, ...], params: Any, spans: Any) -> Any:
            self.spans.extend((what, a, b) for a, b in spans)
            return real(db, what, params, spans)

        monkeypatch.setattr(rollups, "read", spy)


def _step(p: Panel) -> int:
    return refresh(p.app.extensions["hotline"]["Session"], p.settings).written


def test_a_panel_started_since_reads_the_sums_and_shows_the_parts_figures(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    month = _calls(p)
    prev = period("month", p.settings, month - timedelta(days=1))[0]
    with monkeypatch.context() as m:  # the figures from the parts alone, as before the sums
        m.setattr(cache, "sum_key", lambda *_a: None)
        metrics.clear_cache()
        parts = _figures(p)
    metrics.clear_cache()
    assert _step(p) > 0
    db = p.db()
    sums = {(r.what, r.day_start, r.day_end) for r in db.scalars(select(MetricRollup))
            if r.what.startswith('["sum", ')}
    db.close()
    assert ('["sum", "scan"]', prev, month) in sums, "the R-KPI month before this one, whole"
    assert ('["sum", "calls"]', month, running_hour(p.settings)) in sums, "this month's days and closed hours"
    assert _step(p) == 0, "nothing changed: the next step only checks the sums"
    metrics.clear_cache()  # a panel process started after the step
    reads = _Reads(monkeypatch)
    assert _figures(p) == parts
    assert not [r for r in reads.spans if r[0] == ("scan",) and r[1] < month], "no day of the months before read"
    today = period("day", p.settings)[0]
    assert not [r for r in reads.spans if r[0] == ("calls",) and r[1] < today], "no day of the periods read"


def test_a_sum_whose_calls_changed_is_not_used(p: Panel) -> None:
    month = _calls(p)
    _step(p)
    metrics.clear_cache()
    before = _figures(p)
    db = p.db()
    call = db.scalars(select(Call).where(Call.started_at >= month, Call.started_at < month + timedelta(hours=10),
                                         Call.agent == "8001")).first()
    assert call is not None
    call.disposition, call.agent = "abandoned", None  # a rebuild of a past day's call
    call.built_at = utcnow() + timedelta(seconds=1)
    db.commit()
    db.close()
    for restart in (False, True):  # the panel that held the sum, and one started since
        cache.KPI.drop()  # the running month's R-KPI table is kept a minute: as if it passed
        if restart:
            metrics.clear_cache()
        after = _figures(p)
        assert after != before
        with pytest.MonkeyPatch.context() as m:
            m.setattr(cache, "sum_key", lambda *_a: None)
            metrics.clear_cache()
            assert _figures(p) == after, "what the parts give"


def test_the_step_deletes_the_sums_no_page_asks_for(p: Panel) -> None:
    s = p.settings
    _calls(p)
    params = rollups.params_of(s)
    month = period("month", s)[0]
    prev = period("month", s, month - timedelta(days=1))[0]
    hour = running_hour(s)
    db = p.db()
    rollups.write(db, (rollups.SUM, "calls"), params, month, hour - timedelta(hours=2), (0, None), Calls())
    rollups.write(db, (rollups.SUM, "scan"), params, prev - timedelta(days=40), prev, (0, None), None)
    db.commit()
    db.close()
    _step(p)
    db = p.db()
    rows = {(r.what, r.day_start, r.day_end) for r in db.scalars(select(MetricRollup))}
    db.close()
    old = period("month", s, prev - timedelta(days=1))[0]
    assert ('["sum", "calls"]', month, hour - timedelta(hours=2)) not in rows, "an hour closed since"
    assert ('["sum", "scan"]', prev - timedelta(days=40), prev) not in rows, "no page's span"
    assert ('["sum", "scan"]', old, prev) in rows, "an R-KPI month stays"
