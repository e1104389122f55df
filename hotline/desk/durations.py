"""The raw seconds the metrics need from the desk (issue 13 §1): per agent and presence state over
a period — so AHT = talk + after-call work and occupancy (talking + after-call work over
logged-in time) can be computed in the metrics package. Only raw
sums here: the metrics own the formulas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from hotline.models.desk import PresenceChange
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence

P = AgentPresence
BATCH = 1000  # presence rows held at once by a reading


@dataclass
class AgentDurations:
    """Seconds of one agent in each state within the period."""

    agent: str
    seconds: dict[AgentPresence, float] = field(default_factory=dict)
    break_by_reason: dict[str, float] = field(default_factory=dict)

    def of(self, state: AgentPresence) -> float:
        return self.seconds.get(state, 0.0)

    @property
    def logged_in_s(self) -> float:
        """Every state but logged out."""
        return sum(v for k, v in self.seconds.items() if k != P.LOGGED_OUT)

    @property
    def available_s(self) -> float:
        return self.of(P.AVAILABLE)

    @property
    def break_s(self) -> float:
        return self.of(P.BREAK)

    @property
    def wrapup_s(self) -> float:
        return self.of(P.WRAP_UP)


def _rows(db: Session, s: Settings, since: datetime, until: datetime,
          agents: list[str] | None) -> Iterator[Row[Any]]:
    """The presence rows overlapping [since, until), as plain columns (not ORM objects) and
    streamed, :data:`BATCH` at a time (#17: the running hour is read on every view of today's
    figures and by the panel's warm-up every minute — ~30 000 rows at the bench's busiest, 20 MB of
    small objects at once when read whole, which pymalloc's arenas then kept)."""
    p = PresenceChange
    q = select(p.agent, p.state, p.reason, p.started_at, p.ended_at).where(
        PresenceChange.server == s.server_id, PresenceChange.started_at < until,
        or_(PresenceChange.ended_at.is_(None), PresenceChange.ended_at > since))
    if agents is not None:
        q = q.where(PresenceChange.agent.in_(agents))
    with db.execute(q.execution_options(yield_per=BATCH)) as result:
        yield from result


def _overlap(row: Row[Any], since: datetime, until: datetime, now: datetime) -> float:
    end = row.ended_at or min(now, until)
    return max(0.0, (min(end, until) - max(row.started_at, since)).total_seconds())


def state_seconds(db: Session, s: Settings, since: datetime, until: datetime, agents: list[str] | None = None,
                  now: datetime | None = None) -> dict[str, AgentDurations]:
    """Per agent, the seconds spent in each state within [since, until); a state still current
    counts up to ``now`` (default: the present moment)."""
    now = now or datetime.now(UTC)
    out: dict[str, AgentDurations] = {}
    for row in _rows(db, s, since, until, agents):
        secs = _overlap(row, since, until, now)
        d = out.setdefault(row.agent, AgentDurations(row.agent))
        state = P(row.state)
        d.seconds[state] = d.seconds.get(state, 0.0) + secs
        if state == P.BREAK:
            reason = row.reason or ""
            d.break_by_reason[reason] = d.break_by_reason.get(reason, 0.0) + secs
    return out
