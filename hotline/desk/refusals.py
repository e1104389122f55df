"""Why the desk did not do what an agent (or a supervisor at the wallboard) asked. A refused
``ControlResult`` or ``PresenceResult`` carries one of these codes, which the panel says in the
agent's language (``web/desk/messages.py``); its English ``message`` says the same with the
particulars, for logs, the CLI and the audit."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    # the call (hotline.desk.calls.find; the same values as ControlOutcome's)
    CALL_ENDED = "call_ended"
    NOT_YOURS = "not_yours"
    NOT_ANSWERED = "not_answered"
    # what was asked
    NOT_AN_AGENT = "not_an_agent"  # the extension is none of this hotline's agents
    NOT_ANOTHER_AGENT = "not_another_agent"  # a transfer or consultation to oneself or a stranger
    NOT_A_PHRASE = "not_a_phrase"
    NOT_CHOSEN = "not_chosen"  # a state that follows the calls (ringing, talking, after-call work)
    BREAK_REASON = "break_reason"  # a break without one of desk_break_reasons
    ON_A_CALL = "on_a_call"  # 示闲 during a call
    NOT_IN_WRAPUP = "not_in_wrapup"  # 继续整理 / 返回接听 outside after-call work
    CONSULTING_ALREADY = "consulting_already"
    NOT_CONSULTING = "not_consulting"
    CONSULT_NOT_ANSWERED = "consult_not_answered"  # 完成转接 before the consulted agent answered
    # 咨询: the PBX took the Atxfer but no consultation began (hotline.desk.consult.start)
    CONSULT_NOT_STARTED = "consult_not_started"
    # the consulted agent's control during the consultation: its leg is bridged with the consulting
    # agent's, not the caller's (hotline.desk.controls.refuse_consulted)
    CONSULTED = "consulted"
    # 强拆 found the call but not which of its channels is the caller's: nothing was ended
    CALLER_UNKNOWN = "caller_unknown"
    # the PBX
    PBX_REFUSED = "pbx_refused"
    PBX_UNREACHABLE = "pbx_unreachable"
    # another change of the agent's presence held it too long (hotline.desk.presence_lock)
    PRESENCE_BUSY = "presence_busy"


class Refused(Exception):
    """Raised inside a control's action (``controls.run``): the control is refused for ``reason``."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message
