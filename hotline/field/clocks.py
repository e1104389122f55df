"""The work orders' clocks, checked by the scheduler's pass (R-FAULT-DISPATCH, R-FAULT-SLA,
R-OVERDUE): a dispatched order not accepted within field_unaccepted_escalate_min, a missed
arrive-by, a missed fix-by — each escalated to supervisors once; and the monthly review of every
overdue order with its reason and a supervisor's note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from hotline.errors import N_
from hotline.field.errors import FieldError
from hotline.field.events import SYSTEM, FieldEscalation, escalate, order_subject, record
from hotline.field.orders import get_order
from hotline.models.field import OPEN_ORDER_STATUSES, Technician, WorkOrder
from hotline.rules import deadline_state, in_time, overdue
from hotline.settings import Settings


@dataclass
class ClockReport:
    unaccepted: int = 0
    late_arrivals: int = 0
    overdue: int = 0
    escalations: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"unaccepted {self.unaccepted}, late arrivals {self.late_arrivals}, overdue {self.overdue}, "
                f"escalations {len(self.escalations)}")


def check_clocks(db: Session, s: Settings, now: datetime) -> ClockReport:
    """One pass over the open orders; idempotent (one escalation per kind and order). Flushes;
    the caller commits."""
    rep = ClockReport()
    limit = timedelta(minutes=s.field_unaccepted_escalate_min)
    for order in db.scalars(select(WorkOrder).where(WorkOrder.status.in_(OPEN_ORDER_STATUSES))):
        subject = order_subject(order.id)
        if order.status == "dispatched" and order.dispatched_at and overdue(order.dispatched_at + limit, now):
            rep.unaccepted += 1
            if escalate(db, FieldEscalation.UNACCEPTED, subject, order.dispatched_at + limit, now):
                rep.escalations.append(f"{FieldEscalation.UNACCEPTED} {subject}")
        if order.arrived_at is None and overdue(order.arrive_by, now):
            rep.late_arrivals += 1
            if escalate(db, FieldEscalation.LATE_ARRIVAL, subject, order.arrive_by, now):
                rep.escalations.append(f"{FieldEscalation.LATE_ARRIVAL} {subject}")
        if overdue(order.fix_by, now):
            rep.overdue += 1
            if order.overdue_at is None:
                order.overdue_at = now
                record(db, order, SYSTEM, "overdue", now, fix_by=order.fix_by.isoformat())
            if escalate(db, FieldEscalation.OVERDUE, subject, order.fix_by, now):
                rep.escalations.append(f"{FieldEscalation.OVERDUE} {subject}")
    db.flush()
    return rep


@dataclass(frozen=True)
class OverdueRow:
    """One line of the R-OVERDUE monthly review."""

    order_id: int
    ticket: str | None
    district: str | None
    technician: str | None
    status: str
    fix_by: datetime
    closed_at: datetime | None
    late_by: timedelta  # past fix-by at closing, or until ``now`` while open
    reason: str  # the technician's word, else the cannot-fix reason, else what the clock says
    review_note: str | None
    reviewed_by: str | None


def _month_bounds(s: Settings, month: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(s.timezone)
    start = datetime.combine(month.replace(day=1), time(0), tz)
    nxt = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, datetime.combine(nxt, time(0), tz)


def overdue_review(db: Session, s: Settings, month: date, now: datetime) -> list[OverdueRow]:
    """Every order whose fix-by fell in ``month`` (local) and was missed: closed after it, or
    still open past it (R-OVERDUE), by fix-by."""
    start, end = _month_bounds(s, month)
    q = (select(WorkOrder, Technician.username).outerjoin(Technician, Technician.id == WorkOrder.technician_id)
         .where(WorkOrder.fix_by >= start, WorkOrder.fix_by < end,
                or_(and_(WorkOrder.closed_at.is_not(None), not_(in_time(WorkOrder.closed_at, WorkOrder.fix_by))),
                    and_(WorkOrder.closed_at.is_(None), overdue(WorkOrder.fix_by, now))))
         .order_by(WorkOrder.fix_by, WorkOrder.id))
    rows = []
    for order, username in db.execute(q):
        if deadline_state(order.fix_by, order.closed_at, now) != "missed":
            continue
        reason = order.overdue_reason or (f"无法修复：{order.reason}" if order.reason else None) \
            or ("未到场" if order.arrived_at is None else "到场后未按时修复")
        rows.append(OverdueRow(order.id, order.ticket, order.district, username, order.status, order.fix_by,
                               order.closed_at, (order.closed_at or now) - order.fix_by, reason,
                               order.review_note, order.reviewed_by))
    return rows


def set_review_note(db: Session, order_id: int, note: str, by: str, now: datetime) -> WorkOrder:
    """A supervisor's note on an overdue order in the monthly review."""
    order = get_order(db, order_id)
    if order.overdue_at is None and deadline_state(order.fix_by, order.closed_at, now) != "missed":
        raise FieldError(N_("work order %(id)s is not overdue"), id=order_id)
    order.review_note, order.reviewed_by, order.reviewed_at = note.strip(), by, now
    record(db, order, by, "reviewed", now, note=note.strip())
    return order
