"""The live snapshot: what is happening now on one Asterisk server — callers waiting, agents
ringing / talking / paused — as the listener writes it (``live_state.data``) and the wallboard
reads it. This dataclass is the schema of that JSON; :meth:`LiveSnapshot.to_dict` writes it,
:meth:`LiveSnapshot.from_dict` reads it back and tolerates rows written by older listeners or
damaged by hand (a wallboard must never break on one bad row)::

    {"queues": {name: {"waiting": [{"call_id", "caller_number", "caller_name", "since"}]}},
     "agents": {member: {"state": AgentState, "since", "call_id", "queue", "internal"?: true,
                         "outbound"?: true,
                         "held_since"?: epoch seconds, "consulting"?: extension,
                         "consulted_by"?: member,
                         "pause"?: {"at": epoch seconds, "paused": bool, "reason": str},
                         "member"?: as in "members" (the desk's reading; no listener writes it)}},
     "calls": {call_id: {"caller_number", "caller_name", "queued_at", "vars": {HOTLINE_*: value}}},
     "members"?: {member: {queue: {"at": epoch seconds, "added": bool, "paused": bool, "reason": str}}},
     "gap": bool, "updated": epoch seconds}

``members`` holds each member's last QueueMemberAdded / QueueMemberRemoved in each queue, kept
after the member left every queue (``agents`` forgets it then): the desk follows a log-in or a
log-out made on the PBX (``hotline.desk.pbx_follow``).

``calls`` holds the facts of each call still up that the agent desk's screen-pop needs before the
call record exists (the IVR's HOTLINE_* variables as the listener saw them set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hotline.vocabulary import AgentState


def _epoch(v: Any) -> float | None:
    """Epoch seconds from a number or an ISO date/time (naive means UTC); else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            return None
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    return None


def _text(v: Any) -> str | None:
    return None if v is None else str(v)


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


@dataclass
class WaitingCaller:
    call_id: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    since: float | None = None  # when the caller joined the queue

    def to_dict(self) -> dict[str, Any]:
        return {"call_id": self.call_id, "caller_number": self.caller_number, "caller_name": self.caller_name,
                "since": self.since}

    @classmethod
    def from_dict(cls, v: Any) -> WaitingCaller:
        d = _dict(v)  # an entry that is not an object is still a caller waiting
        return cls(_text(d.get("call_id")), _text(d.get("caller_number")), _text(d.get("caller_name")),
                   _epoch(d.get("since")))


# a pause reason is free text from whoever paused the member (a foreign CTI, a phone's feature code):
# kept this long, so a hostile one cannot bloat every snapshot row
PAUSE_REASON_MAX = 128


@dataclass(frozen=True)
class PauseChange:
    """The PBX's last explicit pause change of a member (its QueueMemberPause): when, paused or
    not, and the reason given. The desk's presence follows it (``hotline.desk.pbx_follow.follow_pbx``)."""

    at: float
    paused: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "paused": self.paused, "reason": self.reason}

    @classmethod
    def from_dict(cls, v: Any) -> PauseChange | None:
        d = _dict(v)
        at = _epoch(d.get("at"))
        if at is None or not isinstance(d.get("paused"), bool):
            return None  # no change one could act on
        return cls(at, d["paused"], (_text(d.get("reason")) or "")[:PAUSE_REASON_MAX])


@dataclass(frozen=True)
class MemberChange:
    """The PBX's last QueueMemberAdded (``added``; ``paused`` and its ``reason`` as added) or
    QueueMemberRemoved of a member in one queue, whoever made it (the desk, an operator's CLI,
    another CTI). The desk's presence follows it (``hotline.desk.pbx_follow.follow_pbx``)."""

    at: float
    added: bool
    paused: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "added": self.added, "paused": self.paused, "reason": self.reason}

    @classmethod
    def from_dict(cls, v: Any) -> MemberChange | None:
        d = _dict(v)
        at = _epoch(d.get("at"))
        if at is None or not isinstance(d.get("added"), bool):
            return None  # no change one could act on
        return cls(at, d["added"], d.get("paused") is True, (_text(d.get("reason")) or "")[:PAUSE_REASON_MAX])


