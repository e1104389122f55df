"""Fault reports (R-FAULT-SLA countdown and overdue, R-OVERDUE) as the supervisor sees them, with
CSV, and closing a report. The table belongs to the IVR feature (hotline/models/ivr.py). A report
that became a work order (issue 15) is shown with the order's real times and state — its fix-by
is the big-fault limit once the technician said big — and is repaired by its technician (or closed
with its outage), not by the "Repaired" button, which is for reports without an order."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import metrics
from hotline.cases.categories import fault_type_name
from hotline.models import FaultReport
from hotline.models.field import OPEN_ORDER_STATUSES, WorkOrder
from hotline.rules import overdue
from hotline.settings import Settings
from hotline.timeutil import iso_local, utcnow
from web.auth.access import roles
from web.context import db, settings
from web.i18n import metric_label
from web.periods import from_args
from web.reasons import reason
from web.view import Column, csv_response, export_table

bp = Blueprint("faults", __name__)


@bp.app_template_filter("fault_type")
def fault_type(key: str | None) -> str:
    """A fault type by its name on every page (the field pages too); the CSV keeps the key."""
    return fault_type_name(settings(), key)

CSV_KEYS = ("ticket", "status", "order_status", "caller", "contact", "account", "area", "fault_type", "created_at",
            "arrive_by", "fix_by", "fix_left_s", "overdue")


def fault_rows(db: Session, s: Settings, start: datetime, end: datetime,
               overdue_only: bool = False, now: datetime | None = None) -> list[dict[str, Any]]:
    """Reports created in [start, end) — plus every report still open, whenever made — with
    seconds left to arrive-by / fix-by (negative: overdue)."""
    fr, wo = FaultReport, WorkOrder
    now = now or utcnow()
    q = (select(fr, wo).outerjoin(wo, wo.fault_report_id == fr.id)
         .where(((fr.created_at >= start) & (fr.created_at < end)) | (fr.status == "open")))
    out = []
    for r, order in db.execute(q.order_by(fr.created_at.desc()).limit(5000)).tuples():
        # the order's clocks are the real ones (R-FAULT-SLA, big faults); its state says whether it is open
        open_ = r.status == "open" if order is None else order.status in OPEN_ORDER_STATUSES
        arrive_by, fix_by = (r.arrive_by, r.fix_by) if order is None else (order.arrive_by, order.fix_by)
        fix_left = (fix_by - now).total_seconds() if (open_ and fix_by) else None
        arrive_left = (arrive_by - now).total_seconds() if (open_ and arrive_by) else None
        late = open_ and fix_by is not None and overdue(fix_by, now)
        if overdue_only and not late:
            continue
        out.append({
            "id": r.id, "ticket": r.ticket, "status": r.status, "order_status": order.status if order else None,
            "caller": r.caller, "contact": r.contact,
            "account": r.account, "area": r.area, "fault_type": r.fault_type, "out_of_hours": r.out_of_hours,
            "created_at": iso_local(r.created_at, s.timezone), "arrive_by": iso_local(arrive_by, s.timezone),
            "fix_by": iso_local(fix_by, s.timezone), "arrive_left_s": arrive_left, "fix_left_s": fix_left,
            "overdue": late, "server": r.server, "call_id": r.call_id,
        })
    return out


def close_report(db: Session, report_id: int) -> None:
    """The supervisor's "Repaired" for a report without a work order; one with an order is the
    technician's (hotline.field), so its order and the report never disagree."""
    r = db.get(FaultReport, report_id)
    if r is None:
        raise LookupError(f"no fault report {report_id}")
    if db.scalar(select(WorkOrder.id).where(WorkOrder.fault_report_id == report_id)) is not None:
        raise ValueError(_("Fault report %(t)s has a work order: its technician marks it fixed.", t=r.ticket or r.id))
    if r.status != "closed":
        r.status = "closed"
        r.updated_at = utcnow()  # the repair time (the table has no closed_at of its own)
    db.commit()


@bp.get("/faults")
@roles("supervisor")
def index() -> Any:
    s = settings()
    start, end, _kind, errors = from_args(request.args, s)
    for e in errors:
        flash(e, "error")
    rows = fault_rows(db(), s, start, end, overdue_only=request.args.get("overdue") == "1")
    if export_table(request.args) is not None:
        return csv_response("faults", [Column(k, k, itemgetter(k)) for k in CSV_KEYS], rows)
    return render_template("faults/index.html", rows=rows, sla=metrics.fault_sla(db(), s, start, end),
                           metric_label=metric_label)


@bp.post("/faults/<int:report_id>/close")
@roles("supervisor")
def close(report_id: int) -> Any:
    try:
        close_report(db(), report_id)
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(reason(exc), "error")
        return redirect(url_for("faults.index"), 303)
    flash(_("Fault report closed."), "ok")
    return redirect(url_for("faults.index"), 303)
