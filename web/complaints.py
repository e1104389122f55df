"""Complaints (R-COMPLAINT) with their clocks, escalations (R-OVERDUE, R-COMPLAINT) and overdue
callback tasks, as the supervisor sees them. The tables and every change to them belong to the
callbacks feature (``hotline.callbacks``); this module only shapes them for pages, API and CSV."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import callbacks, cases, metrics
from hotline.escalations import live_escalations, resolved_at
from hotline.field.events import order_of
from hotline.models.callbacks import CallbackTask, Complaint, Escalation
from hotline.models.cases import Case
from hotline.models.field import WorkOrder
from hotline.rules import deadline_state
from hotline.settings import Settings
from hotline.timeutil import iso_local, utcnow
from hotline.vocabulary import CaseKind
from web.auth.access import roles
from web.cases.forms import actor, case_input
from web.context import db, settings
from web.i18n import metric_label
from web.periods import from_args
from web.reasons import reason
from web.view import Column, csv_response, export_table

bp = Blueprint("complaints", __name__)
# CSV exports: ?table= → (file name, columns, rows)
CSV_KEYS = {
    "complaints": ("id", "number", "kind", "category", "summary", "received_at", "contact_due", "contacted_at",
                   "contact_state", "resolve_clock", "resolve_due", "resolved_at", "resolve_state", "closed_at",
                   "created_by", "call_id"),
    "escalations": ("id", "kind", "subject", "number", "due_at", "raised_at", "resolved_at"),
    "overdue": ("id", "reason", "number", "owner", "status", "created_at", "due_at", "missed_calls"),
}
CSV_NAMES = {"complaints": "complaints", "escalations": "escalations", "overdue": "overdue-tasks"}


def clock(due: datetime, done: datetime | None, now: datetime) -> dict[str, Any]:
    """One clock: its state (hotline.rules.deadline_state, as callbacks.complaint_clock_counts
    counts it) and, while it runs, the seconds left (negative: overdue)."""
    left = None if done is not None else (due - now).total_seconds()
    return {"state": deadline_state(due, done, now), "left_s": left}


def complaint_rows(db: Session, s: Settings, start: datetime, end: datetime,
                   now: datetime | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    """Complaints received in [start, end), plus every one not closed yet whenever received."""
    now = now or utcnow()
    tz = s.timezone
    q = (select(Complaint).where(((Complaint.received_at >= start) & (Complaint.received_at < end))
                                 | Complaint.closed_at.is_(None))
         .order_by(Complaint.received_at.desc()).limit(limit))
    out = []
    for c in db.scalars(q):
        contact = clock(c.contact_due, c.contacted_at, now)
        resolve = clock(c.resolve_due, c.resolved_at, now)
        out.append({
            "id": c.id, "number": c.number, "kind": c.kind, "category": c.category, "summary": c.summary,
            "received_at": iso_local(c.received_at, tz), "created_by": c.created_by,
            "contact_due": iso_local(c.contact_due, tz), "contacted_at": iso_local(c.contacted_at, tz),
            "contact_state": contact["state"], "contact_left_s": contact["left_s"],
            "resolve_clock": "solution" if c.kind == "general" else "progress",
            "resolve_due": iso_local(c.resolve_due, tz), "resolved_at": iso_local(c.resolved_at, tz),
            "resolve_state": resolve["state"], "resolve_left_s": resolve["left_s"],
            "closed_at": iso_local(c.closed_at, tz), "call_id": c.call_id,
        })
    return out


def _subjects(db: Session, escalations: list[Escalation]) -> dict[int, str]:
    """Each escalation's subject as people read it: a work order's (``order:<id>``, the field
    clocks' one-per-order key) by its ticket and district — the wallboard said "order:7"; others as
    stored, for the CSV (the pages name them: the ``subject`` filter, wallboard.js subjectText)."""
    ids = {e.id: i for e in escalations if (i := order_of(e.subject)) is not None}
    orders = {o.id: o for o in db.scalars(select(WorkOrder).where(WorkOrder.id.in_(set(ids.values()))))} if ids else {}
    out = {}
    for e in escalations:
        o = orders.get(ids.get(e.id, -1))
        out[e.id] = e.subject if o is None else " · ".join(x for x in (o.ticket or str(o.id), o.district) if x)
    return out


def escalation_rows(db: Session, s: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    """Unacknowledged escalations, oldest first, with the number they are about (supervisors only)."""
    now = now or utcnow()
    out = []
    escalations = callbacks.open_escalations(db)
    subjects = _subjects(db, escalations)
    done = resolved_at(db, escalations)
    for e in escalations:
        number = None
        if e.task_id is not None:
            task = db.get(CallbackTask, e.task_id)
            number = task.number if task else None
        elif e.complaint_id is not None:
            comp = db.get(Complaint, e.complaint_id)
            number = comp.number if comp else None
        out.append({"id": e.id, "kind": e.kind, "subject": subjects[e.id], "task_id": e.task_id,
                    "complaint_id": e.complaint_id, "number": number, "due_at": iso_local(e.due_at, s.timezone),
                    "raised_at": iso_local(e.raised_at, s.timezone),
                    "resolved_at": iso_local(done[e.id], s.timezone),
                    # a resolved subject is late no more: the lateness stopped when it was handled
                    "late_s": ((done[e.id] or now) - e.due_at).total_seconds()})
    return out


def wallboard_escalations(db: Session) -> list[dict[str, Any]]:
    """For the wallboard (a shared screen): the live ones only (hotline.escalations) — kind, subject
    and times, no customer number."""
    escalations = live_escalations(db)
    subjects = _subjects(db, escalations)
    return [{"id": e.id, "kind": e.kind, "subject": subjects[e.id], "due_at": e.due_at.timestamp(),
             "raised_at": e.raised_at.timestamp()} for e in escalations]


def overdue_task_rows(db: Session, s: Settings) -> list[dict[str, Any]]:
    return [callbacks.task_dict(t, s.timezone) for t in callbacks.overdue_tasks(db)]


def acknowledge(db: Session, escalation_id: int, by: str) -> Escalation:
    esc = callbacks.acknowledge(db, escalation_id, by)
    if esc is None:
        raise LookupError(f"no escalation {escalation_id}")
    db.commit()
    return esc


def update(db: Session, s: Settings, complaint_id: int, action: str, by: cases.Actor | None = None,
           result: str | None = None) -> Complaint:
    """contacted / resolved / closed: stops that clock (callbacks.update_complaint). A complaint
    with an open case goes through the case, so the case's history keeps it: a contact or solution
    is a complaint_step, and closing closes the case with its result (R-REC-FIELDS: what was done;
    without one the case refuses, CaseError)."""
    if action not in ("contacted", "resolved", "closed"):
        raise ValueError(f"unknown action {action[:20]!r}")
    case = db.scalar(select(Case).where(Case.complaint_id == complaint_id))
    if by is not None and case is not None and not cases.is_read_only(case):
        if action == "closed":
            cases.close_case(db, s, case.id, by, result=result)
            c = db.get(Complaint, complaint_id)
            assert c is not None  # the case's complaint: close_case just closed it
        else:
            c = cases.complaint_step(db, case.id, by, contacted=action == "contacted", resolved=action == "resolved")
    else:
        c = callbacks.update_complaint(db, complaint_id, contacted=action == "contacted",
                                       resolved=action == "resolved", closed=action == "closed")
    db.commit()
    return c


@bp.get("/complaints")
@roles("supervisor")
def index() -> Any:
    """R-COMPLAINT clocks (contact 2 h, solution 24 h / progress 72 h), the escalations nobody has
    acknowledged yet (R-OVERDUE, R-COMPLAINT) and the overdue callback tasks. Default period: month."""
    s = settings()
    args = request.args if (request.args.get("period") or request.args.get("date_from")
                            or request.args.get("date_to")) else {"period": "month"}
    start, end, _kind, errors = from_args(args, s)
    for e in errors:
        flash(e, "error")
    table = export_table(request.args, CSV_KEYS, default="complaints")
    if table is not None:
        rows = {"complaints": lambda: complaint_rows(db(), s, start, end),
                "escalations": lambda: escalation_rows(db(), s),
                "overdue": lambda: overdue_task_rows(db(), s)}[table]()
        return csv_response(CSV_NAMES[table], [Column(k, k, itemgetter(k)) for k in CSV_KEYS[table]], rows)
    rows = complaint_rows(db(), s, start, end)
    case_of = {complaint_id: case_id for complaint_id, case_id in db().execute(
        select(Case.complaint_id, Case.id).where(Case.complaint_id.in_([r["id"] for r in rows])))}
    return render_template("complaints/index.html", rows=rows, case_of=case_of,
                           escalations=escalation_rows(db(), s), overdue=overdue_task_rows(db(), s),
                           start=start, end=end, clocks=metrics.complaint_clocks(db(), s, start, end),
                           resolution=metrics.complaint_resolution_cases(db(), start, end),
                           categories=cases.tree(s)[CaseKind.COMPLAINT].categories, metric_label=metric_label)


@bp.post("/complaints/escalations/<int:escalation_id>/ack")
@roles("supervisor")
def acknowledge_escalation(escalation_id: int) -> Any:
    try:
        acknowledge(db(), escalation_id, current_user.username)
    except LookupError:
        abort(404)
    flash(_("Escalation acknowledged."), "ok")
    return redirect(url_for("complaints.index"), 303)


@bp.post("/complaints/<int:complaint_id>/update")
@roles("supervisor")
def update_complaint(complaint_id: int) -> Any:
    try:
        update(db(), settings(), complaint_id, request.form.get("action") or "", actor(current_user),
               result=request.form.get("result"))
    except callbacks.CallbackError:
        db().rollback()
        abort(404)
    except ValueError as exc:  # an unknown action, or what the case refuses (CaseError)
        db().rollback()
        flash(reason(exc), "error")
        return redirect(url_for("complaints.index"), 303)
    flash(_("Complaint updated."), "ok")
    return redirect(url_for("complaints.index"), 303)


@bp.post("/complaints/new")
@roles("supervisor")
def register() -> Any:
    """A complaint registered from the supervisor page: a case of kind complaint (its clocks, its
    2 h contact task and the R-COMPLAINT receipt follow from hotline.cases.open_case)."""
    form = {**request.form.to_dict(), "kind": CaseKind.COMPLAINT.value}
    try:
        case = cases.open_case(db(), settings(), actor(current_user), case_input(form), source="supervisor",
                               reuse_open=False)
        db().commit()
    except cases.CaseError as exc:
        db().rollback()
        flash(_("Case not saved: %(reason)s", reason=reason(exc)), "error")
        return redirect(url_for("complaints.index"), 303)
    flash(_("Case %(id)s saved.", id=case.id), "ok")
    return redirect(url_for("cases.show", case_id=case.id), 303)
