"""The supervisor page at 10 M calls a year (#17): a page checks its kept parts against one look
at the calls of each span (``stamps.one_reading``: the team figures' look, which reaches back over
the repeat window, also gives the chart's and the R-KPI month's stamp), the R-KPI table's team row
comes from the same month reading as the agents' rows, and a panel warms the page up at its start
(``web/team/warm.py``) so that its first view reads nothing of the kept days. None of it changes a
figure: what a page shows is what the rows give."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from hotline import metrics
from hotline.metrics import cache, stamps
from hotline.metrics.kpi import kpis, team_kpis
from hotline.metrics.periods import kpi_month, period, running_hour
from hotline.models import Call
from hotline.timeutil import utcnow
from tests.hotline.metrics.test_hour_rollups import HOUR, _all_live, _calls, _figures, p  # noqa: F401  (p: a fixture)
from tests.hotline.metrics.test_rollups import _Computed, _restart, _step
from tests.web.conftest import Panel
from tests.web.factory import make_call
from web.team.warm import warm


class _Looks:
    """The stamp looks (count and newest built_at of a span's calls) the database answers."""

    def __init__(self, panel: Panel) -> None:
        self.engine = panel.app.extensions["hotline"]["engine"]
        self.n = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        # a look reads the per-hour stamps (call_hours), or the calls' index off whole hours
        self.n += "max(call_hours.newest)" in statement or "max(calls.built_at)" in statement

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def looks(p: Panel) -> Iterator[_Looks]:  # noqa: F811
    spy = _Looks(p)
    yield spy
    spy.close()


def _month_page(p: Panel) -> tuple[Any, ...]:  # noqa: F811
    s = p.settings
    start, end = period("month", s)
    year, month = kpi_month(s, start, end)
    db = p.db()
    try:
        return (metrics.team_and_agents(db, s, start, end), team_kpis(db, s, year, month),
                kpis(db, s, year, month), metrics.series(db, s, start, end))
    finally:
        db.close()


def test_one_reading_looks_at_a_span_once_and_gives_the_same_figures(p: Panel, looks: _Looks) -> None:  # noqa: F811
    _calls(p)
    _step(p)
    _restart()
    apart = _month_page(p)  # every kept part checked by its own look
    _restart()
    looks.n = 0
    with metrics.one_reading():
        together = _month_page(p)
    assert together == apart
    # the month's look for the team figures (with the repeat window) serves the R-KPI month and the
    # chart; the two closed months of the retraining rule are looked at once each
    months = max(1, p.settings.kpi_retraining_months)
    assert looks.n <= months, looks.n
    looks.n = 0
    with metrics.one_reading():
        _month_page(p)
    assert looks.n == 1, "warm: one look at the month (the R-KPI months are kept for a while)"


def test_the_look_with_a_repeat_window_gives_the_stamp_without_it(p: Panel) -> None:  # noqa: F811
    _calls(p)
    s = p.settings
    start, cut = period("month", s)[0], running_hour(s)
    back = timedelta(hours=s.repeat_window_h)
    db = p.db()
    try:
        alone = {b: stamps.span_stamp(db, start, cut, b) for b in (timedelta(0), back)}
        with stamps.one_reading():
            assert stamps.span_stamp(db, start, cut, back) == alone[back]
            assert stamps.span_stamp(db, start, cut) == alone[timedelta(0)]
    finally:
        db.close()


def test_a_change_after_a_reading_is_seen_by_the_next_one(p: Panel) -> None:  # noqa: F811
    today = _calls(p)
    _step(p)
    _restart()
    with metrics.one_reading():
        before = _figures(p)
    # a closed hour's call rebuilt: another agent took it (its built_at moves on)
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == "444")).one()
    row.agent, row.final_agent = "8001", "8001"
    row.built_at = row.built_at + timedelta(seconds=1)
    db.commit()
    make_call(db, at=today + HOUR, agent="8002", number="888", wait=4, talk=20)
    db.close()
    cache.KPI.drop()  # the R-KPI months are kept KPI_CACHE_S on purpose; the page's own figures are not
    with metrics.one_reading():
        after = _figures(p)
    assert after["day"][0][1]["8001"].answered == before["day"][0][1]["8001"].answered + 1
    assert after["day"][0][0].answered == before["day"][0][0].answered + 1


def test_a_panel_warmed_up_at_start_computes_and_reads_nothing_at_its_first_view(
        p: Panel, looks: _Looks, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _calls(p)
    _step(p)
    _restart()  # a panel process started after the step
    assert warm(p.app, p.settings) >= 0
    spy = _Computed(monkeypatch)
    read: list[Any] = []
    real = cache.rollups.read

    def spy_read(*a: Any) -> Any:
        read.append(a[1])
        return real(*a)

    monkeypatch.setattr(cache.rollups, "read", spy_read)
    c = p.client("boss")
    for kind in ("day", "week", "month"):
        assert c.get(f"/supervisor?period={kind}").status_code == 200
    hour = running_hour(p.settings)
    assert {a for _what, a in spy.days} <= {hour - HOUR}, "nothing computed but an hour closed meanwhile"
    assert not read or spy.days, "the kept parts were read from their rollups by the warm-up, not by a page"


def _step_elsewhere(p: Panel) -> None:  # noqa: F811
    """The scheduler's step as another process runs it: what it computes stays out of this
    panel's memory."""
    held = {k: cache.KEPT.get(k) for k in cache.KEPT.keys()}
    _step(p)
    cache.KEPT.drop()
    for k, hit in held.items():
        if hit is not None:
            cache.KEPT.put(k, *hit)


def test_a_running_panel_takes_the_rollup_the_step_rewrote_instead_of_computing_it(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _calls(p)
    _step(p)
    _restart()
    _figures(p)  # a panel running: every kept part in its memory
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == "444")).one()
    row.agent, row.final_agent, row.built_at = "8001", "8001", utcnow()  # as the listener writes it
    db.commit()
    db.close()
    assert _step(p) > 0  # the scheduler rewrites the changed hour's rollups
    live = _all_live(p, monkeypatch)
    _restart()
    _figures(p)
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == "444")).one()
    row.agent, row.final_agent, row.built_at = "8002", "8002", utcnow()
    db.commit()
    db.close()
    _step_elsewhere(p)
    cache.KPI.drop()  # the R-KPI months are kept KPI_CACHE_S on purpose
    spy = _Computed(monkeypatch)
    got = _figures(p)
    assert {a for _what, a in spy.days} <= {running_hour(p.settings) - HOUR}, "read from the new rollups"
    assert got["day"][0][1]["8002"].answered == live["day"][0][1]["8002"].answered + 1
