"""监控告警 (hotline/live_alerts.py): each alert on and off at its edges, 0 turns it off, the SL alert
only once enough calls were offered, and the clock that says when the next one is due."""

from __future__ import annotations

import pytest

from hotline.live_alerts import (
    AgentOnFloor,
    AlertKind,
    Floor,
    QueueOnFloor,
    Severity,
    alerts,
    break_limit_s,
    longest_wait_threshold_s,
    sl_below_target,
)
from hotline.metrics.values import Ratio
from hotline.rules import ring_rule
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence, AgentState

NOW = 1_800_000_000.0
IDLE = AgentOnFloor("pbx1", "8009", AgentState.IDLE)  # someone 示闲: no "no agent" alert


def _s(**changes: object) -> Settings:
    return Settings().replace(**changes)


def _queue(*waits: float, name: str = "hotline") -> QueueOnFloor:
    return QueueOnFloor(name, tuple(NOW - w for w in waits))


def _kinds(floor: Floor, s: Settings, sl: Ratio | None = None) -> dict[str, Severity]:
    return {a.key: a.severity for a in alerts(floor, sl, NOW, s).items}


def test_callers_waiting_from_the_threshold_critical_from_twice() -> None:
    s = _s(alert_waiting_callers=3, alert_longest_wait_s=0)
    assert _kinds(Floor((_queue(1, 2),), (IDLE,)), s) == {}
    assert _kinds(Floor((_queue(1, 2, 3),), (IDLE,)), s) == {"waiting:hotline": Severity.WARNING}
    assert _kinds(Floor((_queue(*range(1, 7)),), (IDLE,)), s) == {"waiting:hotline": Severity.CRITICAL}
    # per queue: two queues of 2 raise nothing
    assert _kinds(Floor((_queue(1, 2), _queue(1, 2, name="vip")), (IDLE,)), s) == {}
    assert _kinds(Floor((_queue(*range(1, 7)),), (IDLE,)), _s(alert_waiting_callers=0, alert_longest_wait_s=0)) == {}
    a = alerts(Floor((_queue(5, 9, 2),), (IDLE,)), None, NOW, s).items[0]
    # since: when the third caller joined (the two before it still wait)
    assert a.since == NOW - 2 and a.params == {"n": 3, "limit": 3, "queue": "hotline"} and a.queue == "hotline"


def test_longest_wait_follows_the_ring_rule_unless_set() -> None:
    assert longest_wait_threshold_s(_s()) == ring_rule(_s()).threshold_s == 20.0  # R-ANS-LATE-APOLOGY
    assert longest_wait_threshold_s(_s(max_rings=6)) == 30.0
    assert longest_wait_threshold_s(_s(alert_longest_wait_s=45)) == 45.0
    assert longest_wait_threshold_s(_s(alert_longest_wait_s=0)) is None
    s = _s(alert_longest_wait_s=30, alert_waiting_callers=0)
    assert _kinds(Floor((_queue(29.9),), (IDLE,)), s) == {}
    assert _kinds(Floor((_queue(30),), (IDLE,)), s) == {"longest_wait:hotline": Severity.WARNING}
    assert _kinds(Floor((_queue(60),), (IDLE,)), s) == {"longest_wait:hotline": Severity.CRITICAL}
    assert _kinds(Floor((_queue(600),), (IDLE,)), _s(alert_longest_wait_s=0, alert_waiting_callers=0)) == {}
    # the floor unchanged, the wait still runs: the next alert is due when it reaches 30 s
    assert alerts(Floor((_queue(10),), (IDLE,)), None, NOW, s).next_at == NOW + 20
    assert alerts(Floor((_queue(40),), (IDLE,)), None, NOW, s).next_at == NOW + 20  # turns critical at 60 s


