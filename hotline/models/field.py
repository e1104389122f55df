"""Field service tables (R-FAULT-DISPATCH, R-FAULT-SLA, R-OVERDUE, R-FAULT-OUTAGE): technicians with
their districts and weekly rota, work orders made from confirmed fault reports, every step of an
order (who, when, what), and outages suggested from clustered reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId

__all__ = [
    "CLOSED_ORDER_STATUSES",
    "FAULT_SIZES",
    "OPEN_ORDER_STATUSES",
    "ORDER_STATUSES",
    "SUGGESTION_STATUSES",
    "OutageSuggestion",
    "Technician",
    "WorkOrder",
    "WorkOrderEvent",
]

# unassigned: no technician on duty in the district (a supervisor dispatches by hand);
# outage: linked to a published outage instead of a technician (R-FAULT-OUTAGE);
# restored: its outage was closed; fixed / cannot_fix: the technician's last word.
ORDER_STATUSES = ("unassigned", "dispatched", "accepted", "booked", "arrived", "fixed", "cannot_fix",
                  "outage", "restored")
OPEN_ORDER_STATUSES = ("unassigned", "dispatched", "accepted", "booked", "arrived")
CLOSED_ORDER_STATUSES = ("fixed", "cannot_fix", "restored")
FAULT_SIZES = ("small", "big")  # R-FAULT-SLA: the fix limit depends on it
SUGGESTION_STATUSES = ("suggested", "published", "dismissed")


class Technician(Base):
    """A repair technician: logs in to the panel as ``username`` (role technician), is rung on
    ``phone`` (E.164), covers ``districts`` and works the hours of ``rota``: weekday key (mon…sun,
    plus ``holiday`` for public holidays and ``workday`` for make-up working days) → list of
    "HH:MM-HH:MM" spans."""

    __tablename__ = "field_technicians"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(32))
    districts: Mapped[list[Any]] = mapped_column(default=list)
    rota: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class WorkOrder(Base):
    """One repair job, made from one confirmed fault report. Its clocks come from
    ``hotline.rules.fault_due`` (R-FAULT-SLA); the big-fault limit once the size is known."""

    __tablename__ = "field_work_orders"
    __table_args__ = (
        Index("ix_field_work_orders_status_fix_by", "status", "fix_by"),
        Index("ix_field_work_orders_technician_status", "technician_id", "status"),
        Index("ix_field_work_orders_district_reported", "district", "reported_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fault_report_id: Mapped[int] = mapped_column(ForeignKey("fault_reports.id"), unique=True)
    ticket: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(64))  # matched exactly, like outages' area
    area: Mapped[str] = mapped_column(String(16))  # urban | rural (R-FAULT-SLA)
    fault_type: Mapped[str | None] = mapped_column(String(32))
    customer_number: Mapped[str | None] = mapped_column(String(32))  # E.164, None when withheld
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("field_technicians.id"))
    status: Mapped[str] = mapped_column(String(16))  # one of ORDER_STATUSES
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"), index=True)
    size: Mapped[str | None] = mapped_column(String(8))  # one of FAULT_SIZES, when fixed
    reason: Mapped[str | None] = mapped_column(Text)  # cannot_fix: why
    reported_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    booked_for: Mapped[datetime | None]  # the time agreed with the customer
    arrived_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # fixed, cannot_fix or restored
    arrive_by: Mapped[datetime]
    fix_by: Mapped[datetime]
    overdue_at: Mapped[datetime | None]  # R-OVERDUE: when it was flagged
    overdue_reason: Mapped[str | None] = mapped_column(Text)  # the technician's word on the delay
    review_note: Mapped[str | None] = mapped_column(Text)  # R-OVERDUE monthly review
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WorkOrderEvent(Base):
    """Every step of a work order: who did what when (dispatch, accept, call, book, arrive, fix,
    reassign, escalate…). Never edited."""

    __tablename__ = "field_work_order_events"
    __table_args__ = (Index("ix_field_work_order_events_order_at", "order_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("field_work_orders.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # a user name, or "system"
    action: Mapped[str] = mapped_column(String(24))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("field_technicians.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutageSuggestion(Base):
    """R-FAULT-OUTAGE: ≥ N reports of one fault type from one district within M minutes; the
    supervisor publishes it (an ``outages`` row) or dismisses it."""

    __tablename__ = "field_outage_suggestions"
    __table_args__ = (Index("ix_field_outage_suggestions_district", "district", "fault_type", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    district: Mapped[str] = mapped_column(String(64))
    fault_type: Mapped[str] = mapped_column(String(32))
    order_ids: Mapped[list[Any]] = mapped_column(default=list)  # the clustered work orders
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    announcement: Mapped[str] = mapped_column(Text)  # the suggested text
    status: Mapped[str] = mapped_column(String(16), default="suggested")
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"))
    raised_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
