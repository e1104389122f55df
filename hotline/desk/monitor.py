"""Supervisor live monitoring (issue 13 §4): 监听 listen (ChanSpy ``q``), 耳语 whisper to the agent
(``w``), 强插 barge (``B``), 强拆 end the call. The supervisor's own endpoint rings (a phone,
``PJSIP/<ext>``, or ``Local/s@desk-sim-supervisor`` in tests) and, once answered, spies on the
agent's leg. Every use is a ``desk_controls`` row (who, when, which call, which mode): R-PRIVACY,
listening is never secret."""

from __future__ import annotations

from contextlib import suppress
from enum import StrEnum

from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk.calls import AgentCall, ControlResult
from hotline.desk.consult import whole_call
from hotline.desk.controls import run
from hotline.desk.refusals import Refusal, Refused
from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings


class MonitorMode(StrEnum):
    LISTEN = "listen"  # 监听
    WHISPER = "whisper"  # 耳语: the agent hears the supervisor, the caller does not
    BARGE = "barge"  # 强插: both hear the supervisor
    FORCE_HANGUP = "force_hangup"  # 强拆


# q: no beep nor name announcement to the supervisor; E: the spy ends with the agent's leg
SPY_OPTIONS = {MonitorMode.LISTEN: "qE", MonitorMode.WHISPER: "qwE", MonitorMode.BARGE: "qBE"}


def _force_hang_up(a: Ami, s: Settings, call: AgentCall, supervisor: str) -> str:
    """强拆 ends the customer's call, whichever of its agents it was aimed at — the one talking with
    the caller, the consulting one, the consulted one (``consult.whole_call``): the caller first,
    named forced on its own channel (R-ANS-HANGUP-LAST: the figures excuse the call; its hang-up
    handler keeps the mark in CEL for a backfill), then every leg that would outlive it. A 强拆 aimed at the
    consulted agent ends the whole call too: the wallboard shows it on the customer's call, and
    ending its leg alone would hand the caller back to the consulting agent as if nothing had
    been done."""
    whole = whole_call(a, s, call)
    if not whole.caller:
        raise Refused(Refusal.CALLER_UNKNOWN, f"the caller of call {call.call_id} cannot be told: nothing was ended")
    a.action("Setvar", Channel=whole.caller, Variable=ChanVar.FORCED_HANGUP.value, Value=supervisor)
    a.action("Hangup", Channel=whole.caller)
    for leg in whole.legs:
        with suppress(AmiError):  # gone with the caller already: a Local channel's halves go together
            a.action("Hangup", Channel=leg)
    return f"{supervisor} ended call {call.call_id}"


def monitor(s: Settings, db: Session, supervisor: str, agent: str, call_id: str, mode: MonitorMode | str,
            endpoint: str, *, ami: Ami | None = None) -> ControlResult:
    """Rings ``endpoint`` (the supervisor's phone) into ``agent``'s call ``call_id`` in ``mode``;
    ``FORCE_HANGUP`` ends the customer's call instead, consultation included (``HOTLINE_FORCED_HANGUP``
    names the supervisor on the caller's channel, so the record does not read as the agent hanging
    up on the caller)."""
    m = MonitorMode(mode)

    def act(a: Ami, call: AgentCall) -> str:
        if m == MonitorMode.FORCE_HANGUP:
            return _force_hang_up(a, s, call, supervisor)
        a.originate(endpoint, application="ChanSpy", data=f"{call.agent_channel},{SPY_OPTIONS[m]}",
                    callerid=f'"{m.value} {agent}" <{agent}>', timeout_s=30,
                    variables={ChanVar.DESK.value: f"{m.value}:{call_id}"})
        return f"{endpoint} rings to {m.value} on {agent}'s call {call_id}"

    return run(s, db, supervisor, agent, call_id, m.value, endpoint, act, ami)