def test_the_sl_alert_needs_enough_offered_calls() -> None:
    s = _s(alert_sl_target_pct=80, alert_sl_min_offered=20)
    assert not sl_below_target(Ratio(0, 1), s)  # the day's first call abandoned: not yet a figure
    assert not sl_below_target(Ratio(15, 19), s)
    assert sl_below_target(Ratio(15, 20), s)  # 75 % of 20
    assert not sl_below_target(Ratio(16, 20), s)  # 80 %: at the target is not under it
    assert not sl_below_target(Ratio(0, 0), s)
    assert not sl_below_target(Ratio(1, 100), _s(alert_sl_target_pct=0))
    assert sl_below_target(Ratio(0, 1), _s(alert_sl_min_offered=0))  # 0: from the first call
    a = alerts(Floor(), Ratio(15, 20), NOW, s).items
    assert [(x.kind, x.params) for x in a] == [(AlertKind.SERVICE_LEVEL,
                                                {"pct": 75.0, "target": 80, "num": 15, "den": 20})]


def test_the_sl_alert_says_since_when_sl_has_been_under_its_target() -> None:
    """Today's SL is a figure, not a clock: the first judgement that finds it under says now, the
    next ones carry that moment on while it stays under, and it starts again once SL recovered."""
    s = _s(alert_sl_target_pct=80, alert_sl_min_offered=20)

    def judged(sl: Ratio | None, at: float, before: float | None) -> tuple[float | None, float | None]:
        found = alerts(Floor(), sl, at, s, before)
        shown = [a.since for a in found.items if a.kind == AlertKind.SERVICE_LEVEL]
        return (shown[0] if shown else None), found.sl_under_since

    assert judged(Ratio(16, 20), NOW, None) == (None, None)  # at the target: not under
    assert judged(Ratio(15, 20), NOW, None) == (NOW, NOW)  # fell under
    assert judged(Ratio(15, 21), NOW + 60, NOW) == (NOW, NOW)  # still under: the same since
    assert judged(Ratio(17, 21), NOW + 90, NOW) == (None, None)  # 81 %: recovered, forgotten
    assert judged(Ratio(16, 20), NOW + 95, NOW) == (None, None)  # back at the target exactly: recovered too
    assert judged(Ratio(17, 22), NOW + 120, None) == (NOW + 120, NOW + 120)  # under again: a new since
    assert judged(Ratio(15, 19), NOW + 130, NOW) == (None, None)  # fewer offered than alert_sl_min_offered
    assert judged(None, NOW + 140, NOW) == (None, None)  # no figure
    assert alerts(Floor(), Ratio(15, 20), NOW, _s(alert_sl_target_pct=0), NOW).sl_under_since is None  # off


def test_no_agent_available_while_callers_wait() -> None:
    s = _s(alert_no_agent_s=10, alert_waiting_callers=0, alert_longest_wait_s=0)
    busy = (AgentOnFloor("pbx1", "8001", AgentState.TALKING), AgentOnFloor("pbx1", "8002", AgentState.PAUSED))
    assert _kinds(Floor((_queue(10),), busy), s) == {"no_agent": Severity.CRITICAL}
    assert _kinds(Floor((_queue(9),), busy), s) == {}
    assert alerts(Floor((_queue(9),), busy), None, NOW, s).next_at == NOW + 1
    assert _kinds(Floor((_queue(10),), (*busy, IDLE)), s) == {}
    assert _kinds(Floor((), busy), s) == {}  # nobody waits
    assert _kinds(Floor((_queue(10),), ()), s) == {"no_agent": Severity.CRITICAL}  # nobody logged in at all
    assert _kinds(Floor((_queue(600),), busy), _s(alert_no_agent_s=0, alert_waiting_callers=0,
                                                    alert_longest_wait_s=0)) == {}


