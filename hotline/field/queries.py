"""What the technician's phone page and the supervisor pages show: typed rows, clocks judged by
``hotline.rules.deadline_state`` (the one definition of met / missed / pending)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.workdays import Overrides
from hotline.field.rota import on_duty
from hotline.field.technicians import open_orders as count_open
from hotline.field.technicians import technician
from hotline.models.field import OPEN_ORDER_STATUSES, Technician, WorkOrder, WorkOrderEvent
from hotline.rules import DeadlineState, deadline_state
from hotline.settings import Settings


@dataclass(frozen=True)
class OrderRow:
    id: int
    ticket: str | None
    district: str | None
    area: str
    fault_type: str | None
    customer_number: str | None
    technician: str | None
    status: str
    size: str | None
    reported_at: datetime
    booked_for: datetime | None
    arrive_by: datetime
    fix_by: datetime
    arrive_state: DeadlineState  # R-FAULT-SLA arrive-by: met / missed / pending
    fix_state: DeadlineState  # fix-by (big-fault limit once the size is big)
    outage_id: int | None


def _row(order: WorkOrder, username: str | None, now: datetime) -> OrderRow:
    fixed_at = order.closed_at if order.status == "fixed" else None
    return OrderRow(order.id, order.ticket, order.district, order.area, order.fault_type, order.customer_number,
                    username, order.status, order.size, order.reported_at, order.booked_for, order.arrive_by,
                    order.fix_by, deadline_state(order.arrive_by, order.arrived_at, now),
                    deadline_state(order.fix_by, fixed_at, now), order.outage_id)


def my_orders(db: Session, username: str, now: datetime, *, include_closed: bool = False) -> list[OrderRow]:
    """The technician's orders, soonest fix-by first (the phone page)."""
    tech = technician(db, username)
    q = select(WorkOrder).where(WorkOrder.technician_id == tech.id)
    if not include_closed:
        q = q.where(WorkOrder.status.in_(OPEN_ORDER_STATUSES))
    return [_row(o, username, now) for o in db.scalars(q.order_by(WorkOrder.fix_by, WorkOrder.id))]


def open_orders(db: Session, now: datetime, *, district: str | None = None) -> list[OrderRow]:
    """Every open order (also the outage-linked ones), soonest fix-by first (supervisor, wallboard)."""
    q = (select(WorkOrder, Technician.username).outerjoin(Technician, Technician.id == WorkOrder.technician_id)
         .where(WorkOrder.status.in_((*OPEN_ORDER_STATUSES, "outage"))))
    if district is not None:
        q = q.where(WorkOrder.district == district)
    return [_row(o, u, now) for o, u in db.execute(q.order_by(WorkOrder.fix_by, WorkOrder.id))]


def overdue_orders(db: Session, now: datetime) -> list[OrderRow]:
    """Open orders past their fix-by (R-OVERDUE, the wallboard's list)."""
    return [r for r in open_orders(db, now) if r.fix_state == "missed" and r.status != "outage"]


@dataclass(frozen=True)
class EventRow:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def history(db: Session, order_id: int) -> list[EventRow]:
    """Every step of an order, oldest first."""
    q = select(WorkOrderEvent).where(WorkOrderEvent.order_id == order_id).order_by(WorkOrderEvent.at, WorkOrderEvent.id)
    return [EventRow(e.at, e.actor, e.action, dict(e.detail)) for e in db.scalars(q)]


@dataclass(frozen=True)
class TechnicianRow:
    username: str
    name: str | None
    phone: str
    districts: tuple[str, ...]
    active: bool
    on_duty: bool  # at ``now``, by the rota and the Chinese calendar
    open_orders: int


def technicians(db: Session, s: Settings, now: datetime) -> list[TechnicianRow]:
    """Every technician with whether they are on duty now and how many orders they hold (the
    supervisor's dispatch page)."""
    calendar = Overrides.of(s)
    return [TechnicianRow(t.username, t.name, t.phone, tuple(t.districts), t.active,
                          on_duty(t, now, s.timezone, calendar), count_open(db, t.id))
            for t in db.scalars(select(Technician).order_by(Technician.username))]
