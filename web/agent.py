"""The agent's own page: my figures for the day, week and month, my open callback tasks (with the
dial button, web/callbacks.py), my QA; it links to the agent desk (web/desk/, where calls pop)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from hotline import metrics
from hotline.models import Call, QaGrade
from web.auth.access import roles
from web.callbacks import open_callback_tasks
from web.context import db, settings
from web.i18n import metric_label

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
    open_tasks = open_callback_tasks(db(), s, ext) if ext else []
    rows = [(k, metric_label(k)) for k in MY_FIGURES]
    return render_template("agent/home.html", figs=figs, rows=rows, tasks=open_tasks, grades=grades)
