"""The PBX's own record of the agents' log-ins and pauses, one local day at a time: the
supervisor's 坐席签入签出明细 / 状态明细.

The desk's presence (hotline.desk, hotline.metrics.agent_time) covers the agents who work in the
desk. An agent logged in by a phone's feature code, another CTI, an operator's ``queue add member``
or Asterisk's agent pool leaves only what the listener writes from the PBX's events (ami_listener
store): ``agent_sessions`` (QueueMemberAdded → QueueMemberRemoved; AgentLogin → AgentLogoff, stored
under :data:`POOL_QUEUE` and named as the calls name the agent, :func:`pool_member_name`) and
``agent_pauses`` (QueueMemberPause with its reason). This module reads
them back for a day; the panel's page and its CSV show what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.metrics.periods import local_day_start
from hotline.models import AgentPause, AgentSession
from hotline.settings import Settings

# An app_agent_pool login (AgentLogin … AgentLogoff) belongs to no queue: the agent is reachable
# through whichever queue has the pool's member. Its sessions are stored with this queue name,
# which a queue event never carries (Asterisk's queues have names).
POOL_QUEUE = ""
# A pool agent's device state, ``Agent:<id>``: the StateInterface of the pool's queue members and
# the interface its sessions are stored with.
POOL_AGENT = "Agent:"


def pool_interface(agent_id: str) -> str:
    return POOL_AGENT + agent_id


def pool_agent_id(interface: str | None) -> str | None:
    """The pool agent id an interface names (``Agent:1001`` → ``1001``), else None."""
    if interface and interface.startswith(POOL_AGENT) and len(interface) > len(POOL_AGENT):
        return interface[len(POOL_AGENT):]
    return None


def pool_member_name(agent_id: str, member_name: str | None, interface: str | None) -> str | None:
    """The name a pool agent's queue member gives it, which the call records name the agent by
    (ami_listener.inbound: MemberName): its pool sessions are stored under it too, so a supervisor
    sees one name for one person. None for a member with no name of its own (Asterisk then reports
    the interface as its MemberName) or one that is only the id."""
    if not member_name or member_name == interface or member_name == agent_id:
        return None
    return member_name
# Rows one day's reading takes at most, per table: a day of a large centre is a few thousand; past
# this the page says the list is cut rather than reading a table without end.
MAX_ROWS = 5000


@dataclass(frozen=True)
class Span:
    """One session (log-in → log-out) or pause (paused → unpaused) as the PBX recorded it: ``start``
    and ``end`` as recorded (``end`` None: still open), ``seconds`` only the part within the day
    (up to now for an open one) — a session over midnight counts on each day for its part."""

    agent: str
    queue: str
    start: datetime
    end: datetime | None
    seconds: float
    reason: str | None = None
    interface: str | None = None  # a session's: the member's interface, ``Agent:<id>`` for the pool

    @property
    def in_pool(self) -> bool:
        return self.queue == POOL_QUEUE

    @property
    def pool_id(self) -> str | None:
        """A pool session's agent id when the agent is named otherwise (its queue member's name),
        shown beside the name: the id is what the agent keys at AgentLogin."""
        got = pool_agent_id(self.interface) if self.in_pool else None
        return got if got != self.agent else None


@dataclass
class AgentDay:
    """One agent's day: sessions and pauses in time order, and the totals. Totals count time once
    where spans overlap: an agent logged in to three queues for an hour was online an hour."""

    agent: str
    sessions: list[Span] = field(default_factory=list)
    pauses: list[Span] = field(default_factory=list)
    online_s: float = 0.0
    paused_s: float = 0.0

    @property
    def pool_ids(self) -> list[str]:
        """The pool agent ids the agent logged in with under its member name (usually one)."""
        return sorted({i for sp in self.sessions if (i := sp.pool_id)})


@dataclass
class DayRecord:
    day: date
    start: datetime  # the local day as [start, end) in UTC
    end: datetime
    agents: list[AgentDay]
    cut: bool  # MAX_ROWS reached in either table: later rows of the day are not in it

    @property
    def without_sessions(self) -> list[str]:
        """Agents the PBX paused on the day but recorded no log-in for: static queue members
        (queues.conf; the private Asterisk's agents are) are in the queue from the PBX's start, so
        no QueueMemberAdded ever makes a session of theirs — their 签入 are the desk's unpauses."""
        return [a.agent for a in self.agents if not a.sessions]


def day_record(db: Session, s: Settings, day: date, now: datetime | None = None) -> DayRecord:
    """Each agent's sessions and pauses on the PBX on local ``day`` (zone ``s.timezone``), agents
    in name order. Both readings are bounded (rows that began before the day's end and had not
    ended before its start, at most :data:`MAX_ROWS`) and walk their table's index on (server,
    agent, start) in its own order."""
    start = local_day_start(day, s.timezone)
    end = local_day_start(day + timedelta(days=1), s.timezone)
    now = now or datetime.now(UTC)
    until = min(end, max(now, start))
    sess, pauses = AgentSession, AgentPause
    session_rows = _read(db, s, start, end, sess.agent, sess.queue, sess.login_at, sess.logout_at, sess.interface)
    pause_rows = _read(db, s, start, end, pauses.agent, pauses.queue, pauses.paused_at, pauses.unpaused_at,
                       pauses.reason)
    agents: dict[str, AgentDay] = {}
    for rows, pause in ((session_rows, False), (pause_rows, True)):
        for agent, queue, began, ended, extra in rows:
            a = agents.setdefault(agent, AgentDay(agent))
            span = Span(agent, queue, began, ended, _within(began, ended, start, until),
                        extra if pause else None, None if pause else extra)
            (a.pauses if pause else a.sessions).append(span)
    for a in agents.values():
        a.online_s = _union_s(a.sessions, start, until)
        a.paused_s = _union_s(a.pauses, start, until)
    cut = len(session_rows) >= MAX_ROWS or len(pause_rows) >= MAX_ROWS
    return DayRecord(day, start, end, [agents[k] for k in sorted(agents)], cut)


def _read(db: Session, s: Settings, start: datetime, end: datetime, agent: Any, queue: Any, began: Any,
          ended: Any, reason: Any) -> list[tuple[Any, ...]]:
    """(agent, queue, began, ended, extra: a pause's reason, a session's interface) of one table's
    rows overlapping [start, end)."""
    server = agent.class_.server
    q = select(agent, queue, began, ended, reason).where(server == s.server_id, began < end,
                                                         or_(ended.is_(None), ended > start))
    # the index's order (server, agent, start): no sort, and the limit stops the walk
    return [tuple(r) for r in db.execute(q.order_by(agent, began).limit(MAX_ROWS))]


def _clip(began: datetime, ended: datetime | None, start: datetime, until: datetime) -> tuple[datetime, datetime]:
    return max(began, start), min(ended or until, until)


def _within(began: datetime, ended: datetime | None, start: datetime, until: datetime) -> float:
    a, b = _clip(began, ended, start, until)
    return max(0.0, (b - a).total_seconds())


def _union_s(spans: Iterable[Span], start: datetime, until: datetime) -> float:
    """Seconds covered by any of the spans within [start, until)."""
    total, reach = 0.0, start
    for a, b in sorted(_clip(sp.start, sp.end, start, until) for sp in spans):
        a = max(a, reach)
        if b > a:
            total += (b - a).total_seconds()
            reach = b
    return total
