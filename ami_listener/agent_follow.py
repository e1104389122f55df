"""An agent on a call no queue event names, as the live view follows it: the agent's own dial
(外呼 / 回拨, ``live_dials``) and a call transferred to it (``live_followed_legs``).

A queue call ties its member with AgentCalled / AgentConnect / AgentComplete; these calls have
none, so the view ties the member itself, one rule for both: ringing on the call (talking once
it is answered), a device state or pause event meanwhile showing the same (the device's "in use"
is this call), and at the end back to what the PBX last said of its pause during the call —
paused or idle. Each class finds the call's members its own way (the dial's phone, the
transfer's leg) and passes them in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.live_snapshot import AgentLive
from hotline.vocabulary import AgentState


def _after(paused: bool) -> AgentState:
    return AgentState.PAUSED if paused else AgentState.IDLE


@dataclass
class FollowedCall:
    call_id: str
    outbound: bool = False  # the agent's own dial: its members are AgentLive.outbound while on it
    # a queue's call tied again after a reconnect (``live_legs``): the queue's events say its states
    # (AgentConnect, AgentComplete, a device's); only its leg's hang-up is this one's to end
    queued: bool = False
    answered: bool = False
    # what each member is once the call ends: the PBX's last word on its pause during the call
    resume: dict[str, AgentState] = field(default_factory=dict)

    @property
    def state(self) -> AgentState:
        return AgentState.TALKING if self.answered else AgentState.RINGING

    def show(self, members: Iterable[str], agents: Mapping[str, AgentLive], ts: float | None) -> bool:
        """``members`` ringing or talking on the call. True: the view changed."""
        state, changed = self.state, False
        for member in members:
            agent = agents.get(member)
            if agent is None or agent.call_id not in (None, self.call_id):
                continue  # not (yet) a member the view knows (its status event ties it), or on another call
            if (agent.state, agent.call_id) == (state, self.call_id):
                continue
            if agent.call_id is None:
                self.resume[member] = _after(agent.state == AgentState.PAUSED)
            agent.state, agent.since, agent.call_id, changed = state, ts, self.call_id, True
            if self.outbound:
                agent.outbound = True
        return changed

    def end(self, members: Iterable[str], agents: Mapping[str, AgentLive], ts: float | None) -> bool:
        """The call (or the member's ring) is over: each of ``members`` still on it is back to what
        the PBX last said of it. True: the view changed."""
        changed = False
        for member in members:
            agent = agents.get(member)
            if agent is not None and agent.call_id == self.call_id:
                agent.state, agent.since, agent.call_id = self.resume.get(member, AgentState.IDLE), ts, None
                agent.held_since = agent.consulting = None
                if self.outbound:
                    agent.outbound = False
                changed = True
        return changed

    def status(self, member: str, agent: AgentLive, paused: bool) -> AgentState | None:
        """A device state or pause event of ``member``, one of the call's: the state the call shows
        (a member the view learns of only now is tied to it), None when it is on another call. The
        pause is kept for the end."""
        if self.queued or agent.call_id not in (None, self.call_id):
            return None
        self.resume[member] = _after(paused)
        agent.call_id = self.call_id
        if self.outbound:
            agent.outbound = True
        return self.state
