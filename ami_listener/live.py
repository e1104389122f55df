"""What is happening now — callers waiting, agents ringing/talking/paused — for the wallboard.

The listener keeps one :class:`LiveView` current from the event stream; its :meth:`LiveView.snapshot`
is the ``live_state`` row (``hotline.live_snapshot.LiveSnapshot``, the schema the wallboard reads).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ami_listener.channels import TECH_EXT, device_of, interface_key, number
from ami_listener.live_consults import Consultations
from ami_listener.live_dials import AgentDials
from ami_listener.live_followed_legs import FollowedLegs
from ami_listener.live_legs import callers, consultations, first_channels, legs
from ami_listener.reader import Message
from hotline.chanvars import ChanVar
from hotline.live_snapshot import (
    PAUSE_REASON_MAX,
    AgentLive,
    CallLive,
    LiveSnapshot,
    MemberChange,
    PauseChange,
    WaitingCaller,
)
from hotline.rules import DEFAULT_INTERNAL_NUMBERS, InternalNumbers
from hotline.vocabulary import AgentState

# AST_DEVICE_* codes in QueueMemberStatus.Status
_DEVICE_STATE = {"1": AgentState.IDLE, "2": AgentState.TALKING, "3": AgentState.TALKING,
                 "4": AgentState.UNAVAILABLE, "5": AgentState.UNAVAILABLE, "6": AgentState.RINGING,
                 "7": AgentState.RINGING, "8": AgentState.TALKING, "0": AgentState.IDLE}
RELEVANT = {"QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect",
            "AgentComplete", "AgentRingNoAnswer", "QueueMemberStatus", "QueueMemberAdded",
            "QueueMemberRemoved", "QueueMemberPause", "QueueEntry", "QueueMember"}
# the desk's screen-pop: each call's HOTLINE_* VarSets (parsed in full by the reader), until its first channel's hang-up
CALL_FACTS = {"VarSet", "Hangup"}
# what marks an agent's phone calling another phone (AgentLive.internal): a call's first channel
# made on a member's own device, to an internal number or ringing only agents' phones (DIALLED:
# what it rang); the hotline's paths (a HOTLINE_* variable, a queue) unmark it
PHONE_CALL = "Newchannel"
# 保持: an agent's phone holding its call (its hold key, the softphone's sendonly, a consultation's transferer)
HOLDS = {"Hold", "Unhold"}
DIALLED = "DialBegin"
DIAL_ENDED = "DialEnd"  # the customer of the agent's own dial answering (ami_listener.live_dials)
STALE_CALL_S = 4 * 3600.0  # a call whose end was missed (a gap) leaves the snapshot after this
ENDED_KEPT = 512  # calls ended lately: a VarSet after the hang-up must not bring them back
# members whose last add / remove the snapshot keeps (``LiveSnapshot.members``): those gone from
# every queue beyond this many are forgotten, oldest first (member names are a CTI's to choose)
MEMBERS_KEPT = 2048


@dataclass
class _PhoneCall:
    """A call an agent's phone placed itself: its members, the number dialled, and for each
    channel it rang so far whether that is an agent's phone."""

    members: set[str]
    exten: str | None
    rang_agents: list[bool] = field(default_factory=list)
    internal: bool = False  # its members are shown on an internal call


def _pause_change(msg: Message) -> PauseChange:
    """A QueueMemberPause as the desk follows it. Only this event: a QueueMemberStatus repeats the
    pause it already said, and a reconnect's QueueStatus rows (``rebuild``) are a state, not a
    change — following those would fight ``hotline.desk.reapply`` putting the stored presence back
    after an Asterisk restart. Asterisk 16.28 sends the member's ``PausedReason`` and, when the
    action gave one, ``Reason`` (the same text); both are read, ``Reason`` first."""
    h = msg.headers
    reason = h.get("Reason") or h.get("PausedReason") or ""
    at = msg.timestamp if msg.timestamp is not None else time.time()  # a stream without timestamps: now
    return PauseChange(at, h.get("Paused") == "1", reason[:PAUSE_REASON_MAX])


