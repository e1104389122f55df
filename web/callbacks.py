"""Callback tasks as the panel sees them, through the callbacks API (``hotline.callbacks``), and the
agent's dial button. Kept in one place so the agent page, the dial button and the JSON API apply
the same visibility rule: an agent sees and dials only their own tasks and anyone's (owner unset);
supervisors see every task. The task page records what the CLI did only before: an attempt's
outcome, a revisit's answers, cancelling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import callbacks, cases
from hotline.callbacks.dialer import COUNTED
from hotline.models.callbacks import OPEN_STATUSES, TASK_REASONS, CallbackAttempt, CallbackTask
from hotline.settings import Settings
from hotline.vocabulary import Role
from web import filters
from web.auth.access import roles
from web.context import db, settings
from web.reasons import reason

log = logging.getLogger(__name__)
bp = Blueprint("callbacks", __name__)


class TaskFilter:
    """?agent= (supervisors only; an agent is always themselves), ?reason=, ?overdue=1."""

    def __init__(self, args: Any, agent: str | None, is_agent: bool):
        self.errors: list[str] = []
        self.agent = agent if is_agent else ((args.get("agent") or "").strip()[:64] or None)
        self.reason = (args.get("reason") or "").strip() or None
        if self.reason is not None and self.reason not in TASK_REASONS:
            self.errors.append(filters.not_one_of("reason", self.reason, list(TASK_REASONS)))
            self.reason = None
        self.overdue = args.get("overdue") == "1"


def open_callback_tasks(db: Session, s: Settings, agent: str | None, reason: str | None = None,
                        overdue: bool = False, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Open tasks, most urgent first, as ``callbacks.task_dict`` (times in the operator's zone):
    with ``agent``, that agent's tasks and anyone's; without, all of them. ``limit``/``offset``:
    one page (only without the reason and overdue filters, which are applied to the rows)."""
    tasks = callbacks.open_tasks(db, agent=agent, limit=limit, offset=offset)
    rows = [callbacks.task_dict(t, s.timezone) for t in tasks]
    return [r for r in rows if (reason is None or r["reason"] == reason) and (not overdue or r["overdue"])]


def visible_to(task: CallbackTask | None, agent: str) -> bool:
    return task is not None and task.owner in (None, agent)


def dial(db: Session, s: Settings, task_id: int, agent: str) -> CallbackAttempt:
    """The agent's dial button. A task the agent may not see is LookupError (a 404: it does not
    exist for them); anything the callbacks rules refuse is CallbackError, with its reason."""
    if not visible_to(db.get(CallbackTask, task_id), agent):
        raise LookupError(task_id)
    return callbacks.dial(s, db, task_id, agent)


@bp.post("/agent/tasks/<int:task_id>/dial")
@roles("agent")
def dial_task(task_id: int) -> Any:
    """Click-to-call: the agent's phone rings first, then the customer's (hotline.callbacks.dial)."""
    ext = current_user.agent
    if not ext:
        flash(_("Your user has no extension: ask an administrator."), "error")
        return redirect(url_for("agent.home"), 303)
    try:
        attempt = dial(db(), settings(), task_id, ext)
    except LookupError:
        abort(404)  # another agent's task does not exist for this one
    except callbacks.CallbackError as exc:
        db().rollback()
        if not isinstance(exc, callbacks.DialRefused):  # a refused dial is logged by the dialer
            log.info("dial of task %s by %s refused: %s", task_id, ext, exc)
        flash(_("Not dialled: %(reason)s", reason=reason(exc)), "error")
        return redirect(url_for("agent.home"), 303)
    flash(_("Calling back (task %(id)s): your phone rings first, then the customer's.", id=task_id), "ok")
    log.info("task %s dialled by %s (call %s)", task_id, ext, attempt.call_id)
    return redirect(url_for("agent.home"), 303)


# -- the task page: attempts and their outcomes, the revisit's answers, cancelling (was CLI-only) --
def _task_for(task_id: int) -> CallbackTask:
    """The task if this user may see it (an agent: their own and anyone's), else a 404."""
    task = db().get(CallbackTask, task_id)
    if task is None or (current_user.role == Role.AGENT and not visible_to(task, current_user.agent or "")):
        abort(404)
    return task


def _back(task_id: int) -> Any:
    return redirect(url_for("callbacks.task", task_id=task_id), 303)


@bp.get("/callbacks/tasks/<int:task_id>")
@roles("agent", "supervisor")
def task(task_id: int) -> Any:
    t = _task_for(task_id)
    attempts = list(db().scalars(select(CallbackAttempt).where(CallbackAttempt.task_id == t.id)
                                 .order_by(CallbackAttempt.id)))
    return render_template("callbacks/task.html", t=callbacks.task_dict(t, settings().timezone),
                           attempts=attempts, outcomes=COUNTED, case=cases.case_of_task(db(), t.id),
                           open=t.status in OPEN_STATUSES)


def _run(task_id: int, change: Callable[[CallbackTask], object], done: str) -> Any:
    t = _task_for(task_id)
    try:
        change(t)
        db().commit()
    except (callbacks.CallbackError, cases.CaseError) as exc:
        db().rollback()
        flash(_("Not saved: %(reason)s", reason=reason(exc)), "error")
    else:
        flash(done, "ok")
    return _back(task_id)


@bp.post("/callbacks/attempts/<int:attempt_id>/outcome")
@roles("agent", "supervisor")
def attempt_outcome(attempt_id: int) -> Any:
    """The agent's word on an attempt (wrong_number, busy, …) over what the call record said."""
    attempt = db().get(CallbackAttempt, attempt_id)
    if attempt is None:
        abort(404)
    outcome = request.form.get("outcome") or ""
    note = (request.form.get("note") or "").strip()[:4000] or None
    return _run(attempt.task_id, lambda _t: callbacks.record_outcome(settings(), db(), attempt_id, outcome, note),
                _("Outcome recorded."))


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@bp.post("/callbacks/tasks/<int:task_id>/revisit")
@roles("agent", "supervisor")
def revisit(task_id: int) -> Any:
    """R-FAULT-REVISIT: "fixed?" and "satisfied?"; with both the revisit is done and the fault's
    closed case becomes 已回访."""
    fixed, satisfied = _yes_no(request.form.get("fixed")), _yes_no(request.form.get("satisfied"))
    note = (request.form.get("note") or "").strip()[:4000] or None
    by = current_user.agent or current_user.username

    def change(t: CallbackTask) -> None:
        callbacks.record_revisit(db(), t.id, fixed=fixed, satisfied=satisfied, note=note)
        cases.revisited_by_task(db(), t, by)
    return _run(task_id, change, _("Revisit answers recorded."))


@bp.post("/callbacks/tasks/<int:task_id>/cancel")
@roles("supervisor")
def cancel(task_id: int) -> Any:
    note = (request.form.get("note") or "").strip()[:4000] or None
    return _run(task_id, lambda t: callbacks.cancel_task(db(), t.id, note), _("Task cancelled."))
