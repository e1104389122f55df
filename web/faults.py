"""Fault reports (R-FAULT-SLA countdown and overdue, R-OVERDUE) and known outages
(R-FAULT-OUTAGE) as the supervisor sees them. The tables belong to the IVR feature
(hotline/models/ivr.py); opening and closing outages goes through its hotline.outages functions,
which is what the IVR reads to announce them."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.settings import Settings
from hotline.timeutil import iso_local, utcnow


def _mod(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def models() -> Any:
    m = _mod("hotline.models.ivr")
    return m if m is not None and hasattr(m, "FaultReport") else None


def fault_rows(db: Session, s: Settings, start: datetime, end: datetime,
               overdue_only: bool = False, now: datetime | None = None) -> list[dict[str, Any]] | None:
    """Reports created in [start, end) — plus every report still open, whenever made — with
    seconds left to arrive-by / fix-by (negative: overdue). None when the feature is absent."""
    m = models()
    if m is None:
        return None
    FR = m.FaultReport
    now = now or utcnow()
    q = select(FR).where(((FR.created_at >= start) & (FR.created_at < end)) | (FR.status == "open"))
    out = []
    for r in db.scalars(q.order_by(FR.created_at.desc()).limit(5000)):
        open_ = r.status == "open"
        fix_left = (r.fix_by - now).total_seconds() if (open_ and r.fix_by) else None
        arrive_left = (r.arrive_by - now).total_seconds() if (open_ and r.arrive_by) else None
        overdue = fix_left is not None and fix_left < 0
        if overdue_only and not overdue:
            continue
        out.append({
            "id": r.id, "ticket": r.ticket, "status": r.status, "caller": r.caller, "contact": r.contact,
            "account": r.account, "area": r.area, "fault_type": r.fault_type, "out_of_hours": r.out_of_hours,
            "created_at": iso_local(r.created_at, s.timezone), "arrive_by": iso_local(r.arrive_by, s.timezone),
            "fix_by": iso_local(r.fix_by, s.timezone), "arrive_left_s": arrive_left, "fix_left_s": fix_left,
            "overdue": overdue, "server": r.server, "call_id": r.call_id,
        })
    return out


def close_report(db: Session, report_id: int) -> None:
    m = models()
    if m is None:
        raise LookupError("no fault reports")
    r = db.get(m.FaultReport, report_id)
    if r is None:
        raise LookupError(f"no fault report {report_id}")
    if r.status != "closed":
        r.status = "closed"
        r.updated_at = utcnow()  # the repair time (the table has no closed_at of its own)
    db.commit()


def outages(db: Session, limit: int = 200) -> list[Any] | None:
    m = models()
    if m is None or not hasattr(m, "Outage"):
        return None
    return list(db.scalars(select(m.Outage).order_by(m.Outage.started_at.desc()).limit(limit)))


def outage_causes() -> tuple[str, ...]:
    m = models()
    return tuple(getattr(m, "OUTAGE_CAUSES", ())) if m else ()


def open_outage(db: Session, area: str, cause: str, note: str | None, by: str) -> None:
    fn = getattr(_mod("hotline.outages"), "open_outage", None)
    if fn is None:
        raise LookupError("outages are not available")
    fn(db, area, cause, note=note, created_by=by)
    db.commit()


def close_outage(db: Session, outage_id: int) -> None:
    fn = getattr(_mod("hotline.outages"), "close_outage", None)
    if fn is None:
        raise LookupError("outages are not available")
    fn(db, outage_id)
    db.commit()
