"""hotline.metrics: every definition checked on a hand-counted day of calls
(tests/support/metrics_day.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline import metrics
from hotline.metrics import Ratio
from tests.support.metrics_day import hand_counted_day
from tests.web.conftest import Panel
from tests.web.factory import make_call


@pytest.fixture
def day(panel: Panel) -> dict[str, Any]:
    db = panel.db()
    try:
        return hand_counted_day(db, panel.settings)
    finally:
        db.close()


def test_team_figures_follow_the_definitions(panel: Panel, day: dict[str, Any]) -> None:
    s = panel.settings
    start, end = metrics.period("day", s)
    f = metrics.figures(panel.db(), s, start, end)
    assert f.offered == 7  # 4 answered + 2 abandoned + 1 timeout; IVR-only and outbound apart
    assert f.ivr_only == 1
    assert f.answered == 4
    assert (f.abandoned, f.short_abandoned, f.timeouts) == (1, 1, 1)
    assert f.sl == Ratio(2, 6)  # wait ≤ 20 s: A1, A3 ÷ (4 answered + 1 long abandon + 1 timeout)
    assert f.sl_answered == Ratio(2, 4)
    assert f.abandon_rate == Ratio(1, 7)
    assert f.asa == pytest.approx((5 + 25 + 15 + 30) / 4)
    assert f.aht == pytest.approx((60 + 120 + 30 + 45) / 4)  # after-call work is 0
    assert f.hangup_first == 1  # R-ANS-HANGUP-LAST
    assert f.satisfaction == Ratio(1, 2)  # R-SURVEY
    assert f.compliance == Ratio(3, 4)  # A2 late and hung up first; A5 late but apologised
    assert f.four_ring_rate == Ratio(2, 4)
    assert f.four_ring_violations == 3  # A2 and A5 late + 8001's ring-out on A3
    assert f.repeat_rate == Ratio(2, 8)  # R-ONE-CALL: A3 (after abandon B1), A5 (after ticket A2)
    assert f.qa_avg == pytest.approx(80.0) and f.qa_count == 2  # corrected 80 → 90, and 70
    # no callback task or complaint today: 0/0 is "no data" (value None), never 0 %
    for ratio in (f.callback_closure, f.revisit_done, f.complaint_clocks, f.case_on_time, f.case_complaint_resolution):
        assert ratio == Ratio(0, 0) and ratio.value is None
    assert f.fault_sla == Ratio(0, 0) and f.fault_sla.value is None


def test_agent_figures_and_four_ring_rule(panel: Panel, day: dict[str, Any]) -> None:
    s = panel.settings
    start, end = metrics.period("day", s)
    per = metrics.agent_figures(panel.db(), s, start, end)
    a, b = per["8001"], per["8002"]
    assert (a.answered, b.answered) == (2, 2)
    assert a.four_ring_rate == Ratio(1, 2) and a.no_answer_attempts == 1
    assert a.four_ring_violations == 2  # R-ANS-4RINGS: late answer + ring-out
    assert b.four_ring_rate == Ratio(1, 2) and b.four_ring_violations == 1
    assert a.hangup_first == 1 and b.hangup_first == 0
    assert (a.qa_avg, b.qa_avg) == (90.0, 70.0)
    assert per["8003"].answered == 0 and per["8003"].asa is None
    # figures(agent=…) is the same computation
    assert metrics.figures(panel.db(), s, start, end, agent="8001") == a


def test_kpis_colour_and_retraining(panel: Panel, day: dict[str, Any]) -> None:
    s = panel.settings
    now = datetime.now(UTC)
    db = panel.db()
    # 8001 broke the standard in each of the two previous months as well (R-KPI: 3 in a row)
    y, mo = now.astimezone(ZoneInfo(s.timezone)).year, now.astimezone(ZoneInfo(s.timezone)).month
    for back in (1, 2):
        py, pm = metrics.months_back(y, mo, back + 1)[back]
        a, _ = metrics.month_range(py, pm, s.timezone)
        make_call(db, at=a + timedelta(days=3), agent="8001", wait=30, hangup_first="agent")
    k = metrics.kpis(db, s, y, mo)
    assert k["8001"]["cells"]["compliance"].value == Ratio(1, 2)
    assert k["8001"]["cells"]["compliance"].below
    assert k["8001"]["cells"]["satisfaction"].below  # 1 of 2 satisfied < 95 %
    assert k["8001"]["retraining"] == ["compliance"]  # satisfaction had no data in earlier months
    assert k["8002"]["cells"]["satisfaction"].value == Ratio(0, 0)
    assert not k["8002"]["cells"]["satisfaction"].below and not k["8002"]["cells"]["compliance"].below
    assert k["8002"]["cells"]["complaint_resolution"].value == Ratio(0, 0)  # owns no case: no data
    assert k["8002"]["retraining"] == []


def test_series_buckets_add_up(panel: Panel, day: dict[str, Any]) -> None:
    s = panel.settings
    start, end = metrics.period("day", s)
    ser = metrics.series(panel.db(), s, start, end)
    assert ser["unit"] == "hour"
    assert sum(ser["offered"]) == 7 and sum(ser["answered"]) == 4 and sum(ser["ivr_only"]) == 1


@pytest.mark.parametrize("cycle_s,within", [(5.0, 3), (1.0, 1)])  # China cadence, the tests' PBX cadence
def test_four_ring_rate_asks_the_ring_rule_at_each_cadence(panel: Panel, cycle_s: float, within: int) -> None:
    """R-ANS-4RINGS: an answered attempt whose call has no within_4_rings verdict is judged by
    RingRule (max_rings × ring_cycle_s: 20 s in China, 4 s at the tests' 1 s cycle); a metric that
    hard-coded either cadence fails one of the two."""
    s = panel.settings.replace(ring_cycle_s=cycle_s)
    db = panel.db()
    at = metrics.period("day", s)[0] + timedelta(minutes=1)
    for i, ring in enumerate((3.0, 10.0, 20.0, 21.0)):  # 1, 2, 4 and 5 rings in China
        c = make_call(db, at=at + timedelta(minutes=i), agent="8001", wait=ring, number=f"13{i}")
        c.within_4_rings = None  # no verdict stored: the rule decides
    db.commit()
    f = metrics.agent_figures(db, s, *metrics.period("day", s), agents=["8001"])["8001"]
    assert f.four_ring_rate == Ratio(within, 4)
    assert f.four_ring_violations == 4 - within
    db.close()


def test_an_agents_service_level_has_its_own_key(panel: Panel, day: dict[str, Any]) -> None:
    """The team's sl is ÷ offered; an agent is offered no calls, so an agent has only sl_answered."""
    s = panel.settings
    start, end = metrics.period("day", s)
    team, per = metrics.team_and_agents(panel.db(), s, start, end)
    assert team.sl == Ratio(2, 6) and team.sl_answered == Ratio(2, 4)
    assert per["8001"].sl is None and per["8001"].sl_answered == Ratio(1, 2)  # A1 in 20 s, A2 not
    assert per["8002"].sl is None and per["8002"].sl_answered == Ratio(1, 2)  # A3 in, A5 not
    assert metrics.figures(panel.db(), s, start, end, agent="8003").sl is None
