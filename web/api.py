"""JSON API (``Authorization: Bearer <token>``, or a logged-in session): calls, metrics, fault
reports, callback tasks — with the same filters, role limits and masking as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from hotline import metrics, qa_sheet
from hotline.timeutil import iso_local
from hotline.vocabulary import Role
from web.auth.access import roles
from web.callbacks import TaskFilter, open_callback_tasks
from web.calls.search import CallFilter, call_json, grades_of, search
from web.context import db, settings
from web.faults import fault_rows
from web.periods import from_args

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bad(errors: list[str]) -> Any:
    return {"error": "bad request", "details": errors}, 400


@bp.get("/calls")
@roles("agent", "inspector", "supervisor")
def calls() -> Any:
    s = settings()
    sheet = qa_sheet.sheet(s)
    f = CallFilter.from_args(request.args, sheet)
    if f.errors:
        return _bad(f.errors)
    rows, more = search(db(), s, f, current_user)
    grades = grades_of(db(), [c.id for c in rows])
    return {"page": f.page, "more": more,
            "calls": [call_json(c, current_user, grades.get(c.id), s.timezone, sheet) for c in rows]}


@bp.get("/metrics")
@roles("agent", "supervisor")
def team_metrics() -> Any:
    """Team figures (supervisors) — for an agent, their own figures."""
    s = settings()
    start, end, kind, errors = from_args(request.args, s)
    if errors:
        return _bad(errors)
    agent = current_user.agent if current_user.role == Role.AGENT else None
    if current_user.role == Role.AGENT and not agent:
        abort(403)
    f = metrics.figures(db(), s, start, end, agent=agent)
    return {"from": iso_local(start, s.timezone), "to": iso_local(end, s.timezone), "period": kind,
            "agent": agent, "metrics": f.as_dict()}


@bp.get("/agents/metrics")
@roles("agent", "supervisor")
def agent_metrics() -> Any:
    s = settings()
    start, end, kind, errors = from_args(request.args, s)
    if errors:
        return _bad(errors)
    wanted = None
    if current_user.role == Role.AGENT:
        wanted = [current_user.agent] if current_user.agent else []
    elif request.args.get("agent"):
        wanted = [request.args["agent"][:64]]
    rows = metrics.agent_figures(db(), s, start, end, wanted)
    return {"from": iso_local(start, s.timezone), "to": iso_local(end, s.timezone), "period": kind,
            "agents": {a: f.as_dict() for a, f in rows.items()}}


@bp.get("/faults")
@roles("supervisor")
def faults() -> Any:
    s = settings()
    start, end, _kind, errors = from_args(request.args, s)
    if errors:
        return _bad(errors)
    return {"faults": fault_rows(db(), s, start, end, overdue_only=request.args.get("overdue") == "1")}


@bp.get("/callbacks")
@roles("agent", "supervisor")
def callbacks() -> Any:
    """Open callback tasks (hotline.callbacks.task_dict), most urgent first: an agent gets their own
    and anyone's; a supervisor every one, or ?agent=. Filters ?reason=, ?overdue=1."""
    s = settings()
    is_agent = current_user.role == Role.AGENT
    f = TaskFilter(request.args, current_user.agent, is_agent)
    if f.errors:
        return _bad(f.errors)
    if is_agent and not current_user.agent:
        return {"tasks": []}
    return {"tasks": open_callback_tasks(db(), s, f.agent, f.reason, f.overdue)}
