"""Attended transfer from the desk (issue 13 §3): the agent consults another agent while the
caller is on hold, then completes the transfer or cancels back to the caller.

It is Asterisk's own attended transfer, started by AMI ``Atxfer`` on the agent's leg (its transfer
features, set by [hotline-agent-transfer] on every agent's leg, a queue call's or a received
transfer's; features.conf maps ``atxfer``): the caller hears hold music in the call's bridge, the
agent's leg is moved into a consultation bridge with
``Local/<target>@agents-transfer``. Completing hangs the agent's leg up (``atxferdropcall = no``:
the caller is then bridged with the target); cancelling hangs the consultation up (the agent is
back with the caller). Both work the same for simulated Local agents and PJSIP phones: the agent's
leg is the queue member's Local channel in either case.

``Atxfer`` only queues the feature's digits on the leg (Asterisk 16's ``action_atxfer``), and
Asterisk answers success whether or not a transfer feature of the leg takes them: 咨询 is done
only once the consultation's channel is bridged with the agent's leg
(:func:`_consultation_started`), else refused (``CONSULT_NOT_STARTED``).

R-ANS-GREET: ``HOTLINE_CONSULT`` (inherited by the consultation) keeps [hotline-agent-greet] from
greeting the consulting agent; at the completion the target's work number is played to the caller
by a Local channel joining the caller's bridge ([desk-worknum], as the desk's phrases are), and
``HOTLINE_TRANSFER_WORKNUM`` = the target records it on the caller's channel.

A consultation the agent begins on the phone itself (the ``*2`` feature code) is the same
Asterisk transfer: [hotline-agent-transfer] gives the agent's leg ``TRANSFER_CONTEXT`` =
agents-transfer, so the phone's digits dial the same ``Local/<target>@agents-transfer`` channel
— the desk shows it (``under_way``) and completes or cancels it as its own.

The consulted agent's desk shows 咨询中 (来自 <the consulting agent>) until the completion
(``consulted_by``, the listener's ``AgentLive.consulted_by``): its leg is bridged with the
consulting agent's meanwhile, so every control but 挂断 (which ends the consultation) would act on
that agent rather than the caller — a 转满意度 sent the consulting agent to the survey — and is
refused (``controls.refuse_consulted``, in the path of every control).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import calls
from hotline.desk.calls import TRANSFER_CONTEXT, AgentCall, ControlResult
from hotline.desk.controls import Control, refuse, run
from hotline.desk.refusals import Refusal, Refused
from hotline.live_snapshot import AgentLive
from hotline.pbx.ami import Ami
from hotline.settings import Settings
from hotline.vocabulary import AgentState

CALLER_VAR = "DESK_CONSULT_CALLER"  # on the agent's leg while consulting: the held caller's channel
JOIN_WAIT_S = 5.0  # how long the completion waits for the caller to be bridged with the target
# how long 咨询 waits for the consultation's channel: Asterisk dials it as soon as the bridge has read
# the queued digits (an exact extension of [agents-transfer] ends the digit collection)
START_WAIT_S = 5.0


def _consultation(a: Ami, s: Settings, call: AgentCall) -> tuple[str, str] | None:
    """(target, its channel) of the agent's consultation in progress, else None."""
    for c in calls.channels(a):
        to = calls.consulted(c.name)
        if to in s.agents and c.bridge_id and c.bridge_id == call.bridge_id:
            return to, c.name
    return None


def _getvar(a: Ami, channel: str, name: str) -> str:
    return a.action("Getvar", Channel=channel, Variable=name).get("Value") or ""


def start(s: Settings, db: Session, agent: str, call_id: str, to: str, *, ami: Ami | None = None) -> ControlResult:
    """The caller goes on hold, the agent's leg rings ``to``."""
    if to not in s.agents or to == agent:
        return refuse(s, db, agent, agent, call_id, Control.CONSULT, to, Refusal.NOT_ANOTHER_AGENT,
                      f"{to!r} is not another agent of this hotline")

    def act(a: Ami, call: AgentCall) -> str:
        if _consultation(a, s, call) is not None:
            raise Refused(Refusal.CONSULTING_ALREADY, f"{agent} is consulting already")
        a.action("Setvar", Channel=call.agent_channel, Variable=CALLER_VAR, Value=call.caller_channel)
        a.action("Setvar", Channel=call.agent_channel, Variable=f"__{ChanVar.CONSULT.value}", Value=to)
        a.action("Atxfer", Channel=call.agent_channel, Context=TRANSFER_CONTEXT, Exten=to)
        if not _consultation_started(a, call.agent_channel, to):
            # nothing is held for the desk's consultation: a later one begun on the phone names its own
            a.action("Setvar", Channel=call.agent_channel, Variable=CALLER_VAR, Value="")
            a.action("Setvar", Channel=call.agent_channel, Variable=f"__{ChanVar.CONSULT.value}", Value="")
            raise Refused(Refusal.CONSULT_NOT_STARTED,
                          f"the PBX did not start {agent}'s consultation with {to} within {START_WAIT_S:g} s "
                          f"(the leg {call.agent_channel} took no attended transfer)")
        return f"consulting {to}; the caller of {call_id} is on hold"

    return run(s, db, agent, agent, call_id, Control.CONSULT, to, act, ami)