@dataclass
class AgentLive:
    state: AgentState = AgentState.IDLE
    since: float | None = None  # when the agent entered this state
    call_id: str | None = None  # the call ringing or talking
    queue: str | None = None
    # the agent's phone placed a call of its own that has entered none of the hotline's paths so
    # far: a phone calling a phone (Direction.INTERNAL once its record is built), shown as 内部通话
    internal: bool = False
    # 保持: since when the agent's phone holds the call it talks on (Asterisk's Hold on its channel,
    # from a desk phone's hold key or the browser softphone's 保持 alike); None: not holding
    held_since: float | None = None
    # the PBX's last QueueMemberPause of this member, whoever made it (us, a phone, another CTI);
    # None: none seen since the listener (re)built its view
    pause: PauseChange | None = None
    # the PBX's last add / remove of this member in the desk's queue (``LiveSnapshot.members``, set
    # by ``hotline.desk.live.agent_in``: the listener does not know which queue is the desk's)
    member: MemberChange | None = None
    # the call ringing / talking is the agent's own dial from the desk (外呼 / 回拨, a callback's
    # originate): RINGING until the customer answers (外呼中), TALKING after, as a queue call's
    outbound: bool = False
    # the extension an attended transfer's consultation of the agent's call dials, while its
    # channel (Local/<ext>@agents-transfer-…;1) is up — begun on the desk or the phone (*2) alike;
    # ``hotline.desk.consult.under_way`` reads it
    consulting: str | None = None
    # the member whose consultation rings / talks to this agent, until the transfer completes (the
    # agent then talks with the caller) or the consultation ends (``ami_listener.live_consults``):
    # its desk shows 咨询中 (来自 …) and refuses the controls that would act on the consulting leg
    consulted_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"state": self.state, "since": self.since, "call_id": self.call_id,
                             "queue": self.queue}
        if self.internal:  # absent when false: rows of older listeners read the same
            d["internal"] = True
        if self.held_since is not None:
            d["held_since"] = self.held_since
        if self.pause is not None:
            d["pause"] = self.pause.to_dict()
        if self.member is not None:
            d["member"] = self.member.to_dict()
        if self.outbound:  # absent when false, as internal
            d["outbound"] = True
        if self.consulting is not None:
            d["consulting"] = self.consulting
        if self.consulted_by is not None:
            d["consulted_by"] = self.consulted_by
        return d

    @classmethod
    def from_dict(cls, v: Any) -> AgentLive:
        d = _dict(v)
        try:
            state = AgentState(str(d.get("state")))
        except ValueError:
            state = AgentState.UNAVAILABLE  # a state this reader does not know: not available to take calls
        return cls(state, _epoch(d.get("since")), _text(d.get("call_id")), _text(d.get("queue")),
                   d.get("internal") is True, _epoch(d.get("held_since")), PauseChange.from_dict(d.get("pause")),
                   MemberChange.from_dict(d.get("member")), d.get("outbound") is True,
                   _text(d.get("consulting")), _text(d.get("consulted_by")))


@dataclass
class CallLive:
    """A call still up, as the desk's screen-pop shows it: who calls and what the IVR learnt."""

    caller_number: str | None = None
    caller_name: str | None = None
    queued_at: float | None = None  # when the caller joined the queue
    vars: dict[str, str] = field(default_factory=dict)  # the HOTLINE_* variables set so far
    seen: float | None = None  # when the listener first saw it (stale entries are dropped)

    def to_dict(self) -> dict[str, Any]:
        return {"caller_number": self.caller_number, "caller_name": self.caller_name,
                "queued_at": self.queued_at, "vars": dict(self.vars), "seen": self.seen}

    @classmethod
    def from_dict(cls, v: Any) -> CallLive:
        d = _dict(v)
        return cls(_text(d.get("caller_number")), _text(d.get("caller_name")), _epoch(d.get("queued_at")),
                   {str(k): str(x) for k, x in _dict(d.get("vars")).items() if x is not None},
                   _epoch(d.get("seen")))


@dataclass
class LiveSnapshot:
    queues: dict[str, list[WaitingCaller]] = field(default_factory=dict)  # queue → callers, longest waiting first
    agents: dict[str, AgentLive] = field(default_factory=dict)  # member name → state
    gap: bool = False  # AMI is not being read: what is shown may be stale
    updated: float | None = None
    calls: dict[str, CallLive] = field(default_factory=dict)  # call id (Linkedid) → its facts
    members: dict[str, dict[str, MemberChange]] = field(default_factory=dict)  # member → queue → last add/remove

    def to_dict(self) -> dict[str, Any]:
        d = {"queues": {q: {"waiting": [w.to_dict() for w in waiting]} for q, waiting in self.queues.items()},
             "agents": {m: a.to_dict() for m, a in self.agents.items()}, "gap": self.gap, "updated": self.updated}
        if self.calls:  # absent when empty: the rows of a listener that knows no calls stay as they were
            d["calls"] = {c: x.to_dict() for c, x in self.calls.items()}
        if self.members:  # absent when empty, as calls
            d["members"] = {m: {q: c.to_dict() for q, c in qs.items()} for m, qs in self.members.items()}
        return d

    @classmethod
    def from_dict(cls, v: Any) -> LiveSnapshot:
        d = _dict(v)
        queues: dict[str, list[WaitingCaller]] = {}
        for name, q in _dict(d.get("queues")).items():
            waiting = _dict(q).get("waiting")
            queues[str(name)] = [WaitingCaller.from_dict(w) for w in waiting] if isinstance(waiting, list) else []
        agents = {str(m): AgentLive.from_dict(a) for m, a in _dict(d.get("agents")).items()}
        calls = {str(c): CallLive.from_dict(x) for c, x in _dict(d.get("calls")).items()}
        members: dict[str, dict[str, MemberChange]] = {}
        for m, qs in _dict(d.get("members")).items():
            for q, c in _dict(qs).items():
                if (change := MemberChange.from_dict(c)) is not None:
                    members.setdefault(str(m), {})[str(q)] = change
        return cls(queues, agents, bool(d.get("gap")), _epoch(d.get("updated")), calls, members)
