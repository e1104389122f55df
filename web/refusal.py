"""One shape for every refusal of the panel's JSON controls (the desk's buttons, the wallboard's
monitoring and forced presence, a database too busy, an expired form): an HTTP error status and
``{"ok": false, "error": <code>, "message": <the user's sentence>}`` (plus what the endpoint adds:
``outcome``, ``control``, ``state``), and one log line. Until 6 December a control on another
agent's call or a break without a reason answered 200 with ``ok: false`` while a control with no
call answered 400: a caller had to read both the status and ``ok``; now the status says it.

The statuses (README "Agent desk (web)", its table): 400 bad input (an unknown control, state or
mode, a break without one of its reasons, not an agent, a form's CSRF token expired), 401 the
session ended, 403 not allowed (another agent's call, no extension on the user, the wrong role),
409 the call or the desk is not in a state for it (the call ended or not answered yet, on a call,
not in 话后整理, consulting already …, the PBX refused it), 503 something the panel depends on is
down (the PBX cannot be reached, the database busy, another change of the agent's state held
up). 404 is only an unknown address: the PBX cannot tell a call that ended from one that never
was, so both are 409 ``call_ended``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify, request
from flask_login import current_user

from hotline.desk.calls import ControlResult
from hotline.desk.refusals import Refusal

log = logging.getLogger(__name__)

BAD_INPUT, NOT_ALLOWED, CONFLICT, UNAVAILABLE = 400, 403, 409, 503
STATUS: dict[Refusal, int] = {
    Refusal.CALL_ENDED: CONFLICT, Refusal.NOT_YOURS: NOT_ALLOWED, Refusal.NOT_ANSWERED: CONFLICT,
    Refusal.NOT_AN_AGENT: BAD_INPUT, Refusal.NOT_ANOTHER_AGENT: BAD_INPUT, Refusal.NOT_A_PHRASE: BAD_INPUT,
    Refusal.NOT_CHOSEN: BAD_INPUT, Refusal.BREAK_REASON: BAD_INPUT, Refusal.ON_A_CALL: CONFLICT,
    Refusal.NOT_IN_WRAPUP: CONFLICT, Refusal.CONSULTING_ALREADY: CONFLICT, Refusal.NOT_CONSULTING: CONFLICT,
    Refusal.CONSULT_NOT_ANSWERED: CONFLICT, Refusal.CONSULTED: CONFLICT,
    # the PBX took the Atxfer and started nothing, as PBX_REFUSED: the call is as it was
    Refusal.CONSULT_NOT_STARTED: CONFLICT,
    # the PBX answered no: mostly the call changed under the control (a channel gone between the
    # look-up and the action), a conflict; unreachable, it is the panel's outage, not the request's
    Refusal.PBX_REFUSED: CONFLICT, Refusal.PBX_UNREACHABLE: UNAVAILABLE,
    # another change of the agent's presence (another panel process, the scheduler) stuck on the
    # PBX or the database: nothing stored, the same click a moment later is the answer
    Refusal.PRESENCE_BUSY: UNAVAILABLE,
}


def status_of(reason: Refusal | None) -> int:
    """The HTTP status of a core refusal; one read back without its code is a conflict."""
    return STATUS.get(reason, CONFLICT) if reason is not None else CONFLICT


def body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message, **extra}


def _user() -> str:
    return getattr(current_user, "username", None) or "-"


def refuse(status: int, code: str, message: str, *, what: str | None = None, call_id: str | None = None,
           detail: str | None = None, logged: bool = False, **extra: Any) -> Response:
    """The refusal's answer, logged once (INFO; WARNING when the panel's own part is down).
    ``what``: the control or state asked; ``detail``: the particulars for the log (the core's
    English message). What the user typed is logged quoted (``%r``): no line of its own in the log.
    ``logged``: another layer logged this refusal already (the callbacks' dialer)."""
    if not logged:
        log.log(logging.WARNING if status >= 500 else logging.INFO,
                "refused %s %r by %s on call %r: %s (%d)%s", request.path, what, _user(),
                call_id, code, status, f": {detail}" if detail else "")
    resp = jsonify(body(code, message, **extra))
    resp.status_code = status
    return resp


def control_answer(r: ControlResult, message: str, **extra: Any) -> Response:
    """A desk control's or the wallboard's monitoring's result: 200 when done, else its refusal."""
    if r.ok:
        return jsonify(ok=True, outcome=r.outcome.value, message=message, control=r.control, **extra)
    code = r.reason.value if r.reason is not None else r.outcome.value
    return refuse(status_of(r.reason), code, message, what=r.control, call_id=r.call_id, detail=r.message,
                  outcome=r.outcome.value, control=r.control, **extra)


def presence_answer(ok: bool, reason: Refusal | None, message: str, detail: str, state: str, *,
                    what: str) -> Response:
    """A presence change's result (the desk's own, the wallboard's forced one)."""
    if ok:
        return jsonify(ok=True, message=message, state=state)
    return refuse(status_of(reason), reason.value if reason is not None else "refused", message, what=what,
                  detail=detail, state=state)
