"""Calls transferred to an agent on the live view (转接 / 咨询转接 received).

Every transfer to an agent — the desk's 转接 (AMI BlindTransfer) and 咨询转 (Atxfer), a phone's #1
and *2 — dials ``[agents-transfer]``, which dials the agent's queue member (``Local/<ext>@agents…``)
on the caller's call (its Linkedid). The queue dials no one there, so no AgentCalled / AgentConnect
names the receiving agent: until 7 December the view showed it talking on no call (its device in
use) and its desk had neither the caller's pop nor controls, nor a wrap-up after. The view now
ties it to the call from that dial, as a queue's ring: ringing from the DialBegin, talking from its
answer (during an attended transfer's consultation that is the consulting agent, the caller after
the completion), and done at its leg's hang-up — the same ``AgentLive`` state and call_id the
desk reads for a queue call. After a listener reconnect it is tied again from the channels
(:meth:`Transfers.rebuild`): QueueStatus names no transfer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ami_listener.agent_follow import FollowedCall
from ami_listener.reader import Message
from hotline.desk.calls import TRANSFER_CONTEXT, consultation_of, consulted, is_agent_leg
from hotline.live_snapshot import AgentLive
from hotline.vocabulary import AgentState

KEPT = 512  # transfers whose hang-up was missed (a gap) are forgotten, oldest first, beyond this many


def _under_way(consultation: str | None, channels: Mapping[str, Mapping[str, str]],
               agents: Mapping[str, AgentLive]) -> bool:
    """The consultation's channel is bridged with an agent's leg (the consulting agent's), not yet
    with the caller's — nor with another consultation's channel (``calls.is_agent_leg`` names
    that one the consulted agent's too): the target of a completed one, transferring on."""
    bridge = channels.get(consultation or "", {}).get("BridgeId")
    return bool(bridge) and any(c.get("BridgeId") == bridge and consulted(n) is None and is_agent_leg(n, a)
                                for n, c in channels.items() for a in agents)


class Transfers:
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

    def rebuild(self, channels: Sequence[Mapping[str, str]], agents: dict[str, AgentLive], now: float) -> bool:
        """After a reconnect (``LiveView.rebuild``; QueueStatus names no transfer): each transfer's
        dial up now is tied again from the channels (CoreShowChannels rows). Its dialling channel
        runs Dial in [agents-transfer] at the receiving agent's extension; the agent's leg is the
        call's ``Local/<ext>@agents…;1``, bridged with the dialler once answered, in no bridge
        while it rings. A consultation still under way (its channel bridged with the consulting
        agent's leg) is left untied: its consulted agent is tied by no ``Consultations`` either,
        and its desk's controls would act on the consulting agent (``controls.refuse_consulted``).
        True: the view changed."""
        by_name = {c.get("Channel") or "": c for c in channels}
        changed = False
        for d in channels:
            lid, ext, bridge = d.get("Linkedid") or "", d.get("Exten") or "", d.get("BridgeId") or ""
            if d.get("Context") != TRANSFER_CONTEXT or d.get("Application") != "Dial" or not lid or not ext:
                continue
            if _under_way(consultation_of(d.get("Channel") or ""), by_name, agents):
                continue
            for name, c in by_name.items():
                if (c.get("Linkedid") != lid or name == d.get("Channel") or not name.startswith("Local/")
                        or not is_agent_leg(name, ext) or consulted(name) is not None
                        or (c.get("BridgeId") or "") not in ("", bridge)):
                    continue
                call = self._up[name] = FollowedCall(lid, answered=bool(bridge) and c.get("BridgeId") == bridge)
                changed |= call.show(self._members_on(name), agents, now)
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