def _member_change(msg: Message) -> MemberChange:
    """A QueueMemberAdded / QueueMemberRemoved as the desk follows it (a log-in / log-out made on
    the PBX). Only these events, as for pauses: a reconnect's QueueStatus rows are a state."""
    h = msg.headers
    at = msg.timestamp if msg.timestamp is not None else time.time()
    added = msg.name == "QueueMemberAdded"
    paused = added and h.get("Paused") == "1"
    return MemberChange(at, added, paused, (h.get("PausedReason") or "")[:PAUSE_REASON_MAX] if paused else "")


class LiveView:
    def __init__(self, internal: InternalNumbers = DEFAULT_INTERNAL_NUMBERS) -> None:
        """``internal``: the numbers a phone dials inside the PBX (``internal_number_pattern``); a
        phone's own call to any other number went out through a trunk and is not marked internal
        unless every phone it rang is an agent's (``InternalNumbers.dialled_out``, as the record)."""
        self.internal = internal
        self.queues: dict[str, dict[str, WaitingCaller]] = {}
        self.agents: dict[str, AgentLive] = {}
        self.calls: dict[str, CallLive] = {}
        self._ended: dict[str, None] = {}
        # a member's interface / state interface → its names (one per queue that names it its way)
        self._devices: dict[str, set[str]] = {}
        self._own_calls: dict[str, _PhoneCall] = {}  # a call an agent's phone placed itself (Linkedid)
        self._holding: dict[str, set[str]] = {}  # a channel on hold → the members it holds for
        self._queues: dict[str, set[str]] = {}  # a member → the queues it is in
        self.members: dict[str, dict[str, MemberChange]] = {}  # a member → queue → its last add / remove
        self._dials = AgentDials()  # the agents' own outbound calls: the desk's dials, the phones' (外呼 / 回拨)
        self._consults = Consultations()  # attended transfers' consultations (咨询转接)
        self._legs = FollowedLegs(self._members_on)  # agents' legs followed by channel: 转接 received, re-tied
        self.gap = False
        self.changed = False
        # an agent's state changed (a ring starts, is answered, ends): the desk's pop waits for
        # this one, so the listener writes the snapshot now rather than at its next flush
        self.urgent = False

    def feed(self, msg: Message) -> None:
        if self._channel_event(msg):
            return
        name = msg.name
        if name not in RELEVANT:
            return
        h = msg.headers
        ts = msg.timestamp
        queue = h.get("Queue") or ""
        lid = h.get("Linkedid") or ""
        if name in ("QueueCallerJoin", "QueueEntry"):
            since = ts if name == "QueueCallerJoin" else (ts or 0) - float(h.get("Wait") or 0)
            self.queues.setdefault(queue, {})[lid or h.get("Uniqueid", "")] = WaitingCaller(
                lid, h.get("CallerIDNum"), h.get("CallerIDName"), since)
            self._not_internal(lid)
            call = self._call(lid, ts)
            if call is not None:
                call.caller_number, call.caller_name = h.get("CallerIDNum"), h.get("CallerIDName")
                call.queued_at = since
        elif name in ("QueueCallerLeave", "QueueCallerAbandon"):
            self.queues.setdefault(queue, {}).pop(lid, None)
            if name == "QueueCallerAbandon":  # no AgentRingNoAnswer follows: the rings it caused are over
                for agent in self.agents.values():
                    if agent.state == AgentState.RINGING and agent.call_id == lid:
                        agent.state, agent.call_id, agent.since = AgentState.IDLE, None, ts
                        self.urgent = True
        elif name == "QueueMemberRemoved":
            if h.get("MemberName"):
                self._removed(msg, h["MemberName"], queue)
            return
        elif not self._member(msg, queue, lid):
            return
        if name == "QueueMemberAdded":
            self._joined(h["MemberName"], queue, _member_change(msg))
        self.changed = True

    def _channel_event(self, msg: Message) -> bool:
        """A channel's own event (a call's facts, a hold, a phone's call, a dial): True when
        ``msg`` was one. Every event first tells whether a phone's own call is over."""
        name = msg.name
        if self._own_calls:
            uid = msg.headers.get("Uniqueid") or ""
            if uid in self._own_calls and (name == "Hangup" or msg.headers.get("Linkedid") != uid):
                # the phone's channel ended, or joined another call (a pickup: it is that call's now)
                self._not_internal(uid)
        if name in CALL_FACTS:
            if name == "Hangup" and self._holding:
                self._unhold(msg.headers.get("Channel") or "")
            chan = msg.headers.get("Channel") or ""
            if name == "Hangup" and (self._consults.ended(chan, self.agents)
                                     | self._legs.ended(chan, self.agents, msg.timestamp)):
                self.changed = self.urgent = True
            self._call_fact(msg)
            return True
        if name in HOLDS:
            self._hold(msg)
            return True
        if name == PHONE_CALL:
            if self._consults.dialled(msg, self.agents):
                self.changed = self.urgent = True
            self._phone_call(msg)
            return True
        if name == DIALLED:
            self._dialled(msg)
            self.changed |= self._dials.dialled(msg, self.calls)
            if self._legs.dialled(msg, self.agents):
                self.changed = self.urgent = True
            return True
        if name == DIAL_ENDED:
            if self._dials.answered(msg, self.agents) | self._legs.answered(msg, self.agents):
                self.changed = self.urgent = True
            return True
        return False

    def _removed(self, msg: Message, member: str, queue: str) -> None:
        """A member leaves ``queue``; it leaves the view when no queue holds it any more (a member
        of two queues removed from one still rings, and shows, in the other)."""
        queues = self._queues.get(member, set())
        queues.discard(queue)
        if not queues:
            self._queues.pop(member, None)
            self.agents.pop(member, None)
        self._joined(member, queue, _member_change(msg))
        self.changed = self.urgent = True

    def _joined(self, member: str, queue: str, change: MemberChange) -> None:
        """Keeps ``change`` as the member's last in ``queue`` (``LiveSnapshot.members``)."""
        self.members[member] = {**self.members.pop(member, {}), queue: change}  # newest last
        if len(self.members) > MEMBERS_KEPT:
            gone = next((m for m in self.members if m not in self.agents), None)
            if gone is not None:
                del self.members[gone]

    def _hold(self, msg: Message) -> None:
        """Hold / Unhold on a member's phone: the member talking holds (a repeated Hold keeps its
        start, as the record counts it: ami_listener/holds.py)."""
        chan = msg.headers.get("Channel") or ""
        if msg.name == "Unhold":
            self._unhold(chan)
            return
        for member in self._members_on(chan):
            agent = self.agents[member]
            if agent.state == AgentState.TALKING and agent.held_since is None:
                # a stream without timestamps: now (None would read as not holding)
                agent.held_since = msg.timestamp if msg.timestamp is not None else time.time()
                self._holding.setdefault(chan, set()).add(member)
                self.changed = self.urgent = True

    def _unhold(self, chan: str) -> None:
        """The channel's hold ends (its Unhold, its hang-up)."""
        for member in self._holding.pop(chan, ()):
            agent = self.agents.get(member)
            if agent is not None and agent.held_since is not None:
                agent.held_since = None
                self.changed = self.urgent = True

    def _call(self, lid: str, ts: float | None) -> CallLive | None:
        if not lid or lid in self._ended:
            return None
        call = self.calls.get(lid)
        if call is None:
            call = self.calls[lid] = CallLive(seen=ts)
        return call

    def _call_fact(self, msg: Message) -> None:
        h = msg.headers
        lid = h.get("Linkedid") or ""
        if msg.name == "Hangup":
            if lid and h.get("Uniqueid") == lid:  # the call's first channel: the call is over
                self._not_internal(lid)
                self._ended[lid] = None
                if len(self._ended) > ENDED_KEPT:
                    del self._ended[next(iter(self._ended))]
                if self.calls.pop(lid, None) is not None:
                    self.changed = True
                if self._dials.ended(lid, self.agents, msg.timestamp):
                    self.changed = self.urgent = True
            return
        var = (h.get("Variable") or "").lstrip("_")  # __HOTLINE_WAIT_FROM: inherited, the same variable
        if var.startswith("HOTLINE_"):
            self._not_internal(lid)  # the hotline's own path: our IVR, a callback, the desk
        call = self._call(lid, msg.timestamp) if var.startswith("HOTLINE_") else None
        if call is None:
            return
        call.vars[var] = h.get("Value") or ""
        if var == ChanVar.AGENT and h.get("Uniqueid") == lid and self._dials.start(
                lid, (call.vars[var],), self.agents, msg.timestamp):
            self.urgent = True  # the desk's own dial: its party is the customer dialled, not this channel's ID
        elif call.caller_number is None and call.vars.get(ChanVar.AGENT) is None:
            # QueueCallerJoin says it for sure; until then, the channel's
            call.caller_number, call.caller_name = number(h.get("CallerIDNum")), number(h.get("CallerIDName"))
        self.changed = True

    def _phone_call(self, msg: Message) -> None:
        """A call's first channel made on a member's own device: the agent's phone calls someone."""
        h = msg.headers
        lid = h.get("Linkedid") or ""
        if not lid or h.get("Uniqueid") != lid:
            return  # not the call's first channel
        members = self._members_on(h.get("Channel"))
        if members:
            self._own_calls[lid] = _PhoneCall(members, h.get("Exten"))
            self._decide(lid, msg.timestamp)

    def _dialled(self, msg: Message) -> None:
        """A phone's own call rings someone: an agent's phone or not (a trunk, an application)."""
        h = msg.headers
        call = self._own_calls.get(h.get("Uniqueid") or "")
        if call is not None and h.get("Uniqueid") == h.get("Linkedid"):
            call.rang_agents.append(bool(self._members_on(h.get("DestChannel"))))
            self._decide(h["Uniqueid"], msg.timestamp)

    def _members_on(self, channel: str | None) -> set[str]:
        """The members whose device ``channel`` is made on."""
        device = device_of(channel)
        members = set(self._devices.get(device, ()))
        m = TECH_EXT.match(device)  # a member named by its extension (PJSIP/8001 of member 8001)
        if m:
            members.add(m.group(1))
        return members & self.agents.keys()

    def _decide(self, lid: str, ts: float | None) -> None:
        """The phone's call is internal unless it dialled out through a trunk — the call record's
        decision (``InternalNumbers.dialled_out``) on what is known so far: a long extension is
        internal from its first ring of a colleague's phone, a trunk's ring unmarks it. Dialled out
        and ringing someone, it is the agent's own outbound call (外呼), followed as the desk's
        dials are (``live_dials``): one rule for both, and none for calls between phones."""
        call = self._own_calls[lid]
        dialled_out = self.internal.dialled_out(call.exten, call.rang_agents)
        if not dialled_out and not call.internal:
            call.internal = True
            for member in call.members:
                agent = self.agents.get(member)  # removed from its queues meanwhile: nothing to show
                if agent is not None and not agent.internal:
                    agent.internal = self.changed = True
        elif dialled_out and call.internal:
            self._not_internal(lid)
        if not (dialled_out and call.rang_agents):
            return
        party = self._call(lid, ts)  # the pop's party: what the phone dialled, until its DialBegin says
        if party is not None and party.caller_number is None:
            party.caller_number, self.changed = number(call.exten), True
        if self._dials.start(lid, call.members, self.agents, ts):
            self.changed = self.urgent = True

    def _not_internal(self, lid: str) -> None:
        call = self._own_calls.pop(lid, None) if lid else None
        if call is None or not call.internal:
            return
        # the phone's other own calls still shown internal
        still = set().union(*(c.members for c in self._own_calls.values() if c.internal))
        for member in call.members - still:
            agent = self.agents.get(member)
            if agent is not None and agent.internal:
                agent.internal = False
                self.changed = True

    def _member(self, msg: Message, queue: str, lid: str) -> bool:
        """An event about one member: its new state. False if it names no member."""
        h = msg.headers
        member = h.get("MemberName")
        if not member:
            return False
        for key in ("Interface", "StateInterface"):
            if h.get(key):
                self._devices.setdefault(interface_key(h[key]), set()).add(member)
        if queue:
            self._queues.setdefault(member, set()).add(queue)
        agent = self.agents.get(member)
        if agent is None:
            agent = self.agents[member] = AgentLive(AgentState.IDLE, msg.timestamp, None, queue)
        state = agent.state
        if msg.name == "AgentCalled":
            state, agent.call_id = AgentState.RINGING, lid
        elif msg.name == "AgentConnect":
            state, agent.call_id = AgentState.TALKING, lid
        elif msg.name in ("AgentComplete", "AgentRingNoAnswer"):
            state, agent.call_id = AgentState.IDLE, None
        else:  # QueueMemberStatus / Added / Pause / QueueMember
            if msg.name == "QueueMemberPause":
                agent.pause = _pause_change(msg)
            state = (AgentState.PAUSED if h.get("Paused") == "1"
                     else _DEVICE_STATE.get(h.get("Status") or "1", AgentState.IDLE))
            if state == AgentState.TALKING and agent.state == AgentState.RINGING:
                # a Local member's device shows "in use" while it still rings: AgentConnect
                # (or AgentComplete / AgentRingNoAnswer) decides
                state = AgentState.RINGING
            elif state == AgentState.PAUSED and agent.state == AgentState.TALKING and agent.call_id:
                # 示忙 / 小休 / 签出 chosen during a call pause the member for the next call; this one
                # goes on until AgentComplete (shown paused, the desk lost its call and controls)
                state = AgentState.TALKING
            paused = h.get("Paused") == "1"
            state = (self._dials.status(member, agent, paused) or self._legs.status(member, agent, paused)
                     or state)
        if state != agent.state:
            agent.state, agent.since = state, msg.timestamp
            if state != AgentState.TALKING:
                # the call it held / consulted on is over (handed on, hung up)
                agent.held_since = agent.consulting = None
            self.urgent = True
        agent.queue = queue
        return True

    def reset(self) -> None:
        self.queues.clear()
        self.agents.clear()
        self.calls.clear()
        self._own_calls.clear()
        self._holding.clear()
        self._queues.clear()
        self._dials.clear()
        self._consults.clear()
        self._legs.clear()
        self.members.clear()  # what the PBX's members are now is a state, not a change (rebuild)
        self.changed = True

    def rebuild(self, status: Sequence[Mapping[str, str]], channels: Sequence[Mapping[str, str]], now: float,
                facts: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """After a reconnect: the view again from a QueueStatus answer and the channels up. A QueueMember
        names its member ``Name``, a QueueEntry has no Linkedid (its channel's), no row a Timestamp — until
        6 December members were dropped until their next event, and callers waiting stayed on the wallboard
        for good. The calls are the channels', with the HOTLINE_* ``facts`` read from them (``resync_facts``)."""
        linked, facts = {c.get("Uniqueid", ""): c.get("Linkedid", "") for c in channels}, facts or {}
        self.reset()
        for row in status:
            h = {**row, "Timestamp": f"{now:.6f}"}
            if h.get("Event") == "QueueMember" and not h.get("MemberName"):
                h["MemberName"] = h.get("Name", "")
            if h.get("Event") == "QueueEntry" and not h.get("Linkedid"):
                h["Linkedid"] = linked.get(h.get("Uniqueid", ""), "")
            self.feed(Message(h, b""))
        found = legs(channels)  # QueueStatus names no call: the channels do (ami_listener.live_legs)
        callers(channels, call_of := lambda lid: self._call(lid, now), facts)  # before the dials: HOTLINE_AGENT
        self.changed |= (self._legs.rebuild(found, self.agents, now)
                         | self._consults.rebuild(consultations(channels, found), self._members_on, self.agents)
                         | self._dials.rebuild(first_channels(channels), self._members_on, self.internal.dialled_out,
                                               self.calls, call_of, self.agents, now))

    def snapshot(self, now: float) -> LiveSnapshot:
        self.changed = self.urgent = False
        for lid in [c for c, x in self.calls.items() if (x.seen or now) < now - STALE_CALL_S]:
            del self.calls[lid]
        consulted = self._consults.consulted_by(self.agents)  # derived: the view's agents never carry it
        return LiveSnapshot({q: sorted(w.values(), key=lambda x: x.since or 0) for q, w in self.queues.items()},
                            {m: replace(a, consulted_by=consulted.get(m)) for m, a in self.agents.items()},
                            self.gap, now, {c: replace(x, vars=dict(x.vars)) for c, x in self.calls.items()},
                            {m: dict(qs) for m, qs in self.members.items()})
