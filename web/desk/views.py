"""The agent desk (坐席工作台, issue 13): the page, its event stream, and the agent's actions —
presence (示闲 / 示忙 / 小休 / 签出, 继续整理 / 返回接听), call controls (transfer, 转满意度, standard
phrases, 恶意骚扰, hang up) and dial-out from the history. Every action goes through
``hotline.desk`` and answers JSON with its message: a control on an ended call, another agent's
call or from a second tab is a clear message, never a 500. POSTs carry the CSRF token."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.callbacks.numbers import read_number
from hotline.callbacks.tasks import open_task_for
from hotline.desk import consult, controls, presence
from hotline.desk.calls import ControlResult
from hotline.desk.presence import PresenceResult
from hotline.vocabulary import AgentPresence, CaseStatus
from web.auth.access import roles, user_of_session
from web.callbacks import dial as dial_task
from web.cases.views import kind_labels, status_label
from web.context import db, session_factory, settings
from web.desk.messages import control_message, presence_message, state_label
from web.desk.state import DeskState, stream
from web.i18n import KNOWN_LABELS, label
from web.reasons import reason
from web.refusal import BAD_INPUT, CONFLICT, NOT_ALLOWED, control_answer, presence_answer, refuse

log = logging.getLogger(__name__)
bp = Blueprint("desk", __name__)
CHOSEN = {"available": AgentPresence.AVAILABLE, "busy": AgentPresence.BUSY, "break": AgentPresence.BREAK,
          "logged_out": AgentPresence.LOGGED_OUT}


def _agent() -> str | None:
    return current_user.agent or None


def _no_extension() -> Response:
    return refuse(NOT_ALLOWED, "no_extension", _("Your user has no extension: ask an administrator."))


def _presence_json(r: PresenceResult, what: str) -> Response:
    return presence_answer(r.ok, r.reason, presence_message(r, settings().desk_break_reasons), r.message,
                           r.presence.state.value, what=what)


def _control_json(r: ControlResult) -> Response:
    if r.ok:  # a refusal is logged by web.refusal
        log.info("desk %s by %s on %s: done", r.control, r.agent, r.call_id)
    return control_answer(r, control_message(r))


@bp.get("/desk")
@roles("agent")
def page() -> Any:
    s = settings()
    ext = _agent()
    first = DeskState(s, ext)(db(), keep_step=False) if ext else None
    return render_template("desk/desk.html", ext=ext, reasons=s.desk_break_reasons, first=first, known_agents=s.agents,
                           state_label=state_label,
                           agents=[a for a in s.agents if a != ext], phrases=list(controls.Phrase),
                           wrapup_s=s.desk_wrapup_s, hold_warn_s=s.desk_hold_warn_s,
                           values={k: label(k) for k in sorted(KNOWN_LABELS)},
                           case_values={"kinds": kind_labels(), "statuses": {k: status_label(k) for k in CaseStatus}})


@bp.get("/desk/stream")
@roles("agent")
def events() -> Response:
    ext = _agent()
    if not ext:
        return Response("retry: 60000\n\n", mimetype="text/event-stream")
    session_id = current_user.get_id()

    def allowed(session: Session) -> bool:
        user = user_of_session(session, session_id)
        return user is not None and user.has("agent") and user.agent == ext

    resp = Response(stream(session_factory(), settings(), ext, allowed), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


@bp.post("/desk/presence")
@roles("agent")
def set_presence() -> Any:
    ext = _agent()
    if not ext:
        return _no_extension()
    wanted = request.form.get("state") or ""
    state = CHOSEN.get(wanted)
    if state is None:
        return refuse(BAD_INPUT, "unknown_state", _("Unknown state: %(state)s", state=wanted), what=wanted[:40])
    return _presence_json(presence.set_state(settings(), db(), ext, state, request.form.get("reason") or None),
                          state.value)


@bp.post("/desk/wrapup")
@roles("agent")
def wrapup() -> Any:
    ext = _agent()
    if not ext:
        return _no_extension()
    action = request.form.get("action") or ""
    if action == "extend":  # 继续整理
        return _presence_json(presence.extend_wrapup(settings(), db(), ext), "wrapup:extend")
    if action == "end":  # 返回接听
        return _presence_json(presence.end_wrapup(settings(), db(), ext), "wrapup:end")
    return refuse(BAD_INPUT, "unknown_action", _("Unknown action: %(action)s", action=action), what=action[:40])


@bp.post("/desk/control")
@roles("agent")
def control() -> Any:
    ext = _agent()
    if not ext:
        return _no_extension()
    s, f = settings(), request.form
    call_id, what = (f.get("call_id") or "").strip(), f.get("control") or ""
    if not call_id:
        return refuse(BAD_INPUT, "no_call", _("No call: nothing is ringing or connected at your desk."), what=what[:40],
                      outcome="refused", control=what[:40])
    if what == controls.Control.TRANSFER:
        r = controls.transfer(s, db(), ext, call_id, f.get("to") or "")
    elif what == controls.Control.CONSULT:  # attended transfer: the caller on hold, the agent rings ``to``
        r = consult.start(s, db(), ext, call_id, f.get("to") or "")
    elif what == controls.Control.CONSULT_COMPLETE:
        r = consult.complete(s, db(), ext, call_id)
    elif what == controls.Control.CONSULT_CANCEL:
        r = consult.cancel(s, db(), ext, call_id)
    elif what == controls.Control.SURVEY:
        r = controls.send_to_survey(s, db(), ext, call_id)
    elif what == controls.Control.PHRASE:
        r = controls.play_phrase(s, db(), ext, call_id, f.get("phrase") or "")
    elif what == controls.Control.MALICIOUS:
        r = controls.flag_malicious(s, db(), ext, call_id)
    elif what == controls.Control.HANGUP:
        r = controls.hang_up(s, db(), ext, call_id)
    else:
        what = what[:40]
        return refuse(BAD_INPUT, "unknown_control", _("Unknown control: %(control)s", control=what), what=what,
                      call_id=call_id[:64], outcome="refused", control=what)
    return _control_json(r)


@bp.post("/desk/dial")
@roles("agent")
def dial() -> Any:
    """回拨 from the history, or 外呼 (``kind=out``) of a typed number: the number becomes (or finds)
    the agent's consultation task and is dialled as callbacks are — the agent's phone first, within
    the dialling policy."""
    ext = _agent()
    if not ext:
        return _no_extension()
    s, number = settings(), (request.form.get("number") or "").strip()
    num = read_number(s, number)
    if num is None:
        return refuse(BAD_INPUT, "not_a_number", _("Not dialled: %(reason)s", reason=_("not a phone number.")),
                      what="dial", detail=repr(number[:40]))
    try:
        task = open_task_for(db(), num.e164, "consult")
        if task is None or task.owner not in (None, ext):
            # the task's note is shown as stored on its page (Chinese: the operator's own records'
            # language; until 7 December an English "desk dial-out")
            note = "坐席外呼" if request.form.get("kind") == "out" else "坐席回拨"
            task = callbacks.mark_consultation(db(), s, number, agent=ext, note=note)
            db().commit()
        attempt = dial_task(db(), s, task.id, ext)
    except (callbacks.CallbackError, LookupError) as exc:
        db().rollback()
        # a LookupError: another agent's task, which does not exist for this one
        mine = isinstance(exc, callbacks.CallbackError)
        why = reason(exc) if mine else _("the callback rules refuse it.")
        return refuse(CONFLICT if mine else NOT_ALLOWED, "dial_refused" if mine else "not_yours",
                      _("Not dialled: %(reason)s", reason=why), what="dial", detail=f"{num.e164}: {exc!r}",
                      logged=isinstance(exc, callbacks.DialRefused))  # a refused dial is logged by the dialer
    if request.form.get("kind") == "out":  # 外呼 is no 回拨: until 6 December it said 正在回拨
        said = _("Dialling out to %(number)s (task %(task)s): your phone rings first", number=number, task=task.id)
    else:
        said = _("Calling %(number)s (task %(task)s): your phone rings first", number=number, task=task.id)
    return jsonify(ok=True, message=said, call_id=attempt.call_id)
