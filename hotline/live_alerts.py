"""监控告警: the thresholds that turn a live figure of the floor into an alert the supervisor sees
(and hears) on the wallboard at once — callers piling up, a caller waiting too long, today's
service level under its target, an agent on a break, in 话后整理 or holding a caller too long, and
callers waiting with nobody 示闲 to take them.

Pure functions over the floor (the live snapshot merged over the servers, each agent with its desk
presence), today's SL (``hotline.metrics.service_level``, the one formula), ``now`` and the
settings; they run no process and read nothing — the one thing a judgement needs from the one
before, since when today's SL has been under its target, is handed in and back
(``Alerts.sl_under_since``; the wallboard stores it for every panel process,
``hotline.sl_alert_since``). Each threshold has one home here, and a setting of 0 turns its alert
off. An alert's ``key`` is stable while its condition lasts (the wallboard remembers which ones
the supervisor acknowledged by it); its text is a template the panel translates, filled from
``params``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hotline.errors import N_
from hotline.metrics.values import Ratio
from hotline.rules import ring_rule
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence, AgentState


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class AlertKind(StrEnum):
    WAITING = "waiting"  # callers waiting in a queue ≥ alert_waiting_callers
    LONGEST_WAIT = "longest_wait"  # a queue's longest wait ≥ longest_wait_threshold_s
    SERVICE_LEVEL = "service_level"  # today's SL under alert_sl_target_pct
    NO_AGENT = "no_agent"  # callers waiting, no agent 示闲
    BREAK = "break"  # 小休 longer than its reason's limit (break_limit_s)
    WRAP_UP = "wrap_up"  # 话后整理 past its end by alert_wrapup_over_s
    HOLD = "hold"  # 保持 longer than desk_hold_warn_s


# the English templates the panel translates (web/templates/wallboard/board.html gives each kind's);
# the wallboard writes the running clocks ({for}) itself
TEXTS: dict[AlertKind, str] = {
    AlertKind.WAITING: N_("%(n)s callers waiting in %(queue)s (alert from %(limit)s)"),
    AlertKind.LONGEST_WAIT: N_("A caller in %(queue)s has waited %(for)s (alert from %(limit)s s)"),
    AlertKind.SERVICE_LEVEL: N_("Today's service level %(pct)s%% is under its target %(target)s%% (%(num)s/%(den)s) "
                                "for %(for)s"),
    AlertKind.NO_AGENT: N_("%(n)s callers waiting (the longest %(for)s) and no agent available"),
    AlertKind.BREAK: N_("%(agent)s on a break (%(reason)s) for %(for)s (limit %(limit)s min)"),
    AlertKind.WRAP_UP: N_("%(agent)s still in after-call work %(for)s after its end"),
    AlertKind.HOLD: N_("%(agent)s has held a caller for %(for)s (limit %(limit)s s)"),
}


@dataclass(frozen=True)
class QueueOnFloor:
    """One queue's callers, merged over the servers."""

    name: str
    waiting: tuple[float | None, ...]  # each caller's queue-join time (epoch seconds), None: unknown


@dataclass(frozen=True)
class AgentOnFloor:
    """One agent as the wallboard sees it: the queue's state and the desk's presence."""

    server: str
    agent: str
    state: AgentState
    held_since: float | None = None  # 保持 since (epoch seconds)
    presence: AgentPresence | None = None  # the open desk_presence row, if any
    reason: str | None = None  # the break's reason
    presence_since: float | None = None
    wrapup_until: float | None = None


@dataclass(frozen=True)
class Floor:
    queues: tuple[QueueOnFloor, ...] = ()
    agents: tuple[AgentOnFloor, ...] = ()

    @property
    def waiting(self) -> int:
        return sum(len(q.waiting) for q in self.queues)

    @property
    def oldest_since(self) -> float | None:
        known = [t for q in self.queues for t in q.waiting if t is not None]
        return min(known) if known else None


@dataclass(frozen=True)
class Alert:
    key: str  # stable while the condition lasts: kind, then the queue or server/agent it concerns
    kind: AlertKind
    severity: Severity
    since: float | None  # when the condition began (epoch seconds); None: not known
    params: dict[str, Any] = field(default_factory=dict)
    agent: str | None = None
    server: str | None = None
    queue: str | None = None

    @property
    def template(self) -> str:
        return TEXTS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind.value, "severity": self.severity.value, "since": self.since,
                "params": self.params, "agent": self.agent, "server": self.server, "queue": self.queue}


@dataclass(frozen=True)
class Alerts:
    items: tuple[Alert, ...]
    # the next time an alert appears or turns critical by the clock alone (no change of the floor):
    # a caller's wait, an agent's break reaching its limit. None: no clock is running towards one
    next_at: float | None
    # since when today's SL has been under its target (the SL alert's ``since``), for the next
    # judgement to carry on; None: it is not under
    sl_under_since: float | None = None


def longest_wait_threshold_s(s: Settings) -> float | None:
    """The longest wait that raises an alert: ``alert_longest_wait_s``; a negative value follows the
    late-answer rule (R-ANS-LATE-APOLOGY: a caller waiting past it hears the apology), 0 is off."""
    if s.alert_longest_wait_s < 0:
        return ring_rule(s).threshold_s
    return s.alert_longest_wait_s or None


def sl_below_target(sl: Ratio, s: Settings) -> bool:
    """Today's SL is under ``alert_sl_target_pct`` — only once ``alert_sl_min_offered`` calls were
    offered (its denominator), so the day's first abandoned call does not read as 0 %."""
    pct = sl.pct
    if not s.alert_sl_target_pct or pct is None or sl.den < max(1, s.alert_sl_min_offered):
        return False
    return pct < s.alert_sl_target_pct


