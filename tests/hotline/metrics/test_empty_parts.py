"""A kept part no call started in (its stamp counts no call: ``call_hours``, migration 0021) is given
its figures' empty value instead of being computed (#17; README "Small gaps": a far-past range of
366 days took seconds, computing every empty day). Every figure counts a call in the part it
started in, so the empty value is what computing gives; the figures are those of the rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from hotline import metrics
from hotline.metrics import cache, kpi, rollups, team
from hotline.metrics.periods import period
from tests.hotline.metrics.test_rollups import _restart
from tests.web.conftest import Panel
from tests.web.factory import make_call


class _CallReads:
    """Statements that read the calls' rows (a part computed), not the per-hour stamps."""

    def __init__(self, panel: Panel) -> None:
        self.engine = panel.app.extensions["hotline"]["engine"]
        self.n = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        self.n += " calls" in statement and "call_hours" not in statement

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def reads(panel: Panel) -> Iterator[_CallReads]:
    spy = _CallReads(panel)
    yield spy
    spy.close()


def _range(panel: Panel, start: datetime, end: datetime) -> tuple[Any, ...]:
    """What /supervisor reads over a date range (web/team/views.py): team, agents, the chart, and
    the kept scan an R-KPI month is made of."""
    s = panel.settings
    db = panel.db()
    try:
        return (metrics.team_and_agents(db, s, start, end), metrics.series(db, s, start, end),
                rollups.encode(kpi._scan_month(db, s, start, end)))
    finally:
        db.close()


def test_an_empty_part_is_what_computing_it_gives(panel: Panel) -> None:
    s = panel.settings
    a = period("day", s)[0] - timedelta(days=500)
    db = panel.db()
    try:
        for compute, empty in ((team.calls_of, team.Calls), (metrics.queries.scan, kpi._no_calls),
                               (team.repeats_of, team._no_repeats)):
            assert rollups.encode(compute(db, s, a, a + timedelta(days=1))) == rollups.encode(empty())
    finally:
        db.close()


def test_a_far_past_range_reads_only_its_days_with_calls(panel: Panel, reads: _CallReads,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    s = panel.settings
    today = period("day", s)[0]
    start, end = today - timedelta(days=800), today - timedelta(days=434)  # 366 local days, long past
    busy = today - timedelta(days=600)
    db = panel.db()
    make_call(db, at=busy + timedelta(hours=3), agent="8001", number="111", wait=5, talk=60)
    make_call(db, at=busy + timedelta(hours=5), disposition="abandoned", number="111", wait=40)
    make_call(db, at=start - timedelta(hours=2), agent="8002", number="222", wait=30, talk=20)  # just before it
    db.close()

    _restart()
    reads.n = 0
    one_day = _range(panel, busy, busy + timedelta(days=1))
    alone = reads.n
    _restart()
    reads.n = 0
    year = _range(panel, start, end)
    assert reads.n == alone, "the 365 days no call started in were not computed"
    assert year[0] == one_day[0] and year[2] == one_day[2]
    assert sum(year[1]["offered"]) == 2 and len(year[1]["labels"]) == 366
    with monkeypatch.context() as m:  # the same figures from the rows in one reading
        m.setattr(cache, "parts", lambda _s, a, b: [(a, b, False)])
        _restart()
        assert _range(panel, start, end) == year
    _restart()
