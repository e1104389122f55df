"""Fault reports (R-FAULT-SLA countdown and overdue, R-OVERDUE) and known outages
(R-FAULT-OUTAGE) as the supervisor sees them. The tables belong to the IVR feature
(hotline/models/ivr.py); opening and closing outages goes through its hotline.outages functions,
which is what the IVR reads to announce them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outages as outage_rules
from hotline.models import OUTAGE_CAUSES, FaultReport, Outage
from hotline.rules import overdue
from hotline.settings import Settings
from hotline.timeutil import iso_local, utcnow


def fault_rows(db: Session, s: Settings, start: datetime, end: datetime,
               overdue_only: bool = False, now: datetime | None = None) -> list[dict[str, Any]]:
    """Reports created in [start, end) — plus every report still open, whenever made — with
    seconds left to arrive-by / fix-by (negative: overdue)."""
    fr = FaultReport
    now = now or utcnow()
    q = select(fr).where(((fr.created_at >= start) & (fr.created_at < end)) | (fr.status == "open"))
    out = []
    for r in db.scalars(q.order_by(fr.created_at.desc()).limit(5000)):
        open_ = r.status == "open"
        fix_left = (r.fix_by - now).total_seconds() if (open_ and r.fix_by) else None
        arrive_left = (r.arrive_by - now).total_seconds() if (open_ and r.arrive_by) else None
        late = open_ and r.fix_by is not None and overdue(r.fix_by, now)
        if overdue_only and not late:
            continue
        out.append({
            "id": r.id, "ticket": r.ticket, "status": r.status, "caller": r.caller, "contact": r.contact,
            "account": r.account, "area": r.area, "fault_type": r.fault_type, "out_of_hours": r.out_of_hours,
            "created_at": iso_local(r.created_at, s.timezone), "arrive_by": iso_local(r.arrive_by, s.timezone),
            "fix_by": iso_local(r.fix_by, s.timezone), "arrive_left_s": arrive_left, "fix_left_s": fix_left,
            "overdue": late, "server": r.server, "call_id": r.call_id,
        })
    return out


def close_report(db: Session, report_id: int) -> None:
    r = db.get(FaultReport, report_id)
    if r is None:
        raise LookupError(f"no fault report {report_id}")
    if r.status != "closed":
        r.status = "closed"
        r.updated_at = utcnow()  # the repair time (the table has no closed_at of its own)
    db.commit()


def outages(db: Session, limit: int = 200) -> list[Outage]:
    return list(db.scalars(select(Outage).order_by(Outage.started_at.desc()).limit(limit)))


def outage_causes() -> tuple[str, ...]:
    return tuple(OUTAGE_CAUSES)


def open_outage(db: Session, area: str, cause: str, note: str | None, by: str) -> None:
    outage_rules.open_outage(db, area, cause, note=note, created_by=by)
    db.commit()


def close_outage(db: Session, outage_id: int) -> None:
    outage_rules.close_outage(db, outage_id)
    db.commit()
