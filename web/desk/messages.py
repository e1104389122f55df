"""What the desk says after a button, in the page's language. The core's results carry English
sentences (for logs, the CLI and the audit); the agent reads Chinese: a result that went through
says so in the catalogue's words, and a refusal is said from its reason code (``Refusal``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _

from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.desk.presence import PresenceResult
from hotline.desk.refusals import Refusal
from hotline.vocabulary import AgentPresence as P


def state_label(state: str) -> str:
    """A desk state in the page's language (the page's first render and the results' sentences)."""
    labels: dict[str, str] = {
        P.LOGGED_OUT: _("Logged out"), P.AVAILABLE: _("Ready for calls"), P.BUSY: _("Not ready"),
        P.BREAK: _("On a break"), P.RINGING: _("Ringing"), P.TALKING: _("Talking"), P.WRAP_UP: _("After-call work")}
    return labels.get(state, state)


MONITOR_MODES = ("listen", "whisper", "barge", "force_hangup")  # 监听 → 耳语 → 强插 → 强拆, the escalation
FORCED_STATES = (P.BUSY, P.BREAK, P.LOGGED_OUT, P.AVAILABLE)  # what a supervisor sets at the wallboard


def control_name(control: str) -> str:
    """A desk control or monitor mode by the words of the button that makes it: the wallboard's,
    the desk's, and the call page's list of the controls used on the call."""
    names = {"listen": _("Listen in"), "whisper": _("Whisper"), "barge": _("Barge in"),
             "force_hangup": _("Force hang-up"), "transfer": _("Transfer"), "survey": _("Transfer to survey"),
             "phrase": _("Standard phrase"), "malicious": _("Malicious call"), "hangup": _("Hang up"),
             "consult": _("Consult transfer"), "consult_complete": _("Complete transfer"),
             "consult_cancel": _("Cancel consultation")}
    return names.get(control, control)


def refusal_text(reason: Refusal | None, break_reasons: list[str]) -> str:
    """Why a control or a state change was not done, as the agent reads it. ``break_reasons``:
    the reasons a break may be taken for (desk_break_reasons), named when one was missing."""
    if reason is None:  # a result read back from the audit: it kept no code
        return _("Not done.")
    whole = {Refusal.CALL_ENDED: _("The call has ended."), Refusal.NOT_YOURS: _("This is not your call."),
             Refusal.NOT_ANSWERED: _("The call is not answered yet.")}
    if reason in whole:
        return whole[reason]
    why = {Refusal.NOT_AN_AGENT: _("the extension is not an agent of this hotline."),
           Refusal.NOT_ANOTHER_AGENT: _("choose another agent of this hotline."),
           Refusal.NOT_A_PHRASE: _("not a standard phrase."),
           Refusal.NOT_CHOSEN: _("this state is set by the calls and cannot be chosen."),
           Refusal.BREAK_REASON: _("a break needs one of the reasons %(reasons)s.", reasons="、".join(break_reasons)),
           Refusal.ON_A_CALL: _("you are on a call: you can be ready for calls once it ends."),
           Refusal.NOT_IN_WRAPUP: _("you are not in after-call work."),
           Refusal.CONSULTING_ALREADY: _("a consultation is already in progress."),
           Refusal.NOT_CONSULTING: _("no consultation is in progress."),
           Refusal.CONSULT_NOT_ANSWERED: _("the consulted agent has not answered yet."),
           Refusal.CONSULT_NOT_STARTED: _("the phone system did not start the consultation: the caller is still "
                                          "with you."),
           Refusal.CONSULTED: _("you are being consulted: this control would act on the consulting agent, "
                                "not the caller. Hang up ends the consultation."),
           Refusal.CALLER_UNKNOWN: _("the caller's line of this call could not be found: nothing was ended."),
           Refusal.PBX_REFUSED: _("the phone system refused it."),
           Refusal.PBX_UNREACHABLE: _("the phone system cannot be reached."),
           Refusal.PRESENCE_BUSY: _("another change of this state is still under way: try again in a moment.")}
    return _("Not done: %(reason)s", reason=why[reason])


def presence_message(r: PresenceResult, break_reasons: list[str]) -> str:
    if not r.ok:
        return refusal_text(r.reason, break_reasons)
    view = r.presence
    left = view.wrapup_left_s(datetime.now(UTC))
    if left is not None:
        return _("After-call work: %(s)s s left", s=int(left))
    text = _("Your state: %(state)s", state=state_label(view.state))
    return f"{text} ({view.reason})" if view.reason else text


def forced_presence_message(r: PresenceResult, break_reasons: list[str]) -> str:
    """A supervisor set an agent's state (the wallboard): the agent's new state, or why not."""
    if not r.ok:
        return refusal_text(r.reason, break_reasons)
    text = _("%(agent)s: %(state)s", agent=r.presence.agent, state=state_label(r.presence.state))
    return f"{text} ({r.presence.reason})" if r.presence.reason else text


def _done(r: ControlResult) -> str:
    done = {"transfer": _("Call transferred."), "consult": _("Consultation started: the caller is on hold."),
            "consult_complete": _("Transfer completed."),
            "consult_cancel": _("Consultation cancelled: you are back with the caller."),
            "survey": _("The caller is rating your service."), "phrase": _("Standard phrase played to the caller."),
            "malicious": _("Flagged as a malicious call: the warning plays to the caller."),
            "hangup": _("Call hung up."),
            # the wallboard's monitoring (hotline.desk.monitor)
            "listen": _("Your phone will ring: answer it to listen in."),
            "whisper": _("Your phone will ring: once you answer, only the agent hears you."),
            "barge": _("Your phone will ring: once you answer, the caller and the agent both hear you."),
            "force_hangup": _("The call was ended.")}
    return done.get(r.control, r.message)


def control_message(r: ControlResult) -> str:
    if r.outcome == ControlOutcome.DONE:
        return _done(r)
    return refusal_text(r.reason, [])