@pytest.mark.parametrize(("setting", "agent", "key"), [
    ("alert_break_s", AgentOnFloor("pbx1", "8001", AgentState.PAUSED, presence=AgentPresence.BREAK, reason="用餐",
                                   presence_since=NOW - 600), "break:pbx1/8001"),
    ("alert_wrapup_over_s", AgentOnFloor("pbx1", "8001", AgentState.PAUSED, presence=AgentPresence.WRAP_UP,
                                         presence_since=NOW - 1000, wrapup_until=NOW - 600), "wrap_up:pbx1/8001"),
    ("desk_hold_warn_s", AgentOnFloor("pbx1", "8001", AgentState.TALKING, held_since=NOW - 600), "hold:pbx1/8001"),
])
def test_an_agent_past_a_limit(setting: str, agent: AgentOnFloor, key: str) -> None:
    """小休 too long, 话后整理 past its end (by the grace), 保持 past the desk's warning: at the limit
    exactly it is raised, a second before it is not, and 0 turns it off."""
    floor = Floor((), (agent, IDLE))
    assert _kinds(floor, _s(**{setting: 600})) == {key: Severity.WARNING}
    assert _kinds(floor, _s(**{setting: 601})) == {}
    assert alerts(floor, None, NOW, _s(**{setting: 601})).next_at == NOW + 1
    assert _kinds(floor, _s(**{setting: 0})) == {}
    a = alerts(floor, None, NOW, _s(**{setting: 600})).items[0]
    assert (a.agent, a.server) == ("8001", "pbx1")


def test_a_break_alert_says_the_reason_and_other_presences_raise_none() -> None:
    s = _s(alert_break_s=60)
    on_break = AgentOnFloor("pbx1", "8001", AgentState.PAUSED, presence=AgentPresence.BREAK,
                            reason="<img src=x onerror=alert(1)>", presence_since=NOW - 120)
    a = alerts(Floor((), (on_break,)), None, NOW, s).items[0]
    assert a.params == {"agent": "8001", "reason": "<img src=x onerror=alert(1)>", "limit": "1"}  # the page writes text
    assert alerts(Floor((), (on_break,)), None, NOW, _s(alert_break_s=90)).items[0].params["limit"] == "1.5"  # min
    busy = AgentOnFloor("pbx1", "8002", AgentState.PAUSED, presence=AgentPresence.BUSY, presence_since=NOW - 9999)
    assert _kinds(Floor((), (busy,)), s) == {}


def test_a_break_reason_has_its_own_limit_else_the_general_one() -> None:
    """alert_break_reason_s: a meal may last longer than a short break; the alert says the limit
    that applied, and a reason's 0 turns its alert off."""
    s = _s(alert_break_s=600, alert_break_reason_s={"用餐": 3600, "会议": 0})
    assert [break_limit_s(s, r) for r in ("用餐", "培训", "会议", None, "")] == [3600, 600, 0, 600, 600]
    assert break_limit_s(_s(alert_break_s=600), "用餐") == 600  # no override: the one limit for every reason

    def on_break(reason: str, for_s: float) -> Floor:
        return Floor((), (AgentOnFloor("pbx1", "8001", AgentState.PAUSED, presence=AgentPresence.BREAK,
                                       reason=reason, presence_since=NOW - for_s), IDLE))

    assert _kinds(on_break("用餐", 3599), s) == {}
    assert alerts(on_break("用餐", 3599), None, NOW, s).next_at == NOW + 1  # its own limit's clock
    meal = alerts(on_break("用餐", 3600), None, NOW, s).items
    assert [(a.key, a.params["limit"]) for a in meal] == [("break:pbx1/8001", "60")]
    training = alerts(on_break("培训", 600), None, NOW, s).items
    assert [(a.key, a.params["limit"]) for a in training] == [("break:pbx1/8001", "10")]
    assert _kinds(on_break("会议", 99999), s) == {}
    assert alerts(on_break("会议", 99999), None, NOW, s).next_at is None


def test_critical_first_then_the_oldest() -> None:
    s = _s(alert_waiting_callers=1, alert_longest_wait_s=100, alert_break_s=60, alert_no_agent_s=0)
    floor = Floor((_queue(5, 250),), (AgentOnFloor("pbx1", "8001", AgentState.PAUSED, presence=AgentPresence.BREAK,
                                                     presence_since=NOW - 500), IDLE))
    assert [a.key for a in alerts(floor, None, NOW, s).items] == [  # both since the first caller joined
        "longest_wait:hotline", "waiting:hotline", "break:pbx1/8001"]
    assert [a.severity for a in alerts(floor, None, NOW, s).items] == [Severity.CRITICAL] * 2 + [Severity.WARNING]
