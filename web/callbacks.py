"""Callback tasks as the panel sees them, through the callbacks API (``hotline.callbacks``), and the
agent's dial button. Kept in one place so the agent page, the dial button and the JSON API apply
the same visibility rule: an agent sees and dials only their own tasks and anyone's (owner unset);
supervisors see every task."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.models.callbacks import TASK_REASONS, CallbackAttempt, CallbackTask
from hotline.settings import Settings
from web.auth.access import roles
from web.context import db, settings

log = logging.getLogger(__name__)
bp = Blueprint("callbacks", __name__)


class TaskFilter:
    """?agent= (supervisors only; an agent is always themselves), ?reason=, ?overdue=1."""

    def __init__(self, args: Any, agent: str | None, is_agent: bool):
        self.errors: list[str] = []
        self.agent = agent if is_agent else ((args.get("agent") or "").strip()[:64] or None)
        self.reason = (args.get("reason") or "").strip() or None
        if self.reason is not None and self.reason not in TASK_REASONS:
            self.errors.append(f"reason: one of {', '.join(TASK_REASONS)}, not {self.reason[:20]!r}")
            self.reason = None
        self.overdue = args.get("overdue") == "1"


def open_callback_tasks(db: Session, s: Settings, agent: str | None, reason: str | None = None,
                        overdue: bool = False) -> list[dict[str, Any]]:
    """Open tasks, most urgent first, as ``callbacks.task_dict`` (times in the operator's zone):
    with ``agent``, that agent's tasks and anyone's; without, all of them."""
    rows = [callbacks.task_dict(t, s.timezone) for t in callbacks.open_tasks(db, agent=agent)]
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
        log.info("dial of task %s by %s refused: %s", task_id, ext, exc)
        flash(_("Not dialled: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("agent.home"), 303)
    flash(_("Calling back (task %(id)s): your phone rings first, then the customer's.", id=task_id), "ok")
    log.info("task %s dialled by %s (call %s)", task_id, ext, attempt.call_id)
    return redirect(url_for("agent.home"), 303)
