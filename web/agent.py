"""The agent's own page: my figures for the day, week and month, my open callback tasks (with the
dial button), my QA."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline import callbacks, metrics
from hotline.models import Call, QaGrade
from web import tasks
from web.auth import roles
from web.context import db, settings
from web.supervisor import metric_label

log = logging.getLogger(__name__)
bp = Blueprint("agent", __name__)

# the rows of "my figures": an agent's own metrics (labels from the metric catalogue)
MY_FIGURES = ("answered", "sl_answered", "asa", "aht", "four_ring_rate", "four_ring_violations", "hangup_first",
              "satisfaction", "compliance", "qa_avg")


@bp.get("/agent")
@roles("agent")
def home() -> Any:
    s = settings()
    ext = current_user.agent
    figs = {}
    for kind in ("day", "week", "month"):
        start, end = metrics.period(kind, s)
        figs[kind] = metrics.figures(db(), s, start, end, agent=ext) if ext else metrics.Figures(sl=None)
    grades = []
    if ext:
        grades = list(db().execute(
            select(QaGrade, Call).join(Call, Call.id == QaGrade.call_pk)
            .where(QaGrade.agent == ext, metrics.current_grades())
            .order_by(QaGrade.created_at.desc()).limit(50)))
    open_tasks = tasks.open_callback_tasks(db(), s, ext) if ext else []
    rows = [(k, metric_label(k)) for k in MY_FIGURES]
    return render_template("agent.html", figs=figs, rows=rows, tasks=open_tasks, grades=grades)


@bp.post("/agent/tasks/<int:task_id>/dial")
@roles("agent")
def dial(task_id: int) -> Any:
    """Click-to-call: the agent's phone rings first, then the customer's (hotline.callbacks.dial)."""
    ext = current_user.agent
    if not ext:
        flash(_("Your user has no extension: ask an administrator."), "error")
        return redirect(url_for("agent.home"), 303)
    try:
        attempt = tasks.dial(db(), settings(), task_id, ext)
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