def break_limit_s(s: Settings, reason: str | None) -> int:
    """How long a 小休 for ``reason`` may last before the supervisor is alerted: the reason's own
    limit in ``alert_break_reason_s`` (a meal is longer than a short break), else ``alert_break_s``;
    0: no alert."""
    return s.alert_break_reason_s.get(reason or "", s.alert_break_s)


def alerts(floor: Floor, sl: Ratio | None, now: float, s: Settings, sl_under_since: float | None = None) -> Alerts:
    """Every alert raised now, critical first, then by the oldest condition. ``sl_under_since``: the
    previous judgement's :attr:`Alerts.sl_under_since`, in any panel process (``hotline.sl_alert_since``
    stores it) — today's SL is a figure, not a clock, so the moment it fell under its target is only
    known to whoever judged it before (the first judgement that finds it under says now)."""
    found: list[Alert] = []
    clocks: list[float] = []  # when a clock running now crosses a threshold
    for q in floor.queues:
        found += _queue_alerts(q, now, s, clocks)
    found += _no_agent(floor, now, s, clocks)
    since = None
    if sl is not None and sl_below_target(sl, s):
        since = now if sl_under_since is None else sl_under_since
        found.append(Alert("service_level", AlertKind.SERVICE_LEVEL, Severity.WARNING, since,
                           {"pct": sl.pct, "target": s.alert_sl_target_pct, "num": sl.num, "den": sl.den}))
    for a in floor.agents:
        found += _agent_alerts(a, now, s, clocks)
    found.sort(key=lambda x: (x.severity != Severity.CRITICAL, x.since if x.since is not None else now, x.key))
    later = [t for t in clocks if t > now]
    return Alerts(tuple(found), min(later) if later else None, since)


def _passed(start: float | None, limit: float, now: float, clocks: list[float]) -> bool:
    """Whether the clock started at ``start`` reached ``limit`` seconds; if not, when it will."""
    if start is None or limit <= 0:
        return False
    if now - start >= limit:
        return True
    clocks.append(start + limit)
    return False


def _queue_alerts(q: QueueOnFloor, now: float, s: Settings, clocks: list[float]) -> list[Alert]:
    """Callers piling up (critical from twice the count) and the longest wait (critical from twice
    the threshold). The count's ``since``: when its n-th caller joined (the ones before still wait)."""
    out: list[Alert] = []
    n, limit = len(q.waiting), s.alert_waiting_callers
    if limit > 0 and n >= limit:
        joined = sorted(t for t in q.waiting if t is not None)
        since = joined[limit - 1] if len(joined) >= limit else None
        out.append(Alert(f"waiting:{q.name}", AlertKind.WAITING,
                         Severity.CRITICAL if n >= 2 * limit else Severity.WARNING, since,
                         {"n": n, "limit": limit, "queue": q.name}, queue=q.name))
    wait_limit = longest_wait_threshold_s(s)
    known = [t for t in q.waiting if t is not None]
    oldest = min(known) if known else None
    if wait_limit is not None and _passed(oldest, wait_limit, now, clocks):
        critical = _passed(oldest, 2 * wait_limit, now, clocks)
        out.append(Alert(f"longest_wait:{q.name}", AlertKind.LONGEST_WAIT,
                         Severity.CRITICAL if critical else Severity.WARNING, oldest,
                         {"limit": round(wait_limit), "queue": q.name}, queue=q.name))
    return out


def _no_agent(floor: Floor, now: float, s: Settings, clocks: list[float]) -> list[Alert]:
    """Callers waiting ``alert_no_agent_s`` (the oldest) while no agent is 示闲 (idle in the queue):
    nobody is there to take them — call agents back from their breaks."""
    if not floor.waiting or any(a.state == AgentState.IDLE for a in floor.agents):
        return []
    oldest = floor.oldest_since
    if not _passed(oldest, s.alert_no_agent_s, now, clocks):
        return []
    return [Alert("no_agent", AlertKind.NO_AGENT, Severity.CRITICAL, oldest, {"n": floor.waiting})]


def _agent_alerts(a: AgentOnFloor, now: float, s: Settings, clocks: list[float]) -> list[Alert]:
    """小休 past its reason's limit (:func:`break_limit_s`), 话后整理 ``alert_wrapup_over_s`` past its
    end (the scheduler ends it on time: one still running is stuck or forgotten), 保持 past
    ``desk_hold_warn_s`` (the desk already warns the agent at that point; the supervisor now sees
    it too)."""
    out: list[Alert] = []
    who = f"{a.server}/{a.agent}"
    limit = break_limit_s(s, a.reason)
    if a.presence == AgentPresence.BREAK and _passed(a.presence_since, limit, now, clocks):
        out.append(Alert(f"break:{who}", AlertKind.BREAK, Severity.WARNING, a.presence_since,
                         {"agent": a.agent, "reason": a.reason or "", "limit": f"{limit / 60:g}"},
                         agent=a.agent, server=a.server))
    if a.presence == AgentPresence.WRAP_UP and _passed(a.wrapup_until, s.alert_wrapup_over_s, now, clocks):
        out.append(Alert(f"wrap_up:{who}", AlertKind.WRAP_UP, Severity.WARNING, a.wrapup_until,
                         {"agent": a.agent}, agent=a.agent, server=a.server))
    if a.held_since is not None and _passed(a.held_since, s.desk_hold_warn_s, now, clocks):
        out.append(Alert(f"hold:{who}", AlertKind.HOLD, Severity.WARNING, a.held_since,
                         {"agent": a.agent, "limit": s.desk_hold_warn_s}, agent=a.agent, server=a.server))
    return out
