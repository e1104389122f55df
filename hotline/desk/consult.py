"""Attended transfer from the desk (issue 13 §3): the agent consults another agent while the
caller is on hold, then completes the transfer or cancels back to the caller.

It is Asterisk's own attended transfer, started by AMI ``Atxfer`` on the agent's leg (the queue
dials members with option ``t``; features.conf maps ``atxfer``): the caller hears hold music in the
call's bridge, the agent's leg is moved into a consultation bridge with
``Local/<target>@agents-transfer``. Completing hangs the agent's leg up (``atxferdropcall = no``:
the caller is then bridged with the target); cancelling hangs the consultation up (the agent is
back with the caller). Both work the same for simulated Local agents and PJSIP phones: the agent's
leg is the queue member's Local channel in either case.

R-ANS-GREET: ``HOTLINE_CONSULT`` (inherited by the consultation) keeps [hotline-agent-greet] from
greeting the consulting agent; at the completion the target's work number is played to the caller
by a Local channel joining the caller's bridge ([desk-worknum], as the desk's phrases are), and
``HOTLINE_TRANSFER_WORKNUM`` = the target records it on the caller's channel.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import calls
from hotline.desk.calls import AgentCall, ControlOutcome, ControlResult
from hotline.desk.controls import Control, refuse, run
from hotline.desk.refusals import Refusal, Refused
from hotline.models.desk import DeskControl
from hotline.pbx.ami import Ami
from hotline.settings import Settings

CALLER_VAR = "DESK_CONSULT_CALLER"  # on the agent's leg while consulting: the held caller's channel
# the consultation Asterisk dials for an attended transfer (desk, *2 or AMI Atxfer alike)
_CONSULTATION = re.compile(r"^Local/(\d+)@agents-transfer-[0-9a-f]+;1$")
JOIN_WAIT_S = 5.0  # how long the completion waits for the caller to be bridged with the target
ASK_SLACK_S = 15.0  # a 咨询转接's hold begins at most this far from its row (under_way)


def _consultation(a: Ami, s: Settings, call: AgentCall) -> tuple[str, str] | None:
    """(target, its channel) of the agent's consultation in progress, else None."""
    for c in calls.channels(a):
        for to in s.agents:
            if c.name.startswith(f"Local/{to}@agents-transfer-") and c.name.endswith(";1") \
                    and c.bridge_id and c.bridge_id == call.bridge_id:
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
        a.action("Atxfer", Channel=call.agent_channel, Context="agents-transfer", Exten=to)
        return f"consulting {to}; the caller of {call_id} is on hold"

    return run(s, db, agent, agent, call_id, Control.CONSULT, to, act, ami)


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
    a.originate("Local/s@desk-worknum/n", application="BridgeAdd", data=caller,
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
        caller = _getvar(a, call.agent_channel, CALLER_VAR)
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


def under_way(db: Session, s: Settings, agent: str, call_id: str, held_since: float | None) -> bool:
    """Whether a 咨询转接 of the agent's desk on the call is under way (完成转接 / 取消咨询 make
    sense): the agent's last 咨询转接 / 完成转接 / 取消咨询 done on it (``desk_controls``) is the
    咨询转接, and the caller is still held by it — Asterisk holds the caller (Hold on the agent's
    leg, ``held_since``) until the consultation ends, the consulted party's own hang-up included,
    which leaves no row. The consultation's hold begins as it is asked, its row once the PBX
    answered: a hold begun more than ASK_SLACK_S from the row (an ask answered late under load)
    is another, the phone's own — one after the consulted party hung up, one before the ask."""
    if held_since is None:
        return False
    last = db.execute(select(DeskControl.control, DeskControl.at).where(
        DeskControl.server == s.server_id, DeskControl.agent == agent, DeskControl.call_id == call_id,
        DeskControl.control.in_([Control.CONSULT, Control.CONSULT_COMPLETE, Control.CONSULT_CANCEL]),
        DeskControl.outcome == ControlOutcome.DONE)
        .order_by(DeskControl.at.desc(), DeskControl.id.desc()).limit(1)).first()
    return last is not None and last[0] == Control.CONSULT and abs(held_since - last[1].timestamp()) <= ASK_SLACK_S


def greet_completed(s: Settings, a: Ami) -> list[str]:
    """R-ANS-GREET after an attended transfer made outside the desk (a phone's *2 feature code, a
    bare AMI ``Atxfer``): its consultation greeted no one ([agents-transfer-consult]); once the
    consulting agent has left, the consultation's channel ``Local/<target>@agents-transfer-…;1``
    is bridged with the caller alone — then the caller hears the target's work number, once
    (``HOTLINE_TRANSFER_WORKNUM`` = the target marks it, set first; the desk's own completion sets
    it before it completes). The scheduler runs this every ``desk_sync_interval_s``. Returns the
    calls greeted."""
    chans = calls.channels(a)
    done: list[str] = []
    for c in chans:
        m = _CONSULTATION.match(c.name)
        if m is None or m.group(1) not in s.agents or not c.bridge_id or c.state != "Up":
            continue
        to = m.group(1)
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