def _consultation_started(a: Ami, leg: str, to: str) -> bool:
    """Whether the consultation of ``to`` is bridged with the agent's ``leg`` (Asterisk bridges
    its channel with the leg while it still rings) within ``START_WAIT_S``; False at once when the
    leg is gone."""
    deadline = time.monotonic() + START_WAIT_S
    while True:
        chans = calls.channels(a)
        bridge = next((c.bridge_id for c in chans if c.name == leg), None)
        if bridge is None:
            return False
        if bridge and any(calls.consulted(c.name) == to and c.bridge_id == bridge for c in chans):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _held_caller(a: Ami, s: Settings, call: AgentCall) -> str:
    """The caller the consultation holds: the desk's own names it (``CALLER_VAR``); for one begun
    on the phone (*2) it is the call's one channel left alone in a bridge (its bridge with the
    agent, hearing hold music) that is no agent's leg. "" if that is not one channel."""
    named = _getvar(a, call.agent_channel, CALLER_VAR)
    if named:
        return named
    chans = [c for c in calls.channels(a) if c.linkedid == call.call_id and c.bridge_id]
    alone = [c.name for c in chans if sum(p.bridge_id == c.bridge_id for p in chans) == 1
             and not any(calls.is_agent_leg(c.name, ag) for ag in s.agents)]
    return alone[0] if len(alone) == 1 else ""


@dataclass(frozen=True)
class WholeCall:
    """The customer's call an agent's ``AgentCall`` is part of, consultation or not."""

    caller: str  # the customer's channel (its hang-up handler keeps the desk's facts); "" if not told
    legs: tuple[str, ...]  # the legs that would outlive the caller: the consultation's, the agents'


def whole_call(a: Ami, s: Settings, call: AgentCall) -> WholeCall:
    """What ends the customer's call ``call`` is part of, whichever agent's it is (强拆). The agent
    talking with the caller: its bridge peer is the caller, and its leg ends with that bridge. The
    consulting agent: its peer is the consultation's channel, the caller is held in the call's
    bridge (:func:`_held_caller`). The consulted agent: ``calls.find`` names the consultation's
    channel (``Local/<it>@agents-transfer-…;1``) or the agent's own leg, bridged with that
    channel's ``;2`` side, as its leg; that channel is bridged with the consulting agent's leg
    meanwhile — or with the caller, once the transfer completed. Ending only the caller during a
    consultation would leave the two agents bridged (Asterisk completes the transfer without the
    caller); ending only the peer ends the consultation and leaves the caller on the line."""
    if calls.consulted(call.caller_channel) is not None:
        return WholeCall(_held_caller(a, s, call), (call.caller_channel, call.agent_channel))
    first = calls.consultation_of(call.caller_channel)
    if first is None and calls.consulted(call.agent_channel) is None:
        return WholeCall(call.caller_channel, ())
    first = first or call.agent_channel
    chans = calls.channels(a)
    bridge = next((c.bridge_id for c in chans if c.name == first), "")
    peers = [c.name for c in chans
             if bridge and c.bridge_id == bridge and c.name != first and not calls.is_player(c.name)]
    by = next(((ag, p) for p in peers for ag in s.agents if calls.is_agent_leg(p, ag)), None)
    if by is None:  # completed: the consultation's channel is the caller's peer now
        return WholeCall(peers[0] if len(peers) == 1 else "", tuple(dict.fromkeys((first, call.agent_channel))))
    agent, leg = by
    held = _held_caller(a, s, AgentCall(call.call_id, agent, leg, first, bridge))
    return WholeCall(held, tuple(dict.fromkeys((first, leg, call.agent_channel))))


def _joined(a: Ami, caller: str, target_leg: str) -> bool:
    deadline = time.monotonic() + JOIN_WAIT_S
    while time.monotonic() < deadline:
        chans = {c.name: c.bridge_id for c in calls.channels(a)}
        if caller not in chans:
            return False
        if chans[caller] and chans[caller] == chans.get(target_leg):
            return True
        time.sleep(0.1)
    return False


