"""Attended transfers' consultations on the live view (咨询转接: ``hotline.desk.consult``).

Asterisk dials a consultation as a new channel ``Local/<target>@agents-transfer-…;1`` on the
agent's call (its Linkedid), whoever began the transfer: the desk (AMI Atxfer) or the agent's
phone itself (*2, through the leg's TRANSFER_CONTEXT set by [hotline-agent-transfer]). The agent
talking on that call consults ``target`` (``AgentLive.consulting``) until that channel hangs up
— cancelled, the consulted party hung up, never answered — or the agent leaves the call (a
completion hangs the agent's leg up: ``LiveView`` clears it with the call).

The consulted agent, tied to the same call by the consultation's dial (``live_followed_legs``), is
``AgentLive.consulted_by`` the consulting member meanwhile (:meth:`Consultations.consulted_by`):
until 7 December its desk showed the caller's call and offered controls that acted on the
consulting agent's leg. After a listener reconnect both are tied again from the channels
(:meth:`Consultations.rebuild`, ``live_legs``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ami_listener.live_legs import Consultation
from ami_listener.reader import Message
from hotline.desk.calls import consulted
from hotline.live_snapshot import AgentLive
from hotline.vocabulary import AgentState

KEPT = 512  # consultations whose hang-up was missed (a gap) are forgotten, oldest first, beyond this many


@dataclass(frozen=True)
class _Consultation:
    call_id: str
    target: str
    members: frozenset[str]  # the members consulting on it


class Consultations:
    def __init__(self) -> None:
        self._up: dict[str, _Consultation] = {}  # the consultation's channel → it

    def clear(self) -> None:
        self._up.clear()

    def dialled(self, msg: Message, agents: dict[str, AgentLive]) -> bool:
        """A Newchannel: a consultation of an agent's call begins. True: the view changed."""
        h = msg.headers
        chan, lid = h.get("Channel") or "", h.get("Linkedid") or ""
        target = consulted(chan)
        if target is None or not lid:
            return False
        members = frozenset(m for m, a in agents.items() if a.state == AgentState.TALKING and a.call_id == lid)
        if not members:
            return False
        self._up[chan] = _Consultation(lid, target, members)
        if len(self._up) > KEPT:
            del self._up[next(iter(self._up))]
        for m in members:
            agents[m].consulting = target
        return True

    def rebuild(self, under_way: Sequence[Consultation], members_on: Callable[[str], set[str]],
                agents: dict[str, AgentLive]) -> bool:
        """After a reconnect (``LiveView.rebuild``), the agents' legs tied again first: each
        consultation under way (``live_legs.consultations``) is its consulting agents' again — those
        talking on its call — so its consulted agent is marked (:meth:`consulted_by`) and the
        desk's guard (``controls.refuse_consulted``) holds again. True: the view changed."""
        changed = False
        for c in under_way:
            target = consulted(c.channel)
            members = frozenset(m for leg in c.legs for m in members_on(leg) if (a := agents.get(m)) is not None
                                and a.state == AgentState.TALKING and a.call_id == c.call_id)
            if target is None or not members:
                continue
            self._up[c.channel] = _Consultation(c.call_id, target, members)
            for m in members:
                agents[m].consulting, changed = target, True
        return changed

    def consulted_by(self, agents: dict[str, AgentLive]) -> dict[str, str]:
        """Each agent a consultation rings or talks to → the member consulting it: an agent on the
        consultation's call other than its consulting members, while one of those still consults
        it — the completion (the consulting agent leaves the call) or the consultation's hang-up
        ends it."""
        by: dict[str, str] = {}
        for c in self._up.values():
            still = sorted(m for m in c.members if (a := agents.get(m)) is not None
                           and a.call_id == c.call_id and a.consulting == c.target)
            if not still:
                continue
            for m, a in agents.items():
                if m not in c.members and a.call_id == c.call_id and a.state in (AgentState.RINGING,
                                                                                 AgentState.TALKING):
                    by[m] = still[0]
        return by

    def ended(self, channel: str, agents: dict[str, AgentLive]) -> bool:
        """A Hangup: the consultation's channel is gone. True: the view changed."""
        c = self._up.pop(channel, None)
        if c is None:
            return False
        changed = False
        for m in c.members:
            agent = agents.get(m)
            # a completed transfer's channel lives on with the caller: its agent may consult on another call by now
            if agent is not None and agent.call_id == c.call_id and agent.consulting == c.target:
                agent.consulting, changed = None, True
        return changed
