"""R-HANDOVER (交接班日志): the outgoing shift lead opens a handover pre-filled with every open
matter — open cases by due time, overdue callback tasks, running complaint clocks, active
outages, escalations still to handle (live_escalations) — and adds notes; the incoming lead acknowledges; both names
and times are kept, and nothing changes after the acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.callbacks import overdue_tasks
from hotline.cases.access import Actor, CaseAccessError, CaseError
from hotline.cases.records import OPEN_CASE_STATUSES
from hotline.errors import N_
from hotline.escalations import live_escalations
from hotline.models.callbacks import Complaint
from hotline.models.cases import Case, Handover
from hotline.models.ivr import Outage
from hotline.rules import overdue
from hotline.timeutil import utcnow


class HandoverError(CaseError):
    """A handover that cannot be changed (acknowledged) or acknowledged (by its own author)."""


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()


def open_matters_snapshot(db: Session, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every open matter as plain data (kept in the handover as it was at the hand-over)."""
    cases = db.scalars(select(Case).where(Case.status.in_(OPEN_CASE_STATUSES))
                       .order_by(Case.due_at.is_(None), Case.due_at, Case.id))
    clocks = db.scalars(select(Complaint).where(Complaint.closed_at.is_(None),
                                                or_(Complaint.contacted_at.is_(None), Complaint.resolved_at.is_(None)))
                        .order_by(Complaint.received_at))
    outages = db.scalars(select(Outage).where(Outage.started_at <= now,
                                              or_(Outage.ended_at.is_(None), Outage.ended_at > now))
                         .order_by(Outage.started_at))
    return {
        "cases": [{"id": c.id, "kind": c.kind, "category": c.category, "status": c.status, "owner": c.owner,
                   "due_at": _iso(c.due_at), "overdue": c.due_at is not None and overdue(c.due_at, now)}
                  for c in cases],
        "overdue_tasks": [{"id": t.id, "reason": t.reason, "owner": t.owner, "due_at": _iso(t.due_at)}
                          for t in overdue_tasks(db, now)],
        "complaint_clocks": [{"id": c.id, "kind": c.kind, "category": c.category,
                              "contact_due": _iso(c.contact_due) if c.contacted_at is None else None,
                              "resolve_due": _iso(c.resolve_due) if c.resolved_at is None else None}
                             for c in clocks],
        "outages": [{"id": o.id, "area": o.area, "cause": o.cause, "started_at": _iso(o.started_at)}
                    for o in outages],
        "escalations": [{"id": e.id, "kind": e.kind, "subject": e.subject, "due_at": _iso(e.due_at)}
                        for e in live_escalations(db)],
    }


def _lead(actor: Actor) -> None:
    if not actor.leads:
        raise CaseAccessError(N_("%(role)s %(name)s: handovers are the shift leads' (supervisors')"), role=actor.role,
                              name=actor.name)


def open_handover(db: Session, by: Actor, notes: str | None = None, now: datetime | None = None) -> Handover:
    _lead(by)
    now = now or utcnow()
    h = Handover(opened_by=by.name, opened_at=now, matters=open_matters_snapshot(db, now), notes=notes)
    db.add(h)
    db.flush()
    return h


def _get(db: Session, handover_id: int) -> Handover:
    h = db.get(Handover, handover_id)
    if h is None:
        raise HandoverError(N_("no handover %(id)s"), id=handover_id)
    if h.acknowledged_at is not None:
        raise HandoverError(N_("handover %(id)s was acknowledged by %(name)s: it is read-only"), id=h.id,
                            name=h.acknowledged_by)
    return h


def add_notes(db: Session, handover_id: int, by: Actor, notes: str) -> Handover:
    """The outgoing lead's notes (until the handover is acknowledged)."""
    h = _get(db, handover_id)
    if by.name != h.opened_by:
        raise CaseAccessError(N_("handover %(id)s is %(name)s's to write"), id=h.id, name=h.opened_by)
    h.notes = notes
    return h


def acknowledge_handover(db: Session, handover_id: int, by: Actor, now: datetime | None = None) -> Handover:
    """The incoming lead takes the shift over; the handover is read-only from then on."""
    _lead(by)
    h = _get(db, handover_id)
    if by.name == h.opened_by:
        raise HandoverError(N_("handover %(id)s: the incoming lead acknowledges, not %(name)s who opened it"), id=h.id,
                            name=by.name)
    h.acknowledged_by, h.acknowledged_at = by.name, now or utcnow()
    return h


def latest_handovers(db: Session, limit: int = 20) -> list[Handover]:
    return list(db.scalars(select(Handover).order_by(Handover.opened_at.desc(), Handover.id.desc()).limit(limit)))
