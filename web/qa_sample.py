"""The day's QA sample (质检抽检, R-QA) for inspectors and supervisors: a day's drawn calls with
why each was drawn and its grade, the progress, and the day's QA statistics (hotline.qa_sample);
the inspector draws the day so far (the scheduler draws each finished day). Grades, their scores
and bands are the call page's (web/quality.py, ``qa_of``)."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import qa_sample, qa_sheet
from hotline.models import Call, QaSample
from hotline.settings import Settings
from hotline.timeutil import iso_local, utcnow
from web.auth.access import roles
from web.calls.search import grades_of, qa_of
from web.context import db, settings
from web.i18n import lang
from web.periods import parse_date
from web.view import Column, csv_response, export_table

bp = Blueprint("qa_sample", __name__)
TABLES = ("sample", "agents")


def reason_labels() -> dict[str, str]:
    """Why a call was drawn (hotline.qa_sample.FLAGS, GRADED, RANDOM), in the page's language."""
    return {"late": _("Late answer, no apology (R-ANS-4RINGS)"),
            "hung_up_first": _("Agent hung up first (R-ANS-HANGUP-LAST)"),
            "low_survey": _("Survey below satisfied (R-SURVEY)"),
            "complaint": _("Complaint raised on the call (R-COMPLAINT)"),
            qa_sample.GRADED: _("Already graded"), qa_sample.RANDOM: _("Random")}


def reason_text(reason: str, labels: dict[str, str]) -> str:
    return "; ".join(labels.get(k, k) for k in reason.split(","))


def sample_rows(sample: list[tuple[QaSample, Call]], s: Settings, sheet: qa_sheet.Sheet) -> list[dict[str, Any]]:
    """The sample as the page and the CSV give it: each call's grade by ``qa_of`` (R-QA)."""
    grades = grades_of(db(), [c.id for _, c in sample])
    labels = reason_labels()
    out = []
    for row, c in sample:
        g = grades.get(c.id)
        out.append({"call_pk": c.id, "server": c.server, "call_id": c.call_id, "agent": row.agent,
                    "started_at": iso_local(c.started_at, s.timezone), "reason": row.reason,
                    "reason_text": reason_text(row.reason, labels), "drawn_by": row.drawn_by or "",
                    "graded": g is not None, **qa_of(g, sheet)})
    return out


def _day(s: Settings) -> date:
    raw = (request.values.get("day") or "").strip()
    today = qa_sample.local_day(s, utcnow())
    if not raw:
        return today
    try:
        return parse_date("day", raw)
    except ValueError as exc:
        flash(str(exc), "error")
        return today


@bp.get("/quality/sample")
@roles("inspector", "supervisor")
def index() -> Any:
    s = settings()
    sheet = qa_sheet.sheet(s)
    day = _day(s)
    table = export_table(request.args, TABLES, default="sample")
    rows = sample_rows(qa_sample.sample_of(db(), day), s, sheet)
    stats = qa_sample.day_statistics(db(), s, day, sheet)
    if table == "sample":
        keys = ("call_pk", "server", "call_id", "agent", "started_at", "reason", "drawn_by", "qa_score", "qa_band")
        return csv_response(f"qa-sample-{day}", [Column(k, k, itemgetter(k)) for k in keys], rows)
    if table == "agents":
        cols = [Column("agent", "agent", lambda a: a.agent), Column("graded", "graded", lambda a: a.graded),
                Column("average", "average", lambda a: a.average), Column("failing", "failing", lambda a: a.failing)]
        return csv_response(f"qa-agents-{day}", cols, stats.agents)
    return render_template("quality/sample.html", day=day, rows=rows, stats=stats, sheet=sheet, lang=lang(),
                           done=sum(r["graded"] for r in rows), today=qa_sample.local_day(s, utcnow()),
                           per_agent=s.qa_sample_per_agent)


@bp.post("/quality/sample/draw")
@roles("inspector")
def draw() -> Any:
    """The inspector draws a day so far (today, or a past day the scheduler has not drawn)."""
    s = settings()
    day = _day(s)
    if day > qa_sample.local_day(s, utcnow()):
        abort(400, "day: not after today")
    n = qa_sample.draw(db(), s, day, by=current_user.username)
    flash(_("%(n)s calls drawn.", n=n) if n else _("Nothing more to draw."), "ok")
    return redirect(url_for("qa_sample.index", day=day.isoformat()), 303)
