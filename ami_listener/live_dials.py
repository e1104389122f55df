"""The agent's own dials from the desk on the live view (外呼 / 回拨: ``hotline.callbacks.dialer``).

The originate rings the agent's phone with HOTLINE_AGENT set on its first channel (Uniqueid =
Linkedid = the attempt's call id), then ``[hotline-callback]`` dials the customer from that
channel. No queue event names such a call — until 7 December the desk stayed 示闲 while the PBX
showed the member in use — so the view follows it from what the originate set: the agent rings
(外呼中: its phone, then the customer) from the VarSet, talks from the customer's answer (the
originated channel's DialEnd ANSWER), and is done at the first channel's hang-up. The customer's
number is the call's party (its DialBegin's DestExten, the record's ``dialed``)."""

from __future__ import annotations

from dataclasses import dataclass

from ami_listener.channels import number
from ami_listener.reader import Message
from hotline.live_snapshot import AgentLive, CallLive
from hotline.vocabulary import AgentState

KEPT = 512  # dials whose hang-up was missed (a gap) are forgotten, oldest first, beyond this many


@dataclass
class _Dial:
    member: str
    answered: bool = False
    # what the member is once the call ends: the PBX's last word on its pause during the call
    resume: AgentState = AgentState.IDLE


class DeskDials:
    def __init__(self) -> None:
        self._dials: dict[str, _Dial] = {}  # Linkedid → the dial

    def clear(self) -> None:
        self._dials.clear()

    def start(self, lid: str, member: str, agents: dict[str, AgentLive], ts: float | None) -> bool:
        """HOTLINE_AGENT set on the call's first channel: ``member`` dials out. True: the view changed."""
        if not member or lid in self._dials:
            return False
        self._dials[lid] = _Dial(member)
        if len(self._dials) > KEPT:
            del self._dials[next(iter(self._dials))]
        return self._show(lid, agents, ts)

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
        dial.answered = True
        return self._show(lid, agents, msg.timestamp)

    def ended(self, lid: str, agents: dict[str, AgentLive], ts: float | None) -> bool:
        """The first channel hung up: the member is back to what the PBX last said of it."""
        dial = self._dials.pop(lid, None)
        agent = agents.get(dial.member) if dial is not None else None
        if dial is None or agent is None or agent.call_id != lid:
            return False
        agent.state, agent.since, agent.call_id, agent.outbound = dial.resume, ts, None, False
        agent.held_since = agent.consulting = None
        return True

    def status(self, member: str, agent: AgentLive, paused: bool) -> AgentState | None:
        """A device state or pause event of ``member``: the state its dial shows (the device's
        "in use" is this call), None when it has no dial up. The pause is kept for the end."""
        for lid, dial in self._dials.items():
            if dial.member == member and agent.call_id in (None, lid):
                dial.resume = AgentState.PAUSED if paused else AgentState.IDLE
                agent.call_id, agent.outbound = lid, True
                return AgentState.TALKING if dial.answered else AgentState.RINGING
        return None

    def _show(self, lid: str, agents: dict[str, AgentLive], ts: float | None) -> bool:
        dial = self._dials[lid]
        agent = agents.get(dial.member)
        if agent is None or agent.call_id not in (None, lid):
            return False  # not (yet) a member the view knows (its status event shows it), or on a queue call
        state = AgentState.TALKING if dial.answered else AgentState.RINGING
        if (agent.state, agent.call_id) == (state, lid):
            return False
        if agent.call_id is None:
            dial.resume = AgentState.PAUSED if agent.state == AgentState.PAUSED else AgentState.IDLE
        agent.state, agent.since, agent.call_id, agent.outbound = state, ts, lid, True
        return True
