"""Agents' legs the live view follows by their own channel, not by a queue's events: a call
transferred to an agent (转接 / 咨询转接 received), from its dial, and after a listener reconnect
every agent's leg up then — a queue call's too (:meth:`FollowedLegs.rebuild`, ``live_legs``).

Every transfer to an agent — the desk's 转接 (AMI BlindTransfer) and 咨询转 (Atxfer), a phone's #1
and *2 — dials ``[agents-transfer]``, which dials the agent's queue member (``Local/<ext>@agents…``)
on the caller's call (its Linkedid). The queue dials no one there, so no AgentCalled / AgentConnect
names the receiving agent: until 7 December the view showed it talking on no call (its device in
use) and its desk had neither the caller's pop nor controls, nor a wrap-up after. The view now
ties it to the call from that dial, as a queue's ring: ringing from the DialBegin, talking from its
answer (during an attended transfer's consultation that is the consulting agent, the caller after
the completion), and done at its leg's hang-up — the same ``AgentLive`` state and call_id the
desk reads for a queue call. After a reconnect QueueStatus names no call, neither a transfer's nor
a queue's: each agent's leg is tied again from the channels, one rule for both, and followed here
until it hangs up. (Until 7 December the class was ``Transfers``, though it held both.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ami_listener.agent_follow import FollowedCall
from ami_listener.live_legs import Leg
from ami_listener.reader import Message
from hotline.desk.calls import TRANSFER_CONTEXT
from hotline.live_snapshot import AgentLive
from hotline.vocabulary import AgentState

KEPT = 512  # transfers whose hang-up was missed (a gap) are forgotten, oldest first, beyond this many


class FollowedLegs:
    def __init__(self, members_on: Callable[[str], set[str]]) -> None:
        """``members_on``: the members a channel is made on (``LiveView``'s one rule)."""
        self._members_on = members_on
        self._up: dict[str, FollowedCall] = {}  # the receiving member's leg (DestChannel) → the call

    def clear(self) -> None:
        self._up.clear()

    def dialled(self, msg: Message, agents: dict[str, AgentLive]) -> bool:
        """A DialBegin: ``[agents-transfer]`` rings an agent's leg. True: the view changed."""
        h = msg.headers
        leg, lid = h.get("DestChannel") or "", h.get("Linkedid") or ""
        if h.get("Context") != TRANSFER_CONTEXT or not leg or not lid:
            return False
        call = self._up[leg] = FollowedCall(lid)
        if len(self._up) > KEPT:
            del self._up[next(iter(self._up))]
        return call.show(self._members_on(leg), agents, msg.timestamp)

    def rebuild(self, legs: Sequence[Leg], agents: dict[str, AgentLive], now: float) -> bool:
        """After a reconnect (``LiveView.rebuild``; QueueStatus names no call): each agent's leg up
        now (``live_legs.legs``) is tied to its call again, ringing or talking — a transfer's
        followed on as its dial's would be (a consulted agent's too: ``Consultations.rebuild``
        ties its consultation again), a queue call's by the queue's events, both until the leg
        hangs up (an AgentComplete just before the reconnect said the queue call's end already).
        True: the view changed."""
        changed = False
        for leg in legs:
            call = self._up[leg.channel] = FollowedCall(leg.call_id, answered=leg.answered, queued=not leg.transfer)
            changed |= call.show(self._members_on(leg.channel), agents, now)
        return changed

    def answered(self, msg: Message, agents: dict[str, AgentLive]) -> bool:
        """A DialEnd of the transfer's dial: ANSWER, the agent talks; else the ring is over."""
        h = msg.headers
        leg = h.get("DestChannel") or ""
        call = self._up.get(leg)
        if call is None or h.get("Context") != TRANSFER_CONTEXT:
            return False
        if h.get("DialStatus") != "ANSWER":
            return self.ended(leg, agents, msg.timestamp)
        call.answered = True
        return call.show(self._members_on(leg), agents, msg.timestamp)

    def ended(self, leg: str, agents: dict[str, AgentLive], ts: float | None) -> bool:
        """The agent's leg hung up (or its ring ended): it is back to what the PBX last said of it."""
        call = self._up.pop(leg, None)
        return call is not None and call.end(self._members_on(leg), agents, ts)

    def status(self, member: str, agent: AgentLive, paused: bool) -> AgentState | None:
        """A device state or pause event of ``member``: the state its transfer shows, None when no
        transfer to it is up (``FollowedCall.status``)."""
        for leg, call in self._up.items():
            if member in self._members_on(leg) and (state := call.status(member, agent, paused)) is not None:
                return state
        return None
