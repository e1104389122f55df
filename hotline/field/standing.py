"""Where a caller's open fault reports stand (R-ONE-CALL): how many a number has open (the IVR's
HOTLINE_OPEN_MATTERS, the screen pop's flag) and the latest confirmed one with its work order's
stage, which the IVR tells a repeat caller before the menu; the caller's urge (催单) goes into the
order's history for its technician and supervisor."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import forms_of
from hotline.field.events import record
from hotline.models.field import WorkOrder, WorkOrderEvent
from hotline.models.ivr import FaultReport
from hotline.settings import Settings

log = logging.getLogger(__name__)

# incomplete: keyed in the IVR, never confirmed (a callback is due); open: confirmed, not repaired
OPEN_REPORT_STATUSES = ("incomplete", "open")
URGED = "urged"  # the order event of a caller's urge
CALLER = "caller"  # its actor: the customer, through the IVR


class Stage(StrEnum):
    """What the IVR can honestly say of an open report, from its work order's status. Each stage
    is a phrase ``repair_status_<stage>``; a booked time is not read out (no date-reading prompts)."""

    ARRANGING = "arranging"  # no order yet, unassigned, or cannot_fix (a supervisor dispatches)
    DISPATCHED = "dispatched"  # a technician has it: dispatched, accepted, arrived
    BOOKED = "booked"  # a visit time was agreed with the customer
    OUTAGE = "outage"  # linked to a published outage: fixed with it


_STAGES = {"dispatched": Stage.DISPATCHED, "accepted": Stage.DISPATCHED, "arrived": Stage.DISPATCHED,
           "booked": Stage.BOOKED, "outage": Stage.OUTAGE}


@dataclass(frozen=True)
class Standing:
    report_id: int
    ticket: str
    stage: Stage


def filed_by(forms: Collection[str]) -> ColumnElement[bool]:
    """R-ONE-CALL: the reports of the number whose stored forms are ``forms``
    (:func:`~hotline.callbacks.numbers.stored_forms`). The IVR stores a report's caller as that
    call's trunk gave it (13900000109, +8613900000109, 008613900000109, …) and its contact as the
    caller keyed or confirmed it: a caller who gave another number to be called back on and now
    calls from that one is the same customer. Both columns are indexed; no forms match nothing."""
    return or_(FaultReport.caller.in_(forms), FaultReport.contact.in_(forms))


def _of_number(s: Settings, number: str) -> ColumnElement[bool]:
    return filed_by(forms_of(s, number))


def open_report_count(db: Session, s: Settings, number: str) -> int:
    """R-ONE-CALL: the number's open matters among its fault reports."""
    return int(db.scalar(select(func.count(FaultReport.id)).where(
        _of_number(s, number), FaultReport.status.in_(OPEN_REPORT_STATUSES))) or 0)


def latest_open(db: Session, s: Settings, number: str) -> Standing | None:
    """The number's most recent confirmed report still open (its order not fixed or restored:
    those close the report) and the stage of its work order."""
    row = db.execute(select(FaultReport.id, FaultReport.ticket, WorkOrder.status)
                     .outerjoin(WorkOrder, WorkOrder.fault_report_id == FaultReport.id)
                     .where(_of_number(s, number), FaultReport.status == "open",
                            FaultReport.ticket.is_not(None))
                     .order_by(FaultReport.created_at.desc(), FaultReport.id.desc()).limit(1)).first()
    if row is None:
        return None
    report_id, ticket, order_status = row
    return Standing(report_id, ticket, _STAGES.get(order_status or "", Stage.ARRANGING))


def urge(db: Session, report_id: int, now: datetime) -> bool:
    """The caller urged report ``report_id`` (催单): an ``urged`` event in its order's history.
    False when the report has no work order (nothing to note it on: the desk has the ticket)."""
    order = db.scalars(select(WorkOrder).where(WorkOrder.fault_report_id == report_id)).first()
    if order is None:
        log.info("fault report %s urged by its caller: no work order to note it on", report_id)
        return False
    record(db, order, CALLER, URGED, now, report=report_id)
    return True


@dataclass(frozen=True)
class Urged:
    """How often the customer urged an order (客户催单 ×count) and the last time."""

    count: int
    last_at: datetime


def urged(db: Session, order_ids: Iterable[int]) -> dict[int, Urged]:
    """The urges of the orders ``order_ids``, one query for a whole list page; an order never
    urged is absent."""
    ids = set(order_ids)
    if not ids:
        return {}
    rows = db.execute(select(WorkOrderEvent.order_id, func.count(WorkOrderEvent.id), func.max(WorkOrderEvent.at))
                      .where(WorkOrderEvent.order_id.in_(ids), WorkOrderEvent.action == URGED)
                      .group_by(WorkOrderEvent.order_id))
    return {order_id: Urged(int(n), last) for order_id, n, last in rows}
