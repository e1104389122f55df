"""Finding an agent's live call on the PBX, which every call control checks first: the call must be
up and this agent's (issue 13 §3). A control on an ended call, on another agent's call, or on a
call still ringing gets a ``ControlResult`` saying so — never an exception.

An agent's leg is the queue member's channel: ``Local/<ext>@agents-…;1`` (simulated agents) or
``Local/<ext>@agents-phone-…;1`` (phones), also after a transfer to the agent (agents-transfer
dials the same Local members), else the phone's own ``PJSIP/<ext>-…`` (a callback); the caller is
the other channel of its bridge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hotline.desk.refusals import Refusal
from hotline.pbx.ami import Ami

# the context every transfer to an agent goes through: the desk's 转接 and 咨询转, a phone's #1 and
# *2 (the agent's leg's TRANSFER_CONTEXT, set by [hotline-agent-transfer])
TRANSFER_CONTEXT = "agents-transfer"
# an attended transfer's consultation: Asterisk dials it as a new Local channel in the context the
# transfer names; its ;2 side dials the consulted agent
# the desk's prompt players ([desk-phrase], [desk-worknum] in extensions.conf): a Local channel
# added to the caller's bridge for the prompt's length — a third party there, never the caller
PHRASE_PLAYER, WORKNUM_PLAYER = "desk-phrase", "desk-worknum"
_CONSULTATION = re.compile(rf"^Local/(\d+)@{TRANSFER_CONTEXT}-[0-9a-f]+;([12])$")


class ControlOutcome(StrEnum):
    DONE = "done"
    CALL_ENDED = "call_ended"  # no channel of the call is up
    NOT_YOURS = "not_yours"  # the call is up, but this agent is not on it
    NOT_ANSWERED = "not_answered"  # the agent's leg is not bridged with a caller (yet)
    REFUSED = "refused"  # a wrong argument, or the PBX refused the action


@dataclass(frozen=True)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    bridge_id: str
    state: str  # ChannelStateDesc: Up, Ringing, …


@dataclass(frozen=True)
class AgentCall:
    """An agent's answered call as it is on the PBX now."""

    call_id: str
    agent: str
    agent_channel: str  # the agent's leg (its queue member channel)
    caller_channel: str  # the caller's channel, bridged with the agent's leg
    bridge_id: str


@dataclass(frozen=True)
class ControlResult:
    """What the desk shows after a control: ``ok``, or why not — ``reason`` for the panel to say,
    ``message`` in English with the particulars (logs, the audit)."""

    control: str
    agent: str
    call_id: str
    outcome: ControlOutcome
    message: str
    detail: str | None = None
    reason: Refusal | None = None  # set when not done

    @property
    def ok(self) -> bool:
        return self.outcome == ControlOutcome.DONE


def channels(ami: Ami) -> list[Channel]:
    return [Channel(e.get("Channel", ""), e.get("Uniqueid", ""), e.get("Linkedid", ""), e.get("BridgeId", ""),
                    e.get("ChannelStateDesc", ""))
            for e in ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
            if e.get("Event") == "CoreShowChannel"]


def is_agent_leg(name: str, agent: str) -> bool:
    """The queue member's channel, or the agent's phone itself (a callback rings ``PJSIP/<ext>``)."""
    return (name.startswith(f"Local/{agent}@agents-") and name.endswith(";1")) or name.startswith(f"PJSIP/{agent}-")


def is_player(name: str) -> bool:
    return any(name.startswith(f"Local/s@{p}-") for p in (PHRASE_PLAYER, WORKNUM_PLAYER))


def consulted(name: str) -> str | None:
    """The extension a consultation's channel ``name`` dials, None for any other channel (an
    agent's leg, a caller sent to [agents-transfer] blind is its own channel)."""
    m = _CONSULTATION.match(name)
    return m.group(1) if m and m.group(2) == "1" else None


def consultation_of(name: str) -> str | None:
    """The consultation's channel (``;1``) when ``name`` is its ``;2`` side — the consulted agent's
    leg is bridged with that side — else None."""
    m = _CONSULTATION.match(name)
    return name[:-1] + "1" if m and m.group(2) == "2" else None


def find(ami: Ami, agent: str, call_id: str) -> AgentCall | tuple[ControlOutcome, str]:
    """The agent's answered call ``call_id`` (a Linkedid), or why there is none."""
    chans = [c for c in channels(ami) if c.linkedid == call_id]
    if not chans:
        return ControlOutcome.CALL_ENDED, f"call {call_id} has ended"
    # the member channel first: a phone agent's PJSIP channel is bridged with the member's other
    # side, not with the caller
    legs = sorted((c for c in chans if is_agent_leg(c.name, agent)), key=lambda c: not c.name.startswith("Local/"))
    if not legs:
        return ControlOutcome.NOT_YOURS, f"call {call_id} is not {agent}'s"
    for leg in legs:
        # a prompt playing into the call is in the bridge too: the caller first
        peers = sorted((c for c in chans if leg.bridge_id and c.bridge_id == leg.bridge_id and c.name != leg.name),
                       key=lambda c: is_player(c.name))
        if peers:
            return AgentCall(call_id, agent, leg.name, peers[0].name, leg.bridge_id)
    return ControlOutcome.NOT_ANSWERED, f"{agent} has not answered call {call_id}"

