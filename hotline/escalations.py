"""Whether an escalation to supervisors is still live (R-OVERDUE, R-COMPLAINT): its subject not yet
handled. An escalation stays on record until a supervisor acknowledges it, but once its subject is
resolved — the task closed, the complaint contacted / solved / closed, the order accepted, reached,
fixed or taken over by an outage, the outage suggestion decided — alarming about it on the
wallboard or in the handover only hides the live ones. When it was resolved is read from the
subject itself (no copy kept on the escalation), so the record says raised-at and resolved-at."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.callbacks.queries import open_escalations
from hotline.field.events import FieldEscalation, order_of, suggestion_of
from hotline.models.callbacks import OPEN_STATUSES, CallbackTask, Complaint, Escalation
from hotline.models.field import OutageSuggestion, WorkOrder, WorkOrderEvent

__all__ = ["live_escalations", "resolved_at"]

def _order_resolved(kind: str, o: WorkOrder, linked_at: datetime | None) -> datetime | None:
    """An order linked to an outage waits for the outage, not for a technician: every field
    escalation about it is handled (R-FAULT-OUTAGE)."""
    if o.closed_at is not None:
        return o.closed_at
    if o.status == "outage":
        return linked_at or o.updated_at
    if kind == FieldEscalation.UNASSIGNED:
        return o.dispatched_at if o.technician_id is not None else None
    if kind == FieldEscalation.UNACCEPTED:
        return o.accepted_at  # a reassignment clears it: the new technician has not accepted yet
    if kind == FieldEscalation.LATE_ARRIVAL:
        return o.arrived_at
    return None  # OVERDUE: only closing the order handles it


def resolved_at(db: Session, escalations: Iterable[Escalation]) -> dict[int, datetime | None]:
    """Each escalation's id → when its subject was resolved, None while it is still live."""
    escalations = list(escalations)
    task_ids = {e.task_id for e in escalations if e.task_id is not None}
    complaint_ids = {e.complaint_id for e in escalations if e.complaint_id is not None}
    order_ids = {i for e in escalations if (i := order_of(e.subject)) is not None}
    suggestion_ids = {i for e in escalations if e.kind == FieldEscalation.OUTAGE_SUGGESTED
                      and (i := suggestion_of(e.subject)) is not None}
    tasks = {t.id: t for t in db.scalars(select(CallbackTask).where(CallbackTask.id.in_(task_ids)))} \
        if task_ids else {}
    complaints = {c.id: c for c in db.scalars(select(Complaint).where(Complaint.id.in_(complaint_ids)))} \
        if complaint_ids else {}
    orders = {o.id: o for o in db.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids)))} \
        if order_ids else {}
    linked = {oid: at for oid, at in db.execute(
        select(WorkOrderEvent.order_id, func.max(WorkOrderEvent.at))
        .where(WorkOrderEvent.order_id.in_(order_ids), WorkOrderEvent.action == "linked_to_outage")
        .group_by(WorkOrderEvent.order_id))} if order_ids else {}
    suggestions = {s.id: s for s in db.scalars(select(OutageSuggestion).where(
        OutageSuggestion.id.in_(suggestion_ids)))} if suggestion_ids else {}
    out: dict[int, datetime | None] = {}
    for e in escalations:
        at: datetime | None = None
        if e.task_id is not None and (t := tasks.get(e.task_id)) is not None:
            at = None if t.status in OPEN_STATUSES else (t.closed_at or e.raised_at)
        elif e.complaint_id is not None and (c := complaints.get(e.complaint_id)) is not None:
            at = (c.contacted_at if e.kind == "complaint_contact" else c.resolved_at) or c.closed_at
        elif (oid := order_of(e.subject)) is not None and (o := orders.get(oid)) is not None:
            at = _order_resolved(e.kind, o, linked.get(oid))
        elif (sid := suggestion_of(e.subject)) is not None and (sug := suggestions.get(sid)) is not None:
            at = sug.decided_at if sug.status != "suggested" else None
        out[e.id] = at
    return out


def live_escalations(db: Session) -> list[Escalation]:
    """Unacknowledged escalations whose subject is still unresolved, oldest first: what the wallboard
    and the shift handover alarm about."""
    escalations = open_escalations(db)
    done = resolved_at(db, escalations)
    return [e for e in escalations if done[e.id] is None]
