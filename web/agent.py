"""The agent's own page: my figures and my time in the desk's states (with occupancy) for the day,
week and month, my open callback tasks (with the dial button, web/callbacks.py), my QA grades with
what each deducted and why; it links to the agent desk (web/desk/, where calls pop)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from hotline import callbacks, metrics, qa_sheet
from hotline.models import Call, QaGrade
from web.auth.access import roles
from web.callbacks import open_callback_tasks
from web.context import db, settings
from web.i18n import lang, metric_label
from web.quality import deductions

bp = Blueprint("agent", __name__)

# the rows of "my figures": an agent's own metrics (labels from the metric catalogue)
MY_FIGURES = ("answered", "sl_answered", "asa", "aht", "four_ring_rate", "four_ring_violations", "hangup_first",
              "satisfaction", "compliance", "qa_avg")
# the rows of "my time in states": (metric key, AgentTime attribute); occupancy is a ratio
MY_TIME = (("logged_in_time", "logged_in_s"), ("available_time", "available_s"), ("busy_time", "busy_s"),
           ("break_time", "break_s"), ("talk_time", "talk_s"), ("wrapup_time", "wrapup_s"),
           ("occupancy", "occupancy"))
# open callback tasks shown per page: after a busy day thousands may be open, and the page an agent
# lands on after every log-in would list (and load the attempts of) every one of them
TASKS_PER_PAGE = 50


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
    tasks_page = max(1, request.args.get("tasks_page", 1, type=int) or 1)
    open_tasks, tasks_total = [], 0
    if ext:
        tasks_total = callbacks.count_open_tasks(db(), ext)
        open_tasks = open_callback_tasks(db(), s, ext, limit=TASKS_PER_PAGE, offset=(tasks_page - 1) * TASKS_PER_PAGE)
    rows = [(k, metric_label(k)) for k in MY_FIGURES]
    times = {}  # my time in the desk's states (issue 13 §1), from hotline.metrics.agent_time
    for kind in ("day", "week", "month"):
        start, end = metrics.period(kind, s)
        times[kind] = metrics.agent_time(db(), s, start, end, agents=[ext])[1][ext] if ext else metrics.AgentTime()
    time_rows = [(k, metric_label(k), attr) for k, attr in MY_TIME]
    # my grades with what each deducted and why (R-QA), as the call page shows them
    sheet = qa_sheet.sheet(s)
    my_grades = [(g, c, deductions(g, sheet, lang())) for g, c in grades]
    return render_template("agent/home.html", figs=figs, rows=rows, tasks=open_tasks, grades=my_grades, sheet=sheet,
                           times=times, time_rows=time_rows, tasks_total=tasks_total, tasks_page=tasks_page,
                           tasks_pages=max(1, -(-tasks_total // TASKS_PER_PAGE)))