def _play_worknum(a: Ami, caller: str, to: str, call_id: str, by: str) -> None:
    """R-ANS-GREET: ``to``'s work number into the caller's bridge ([desk-worknum])."""
    a.originate(f"Local/s@{calls.WORKNUM_PLAYER}/n", application="BridgeAdd", data=caller,
                callerid=f'"desk {by}" <{by}>', timeout_s=10,
                variables={"DESK_WORKNUM": to, ChanVar.DESK.value: f"worknum:{call_id}"})


def complete(s: Settings, db: Session, agent: str, call_id: str, *, ami: Ami | None = None) -> ControlResult:
    """The caller is bridged with the consulted agent and hears that agent's work number."""
    def act(a: Ami, call: AgentCall) -> str:
        found = _consultation(a, s, call)
        if found is None:
            raise Refused(Refusal.NOT_CONSULTING, f"{agent} is not consulting anyone")
        to, leg = found
        if next((c.state for c in calls.channels(a) if c.name == leg), "") != "Up":
            raise Refused(Refusal.CONSULT_NOT_ANSWERED, f"{to} has not answered the consultation")
        caller = _held_caller(a, s, call)
        if caller:  # before the completion: greet_completed (the scheduler's) leaves this one to us
            a.action("Setvar", Channel=caller, Variable=ChanVar.TRANSFER_WORKNUM.value, Value=to)
        a.action("Hangup", Channel=call.agent_channel)  # atxferdropcall = no: this completes it
        if not caller or not _joined(a, caller, leg):
            return f"call {call_id} transferred to {to}; its work number could not be played"
        _play_worknum(a, caller, to, call_id, agent)
        return f"call {call_id} transferred to {to}"

    return run(s, db, agent, agent, call_id, Control.CONSULT_COMPLETE, None, act, ami)


def cancel(s: Settings, db: Session, agent: str, call_id: str, *, ami: Ami | None = None) -> ControlResult:
    """The consultation ends, answered or still ringing (Asterisk bridges the ringing target's
    channel with the agent's leg already); the agent is back with the caller."""
    def act(a: Ami, call: AgentCall) -> str:
        found = _consultation(a, s, call)
        if found is None:
            raise Refused(Refusal.NOT_CONSULTING, f"{agent} is not consulting anyone")
        to, leg = found
        a.action("Hangup", Channel=leg)  # the target's hang-up rebridges the agent with the caller
        a.action("Setvar", Channel=call.agent_channel, Variable=f"__{ChanVar.CONSULT.value}", Value="")
        return f"consultation with {to} ended; back with the caller of {call_id}"

    return run(s, db, agent, agent, call_id, Control.CONSULT_CANCEL, None, act, ami)


def under_way(live: AgentLive) -> bool:
    """Whether a consultation (咨询转接) of the agent's call is under way — 完成转接 / 取消咨询 make
    sense — as the PBX shows it (the listener's snapshot), whoever began it: the desk, the phone's
    *2, a bare AMI Atxfer. The agent talks on the call, Asterisk holds the caller (Hold on the
    agent's leg) and the consultation's channel, dialled on the agent's call, is up
    (``AgentLive.consulting``). It ends with that channel (cancelled, the consulted party hung
    up, no answer) or the agent's leg (completed); the phone's own hold key is none."""
    return (live.state == AgentState.TALKING and bool(live.call_id) and live.held_since is not None
            and live.consulting is not None)


def greet_completed(s: Settings, a: Ami) -> list[str]:
    """R-ANS-GREET after an attended transfer completed outside the desk (the phone's *2 and its
    hang-up, a bare AMI ``Atxfer``): its consultation greeted no one ([agents-transfer-consult]);
    once the consulting agent has left, the consultation's channel
    ``Local/<target>@agents-transfer-…;1`` is bridged with the caller alone — then the caller
    hears the target's work number, once (``HOTLINE_TRANSFER_WORKNUM`` = the target marks it, set
    first; the desk's own completion sets it before it completes). The scheduler runs this every
    ``desk_sync_interval_s``. Returns the calls greeted."""
    chans = calls.channels(a)
    done: list[str] = []
    for c in chans:
        to = calls.consulted(c.name)
        if to is None or to not in s.agents or not c.bridge_id or c.state != "Up":
            continue
        peers = [p for p in chans if p.bridge_id == c.bridge_id and p.name != c.name]
        if len(peers) != 1 or any(calls.is_agent_leg(peers[0].name, ag) for ag in s.agents):
            continue  # still consulting (the agent's leg), or a bridge of more parties
        caller = peers[0].name
        if _getvar(a, caller, ChanVar.TRANSFER_WORKNUM.value) == to:
            continue
        a.action("Setvar", Channel=caller, Variable=ChanVar.TRANSFER_WORKNUM.value, Value=to)
        _play_worknum(a, caller, to, c.linkedid, "system")
        done.append(c.linkedid)
    return done
