"""An agent's call controls through AMI (issue 13 §3). Each one first finds the agent's live
call (``calls.find``): a control on an ended call, another agent's call or a call not answered
yet answers with a ``ControlResult`` saying so, and every use is stored (``desk_controls``).

- transfer (blind) to another agent (``agents-transfer``) or back to the queue; attended transfer
  (consult, then complete or cancel) is ``hotline.desk.consult``;
- 转满意度 (R-SURVEY): the caller goes to ``hotline-survey``, and ``HOTLINE_SURVEY_AGENT`` on the
  caller's channel names the agent who sent them, so the rating is credited to that agent;
- standard phrases (R-ANS-SILENT): played into the call by a Local channel that joins the caller's
  bridge (``[desk-phrase]`` in extensions.conf);
- 恶意骚扰 (R-ANS-HANGUP-LAST's exception): ``HOTLINE_MALICIOUS`` names the flagging agent on the
  caller's channel and the warning plays to the caller; the agent may then hang up;
- hang up the agent's leg.

Every control passes :func:`run`, which first refuses a control of an agent consulted on the call
(:func:`refuse_consulted`): whoever asks — the desk, the CLI, a script — gets the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import audit, calls
from hotline.desk.calls import TRANSFER_CONTEXT, AgentCall, ControlOutcome, ControlResult
from hotline.desk.live import live_of
from hotline.desk.refusals import Refusal, Refused
from hotline.live_snapshot import AgentLive
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.settings import Settings
from hotline.vocabulary import AgentState

QUEUE = "queue"  # transfer target: back to the hotline queue


class Control(StrEnum):
    TRANSFER = "transfer"
    SURVEY = "survey"
    PHRASE = "phrase"
    MALICIOUS = "malicious"
    HANGUP = "hangup"
    CONSULT = "consult"  # attended transfer (hotline/desk/consult.py): consult another agent
    CONSULT_COMPLETE = "consult_complete"  # … and transfer the caller to them
    CONSULT_CANCEL = "consult_cancel"  # … or go back to the caller


class Phrase(StrEnum):
    """The standard phrases an agent may play to the caller (prompt ids of hotline/phrases.toml)."""

    SILENT_CALLER = "silent_caller"  # R-ANS-SILENT: 您好,这里是…客服中心,请讲。
    PLEASE_REPEAT = "please_repeat"  # R-ANS-SILENT: 对不起,请您重复一遍好吗?
    THANKS = "goodbye"  # R-ANS-SILENT: 感谢您对…的支持,欢迎您继续关注,再见。


MALICIOUS_WARNING = "malicious_warning"
# what the consulted agent may do during the consultation: its 挂断 ends the consultation (the
# consulting agent is back with the caller); every other control acts on the party bridged with
# its leg — the consulting agent — and so is refused
WHILE_CONSULTED = frozenset({Control.HANGUP})


def consulted_by(live: AgentLive | None, call_id: str | None) -> str | None:
    """The agent whose consultation rings or talks to this one on call ``call_id``, until the
    transfer completes or the consultation ends (the listener's snapshot); else None."""
    if (live is None or not call_id or live.call_id != call_id
            or live.state not in (AgentState.RINGING, AgentState.TALKING)):
        return None
    return live.consulted_by


def refuse_consulted(s: Settings, db: Session, agent: str, call_id: str, control: str,
                     detail: str | None = None, actor: str | None = None) -> ControlResult | None:
    """The refusal of ``control`` by an agent consulted on ``call_id`` (stored, as every refusal),
    None when it may go on: the agent is not consulted there, or the control is 挂断 or none of the
    desk's (a supervisor's monitoring goes on: it is not the agent acting on the bridged leg)."""
    if control not in set(Control) or control in WHILE_CONSULTED:
        return None
    by = consulted_by(live_of(db, agent, s.queue_name)[0], call_id)
    if by is None:
        return None
    return refuse(s, db, actor or agent, agent, call_id, control, detail, Refusal.CONSULTED,
                  f"{agent} is consulted by {by} on {call_id}: its leg is bridged with {by}'s, not the caller's")


def run(s: Settings, db: Session, actor: str, agent: str, call_id: str, control: str, detail: str | None,
        act: Callable[[Ami, AgentCall], str], ami: Ami | None = None) -> ControlResult:
    """Finds the call, runs ``act`` on it (its return is the message; it raises ``Refused`` to
    refuse), stores the use. An agent consulted on the call is refused first, without asking the
    PBX (:func:`refuse_consulted`). An AMI error is checked against the call again: a call that
    ended meanwhile says so."""
    held = refuse_consulted(s, db, agent, call_id, control, detail, actor)
    if held is not None:
        return held

    def attempt(a: Ami) -> tuple[ControlOutcome, str, Refusal | None]:
        found = calls.find(a, agent, call_id)
        if not isinstance(found, AgentCall):
            return found[0], found[1], Refusal(found[0].value)
        try:
            return ControlOutcome.DONE, act(a, found), None
        except Refused as exc:
            return ControlOutcome.REFUSED, exc.message, exc.reason
        except AmiError as exc:
            again = calls.find(a, agent, call_id)
            if not isinstance(again, AgentCall):
                return again[0], again[1], Refusal(again[0].value)
            return ControlOutcome.REFUSED, f"the PBX refused: {exc}", Refusal.PBX_REFUSED

    try:
        if ami is not None:
            outcome, message, reason = attempt(ami)
        else:
            with Ami.from_settings(s, role=AmiRole.DESK) as own:
                outcome, message, reason = attempt(own)
    except AmiError as exc:
        outcome, message, reason = ControlOutcome.REFUSED, f"the PBX cannot be reached: {exc}", Refusal.PBX_UNREACHABLE
    result = ControlResult(str(control), agent, call_id, outcome, message, detail, reason)
    audit.record(db, s, actor, result)
    return result


def refuse(s: Settings, db: Session, actor: str, agent: str, call_id: str, control: str, detail: str | None,
           reason: Refusal, message: str) -> ControlResult:
    result = ControlResult(str(control), agent, call_id, ControlOutcome.REFUSED, message, detail, reason)
    audit.record(db, s, actor, result)
    return result


def transfer(s: Settings, db: Session, agent: str, call_id: str, to: str, *, ami: Ami | None = None) -> ControlResult:
    """Blind transfer of the caller to agent ``to`` or, with ``to="queue"``, back to the queue."""
    if to != QUEUE and (to not in s.agents or to == agent):
        return refuse(s, db, agent, agent, call_id, Control.TRANSFER, to, Refusal.NOT_ANOTHER_AGENT,
                      f"{to!r} is not another agent of this hotline, nor {QUEUE!r}")
    context, exten = ("hotline-queue", "s") if to == QUEUE else (TRANSFER_CONTEXT, to)

    def act(a: Ami, call: AgentCall) -> str:
        a.action("BlindTransfer", Channel=call.agent_channel, Context=context, Exten=exten)
        return f"call {call_id} transferred to {to}"

    return run(s, db, agent, agent, call_id, Control.TRANSFER, to, act, ami)


def send_to_survey(s: Settings, db: Session, agent: str, call_id: str, *, ami: Ami | None = None) -> ControlResult:
    """转满意度 (R-SURVEY): the agent's leg ends, the caller is asked to rate; the rating is the
    sending agent's (``HOTLINE_SURVEY_AGENT``)."""
    def act(a: Ami, call: AgentCall) -> str:
        a.action("Setvar", Channel=call.caller_channel, Variable=ChanVar.SURVEY_AGENT.value, Value=agent)
        a.action("Redirect", Channel=call.caller_channel, Context="hotline-survey", Exten="s", Priority=1)
        return f"the caller of {call_id} is rating {agent}'s service"

    return run(s, db, agent, agent, call_id, Control.SURVEY, None, act, ami)


def _play(a: Ami, s: Settings, call: AgentCall, prompt: str) -> None:
    """Plays ``hotline/<prompt>`` into the call: one side of a Local channel joins the caller's
    bridge (BridgeAdd: a third party, mixed to caller and agent, so the call's recording holds it
    too), the other side plays the prompt and hangs up, which takes the player out again. The
    mix runs on its own clock: it is heard even while neither party sends audio."""
    a.originate(f"Local/s@{calls.PHRASE_PLAYER}/n", application="BridgeAdd", data=call.caller_channel,
                callerid=f'"desk {call.agent}" <{call.agent}>', timeout_s=10,
                variables={"DESK_PHRASE": prompt, ChanVar.DESK.value: f"phrase:{call.call_id}"})


def play_phrase(s: Settings, db: Session, agent: str, call_id: str, phrase: Phrase | str, *,
                ami: Ami | None = None) -> ControlResult:
    """R-ANS-SILENT: a standard phrase played to the caller during the call."""
    try:
        p = Phrase(phrase)
    except ValueError:
        return refuse(s, db, agent, agent, call_id, Control.PHRASE, str(phrase), Refusal.NOT_A_PHRASE,
                      f"{phrase!r} is not a standard phrase ({', '.join(p.value for p in Phrase)})")

    def act(a: Ami, call: AgentCall) -> str:
        _play(a, s, call, p.value)
        return f"playing {p.value} to the caller of {call_id}"

    return run(s, db, agent, agent, call_id, Control.PHRASE, p.value, act, ami)


def flag_malicious(s: Settings, db: Session, agent: str, call_id: str, *, ami: Ami | None = None) -> ControlResult:
    """恶意骚扰: the call is flagged (``HOTLINE_MALICIOUS`` = the agent) and the warning plays to the
    caller; the agent may then hang up without breaking R-ANS-HANGUP-LAST."""
    def act(a: Ami, call: AgentCall) -> str:
        a.action("Setvar", Channel=call.caller_channel, Variable=ChanVar.MALICIOUS.value, Value=agent)
        _play(a, s, call, MALICIOUS_WARNING)
        return f"call {call_id} flagged malicious; the warning is playing to the caller"

    return run(s, db, agent, agent, call_id, Control.MALICIOUS, None, act, ami)


def hang_up(s: Settings, db: Session, agent: str, call_id: str, *, ami: Ami | None = None) -> ControlResult:
    def act(a: Ami, call: AgentCall) -> str:
        a.action("Hangup", Channel=call.agent_channel)
        return f"{agent} hung up call {call_id}"

    return run(s, db, agent, agent, call_id, Control.HANGUP, None, act, ami)
