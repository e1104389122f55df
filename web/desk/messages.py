"""What the desk says after a button, in the page's language. The core's results carry English
sentences (for logs, the CLI and the audit); the agent reads Chinese: a result that went through
says so in the catalogue's words, a refusal keeps the core's reason after a translated lead."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _

from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.desk.presence import PresenceResult
from hotline.vocabulary import AgentPresence as P


def _state(state: P) -> str:
    return {P.LOGGED_OUT: _("Logged out"), P.AVAILABLE: _("Ready for calls"), P.BUSY: _("Not ready"),
            P.BREAK: _("On a break"), P.RINGING: _("Ringing"), P.TALKING: _("Talking"),
            P.WRAP_UP: _("After-call work")}.get(state, str(state))


def presence_message(r: PresenceResult) -> str:
    if not r.ok:
        return _("Not done: %(reason)s", reason=r.message)
    view = r.presence
    left = view.wrapup_left_s(datetime.now(UTC))
    if left is not None:
        return _("After-call work: %(s)s s left", s=int(left))
    text = _("Your state: %(state)s", state=_state(view.state))
    return f"{text} ({view.reason})" if view.reason else text


def _done(r: ControlResult) -> str:
    done = {"transfer": _("Call transferred."), "consult": _("Consulting: the caller is on hold."),
            "consult_complete": _("Transfer completed."), "consult_cancel": _("Back with the caller."),
            "survey": _("The caller is rating your service."), "phrase": _("Standard phrase played to the caller."),
            "malicious": _("Flagged as a malicious call: the warning plays to the caller."),
            "hangup": _("Call hung up.")}
    return done.get(r.control, r.message)


def control_message(r: ControlResult) -> str:
    if r.outcome == ControlOutcome.DONE:
        return _done(r)
    lead = {ControlOutcome.CALL_ENDED: _("The call has ended."),
            ControlOutcome.NOT_YOURS: _("This is not your call."),
            ControlOutcome.NOT_ANSWERED: _("The call is not answered yet.")}.get(r.outcome, _("Not done:"))
    return f"{lead} {r.message}"
