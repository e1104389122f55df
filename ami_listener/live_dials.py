"""The agent's own outbound calls on the live view (外呼 / 回拨): its dials from the desk
(``hotline.callbacks.dialer``) and the calls its phone dials itself.

The desk's originate rings the agent's phone with HOTLINE_AGENT set on its first channel (Uniqueid =
Linkedid = the attempt's call id), then ``[hotline-callback]`` dials the customer from that
channel. No queue event names such a call — until 7 December the desk stayed 示闲 while the PBX
showed the member in use — so the view follows it from what the originate set: the agent rings
(外呼中: its phone, then the customer) from the VarSet, talks from the customer's answer (the
originated channel's DialEnd ANSWER), and is done at the first channel's hang-up. The customer's
number is the call's party (its DialBegin's DestExten, the record's ``dialed``).

A call the agent's phone dials itself (a customer's number keyed on the desk phone or the
softphone) is the same call seen from its start: its first channel is the phone's own, and once it
rings an outside party — the call record's own test, ``InternalNumbers.dialled_out`` (the live
view asks it) — the view follows it here as it follows the desk's: 外呼中, then 通话中 from the
answer, 未接通 / done at the first channel's hang-up. Until 7 December the desk stayed 示闲 while
the PBX showed the member in use. Calls between phones stay 内部通话, never 外呼. After a listener
reconnect either is followed again from the call's first channel (:meth:`AgentDials.rebuild`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ami_listener.agent_follow import FollowedCall
from ami_listener.channels import number
from ami_listener.live_legs import FirstChannel
from ami_listener.reader import Message
from hotline.chanvars import ChanVar
from hotline.live_snapshot import AgentLive, CallLive
from hotline.vocabulary import AgentState

KEPT = 512  # dials whose hang-up was missed (a gap) are forgotten, oldest first, beyond this many


@dataclass(frozen=True)
class _Dial:
    members: frozenset[str]  # the names the dialling phone's member goes by (one per queue naming it its way)
    call: FollowedCall


class AgentDials:
    def __init__(self) -> None:
        self._dials: dict[str, _Dial] = {}  # Linkedid → the dial

    def clear(self) -> None:
        self._dials.clear()

    def start(self, lid: str, members: Collection[str], agents: dict[str, AgentLive], ts: float | None) -> bool:
        """``members`` dial out on call ``lid`` (HOTLINE_AGENT set on the call's first channel, or
        the phone's own call ringing an outside party). True: the view changed."""
        members = frozenset(m for m in members if m)
        if not members or lid in self._dials:
            return False
        dial = self._dials[lid] = _Dial(members, FollowedCall(lid, outbound=True))
        if len(self._dials) > KEPT:
            del self._dials[next(iter(self._dials))]
        return dial.call.show(members, agents, ts)

    def rebuild(self, found: Sequence[FirstChannel], members_on: Callable[[str], set[str]],
                dialled_out: Callable[[str, list[bool]], bool], calls: Mapping[str, CallLive],
                call_of: Callable[[str], CallLive | None], agents: dict[str, AgentLive], now: float) -> bool:
        """After a reconnect (``LiveView.rebuild``; QueueStatus names no dial): each call's first
        channel (``live_legs.first_channels``) that is the desk's dial (HOTLINE_AGENT read from it,
        ``resync_facts``) or a phone's own call out (the record's ``dialled_out``, as ``LiveView``
        decides it live) is followed again: 外呼中, or 通话中 once a channel it dialled that is no
        agent's phone (the customer's) is Up. ``calls``: the view's calls; ``call_of`` makes one
        (None: ended). True: the view changed."""
        changed = False
        for first in found:
            facts = calls[first.call_id].vars if first.call_id in calls else {}
            desk, phone = facts.get(ChanVar.AGENT), members_on(first.channel)
            rang = [bool(members_on(c)) for c, _up in first.dialled]
            # a phone's own call on the hotline's path (our IVR, any HOTLINE_* fact) is no dial, as live
            if not desk and (facts or not phone or not dialled_out(first.exten, rang)):
                continue
            call = call_of(first.call_id)
            if call is None:
                continue
            changed |= self.start(first.call_id, {desk} if desk else phone, agents, now)
            if call.caller_number is None and (first.dialling or not desk):  # the pop's party: the number dialled
                call.caller_number, call.caller_name = number(first.exten), None
            dial = self._dials.get(first.call_id)
            if dial is not None and any(up and not members_on(c) for c, up in first.dialled):
                dial.call.answered = True
                changed |= dial.call.show(dial.members, agents, now)
        return changed

    def dialled(self, msg: Message, calls: dict[str, CallLive]) -> bool:
        """The originated channel dials the customer: the number is the call's party."""
        h = msg.headers
        lid = h.get("Uniqueid") or ""
        call = calls.get(lid)
        if lid not in self._dials or h.get("Linkedid") != lid or call is None:
            return False
        dialled = number(h.get("DestExten")) or number((h.get("DialString") or "").split("@")[0].split("/")[-1])
        if dialled is None or dialled == call.caller_number:
            return False
        call.caller_number, call.caller_name = dialled, None
        return True

    def answered(self, msg: Message, agents: dict[str, AgentLive]) -> bool:
        """The originated channel's DialEnd: ANSWER is the customer answering."""
        h = msg.headers
        lid = h.get("Uniqueid") or ""
        dial = self._dials.get(lid)
        if dial is None or h.get("Linkedid") != lid or h.get("DialStatus") != "ANSWER":
            return False
        dial.call.answered = True
        return dial.call.show(dial.members, agents, msg.timestamp)

    def ended(self, lid: str, agents: dict[str, AgentLive], ts: float | None) -> bool:
        """The first channel hung up: the member is back to what the PBX last said of it."""
        dial = self._dials.pop(lid, None)
        return dial is not None and dial.call.end(dial.members, agents, ts)

    def status(self, member: str, agent: AgentLive, paused: bool) -> AgentState | None:
        """A device state or pause event of ``member``: the state its dial shows, None when it has
        no dial up (``FollowedCall.status``)."""
        for dial in self._dials.values():
            if member in dial.members and (state := dial.call.status(member, agent, paused)) is not None:
                return state
        return None
