"""The agents' time in states over a period (issue 13 §1) and their occupancy, from the desk's
stored presence (``hotline.desk.durations``): logged-in, available (示闲), busy (示忙), break (小休)
in all and by reason, talking, after-call work (话后整理) — each state's seconds that fall inside
the period, so a state running over midnight or a period's edge counts only its part inside.

Occupancy (占用率, the industry's definition, e.g. COPC): the share of the time an agent was
staffed for calls that went on handling them — (talk + after-call work) ÷ (logged-in − break −
busy), i.e. ÷ (available + ringing + talk + after-call work). Busy (示忙) is an auxiliary state
like a break: not waiting for calls, so not in the denominator. The service standards set no rule
of their own for it. The team's figure adds the seconds of every agent up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.desk.durations import AgentDurations, state_seconds
from hotline.metrics.values import Ratio
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence

P = AgentPresence


@dataclass
class AgentTime:
    """Seconds of one agent (or the team) in each state within a period."""

    logged_in_s: float = 0.0
    available_s: float = 0.0
    busy_s: float = 0.0
    break_s: float = 0.0
    ringing_s: float = 0.0
    talk_s: float = 0.0
    wrapup_s: float = 0.0
    break_by_reason: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, d: AgentDurations) -> AgentTime:
        return cls(d.logged_in_s, d.available_s, d.of(P.BUSY), d.break_s, d.of(P.RINGING), d.of(P.TALKING),
                   d.wrapup_s, dict(d.break_by_reason))

    @property
    def staffed_s(self) -> float:
        """Logged in and not in an auxiliary state (break, busy): there for calls."""
        return self.logged_in_s - self.break_s - self.busy_s

    @property
    def occupancy(self) -> Ratio:
        """(talk + after-call work) ÷ staffed seconds, whole seconds."""
        return Ratio(round(self.talk_s + self.wrapup_s), round(self.staffed_s))

    def add(self, other: AgentTime) -> AgentTime:
        for name in ("logged_in_s", "available_s", "busy_s", "break_s", "ringing_s", "talk_s", "wrapup_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, secs in other.break_by_reason.items():
            self.break_by_reason[reason] = self.break_by_reason.get(reason, 0.0) + secs
        return self


def agent_time(db: Session, s: Settings, start: datetime, end: datetime, agents: list[str] | None = None,
               now: datetime | None = None) -> tuple[AgentTime, dict[str, AgentTime]]:
    """The team's time in states and each agent's over [start, end) (a state still current counts
    up to ``now``). Every agent of ``agents`` (default ``settings.agents``) has a row, zero if
    they never logged in; an agent with presence rows but not in the settings has one too."""
    per = {a: AgentTime() for a in (agents if agents is not None else s.agents)}
    for agent, d in state_seconds(db, s, start, end, agents, now=now).items():
        per[agent] = AgentTime.of(d)
    team = AgentTime()
    for t in per.values():
        team.add(t)
    return team, dict(sorted(per.items()))
