"""Work orders (R-FAULT-DISPATCH): made from a confirmed fault report, dispatched at once to the
on-duty technician of the district with the fewest open orders (or by a supervisor), then moved
by the technician: accepted → booked → arrived → fixed (small / big) | cannot_fix. Every step is
an event. Clocks come from ``hotline.rules.fault_due`` (R-FAULT-SLA); the big-fault limit
replaces the small one once the technician says the fault was big. Functions flush; the caller
commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.cases.categories import fault_type_name
from hotline.customers import find_customer
from hotline.errors import N_
from hotline.field.errors import FieldError
from hotline.field.events import SYSTEM, FieldEscalation, escalate, local_text, order_subject, record
from hotline.field.technicians import on_duty_for, technician
from hotline.models.field import CLOSED_ORDER_STATUSES, FAULT_SIZES, OPEN_ORDER_STATUSES, Technician, WorkOrder
from hotline.models.ivr import AREAS, FaultReport
from hotline.notifications import Links, Template, queue_sms
from hotline.outages import current_outage
from hotline.rules import fault_due
from hotline.settings import Settings


def get_order(db: Session, order_id: int) -> WorkOrder:
    order = db.get(WorkOrder, order_id)
    if order is None:
        raise FieldError(N_("no work order %(id)s"), id=order_id)
    return order


def _district_of(db: Session, s: Settings, report: FaultReport) -> str | None:
    """The district the caller keyed in the IVR, else the known customer's (found by any form of
    any of their numbers; ``customers.area``, the same string outages use)."""
    if report.district:
        return report.district
    for number in (report.caller, report.contact):
        customer = find_customer(db, s, number) if number else None
        if customer is not None and customer.area:
            return str(customer.area)
    return None


def on_report_confirmed(db: Session, s: Settings, report_id: int, now: datetime, *,
                        district: str | None = None) -> WorkOrder:
    """R-FAULT-DISPATCH: a confirmed fault report becomes a work order at once. The IVR (after its
    confirm step) and the desk call this; calling it again for the same report returns the same
    order. ``district``: as the caller keyed it, else the known customer's. Reports from a district
    under a published outage are linked to it (R-FAULT-OUTAGE) instead of dispatched."""
    known = db.scalars(select(WorkOrder).where(WorkOrder.fault_report_id == report_id)).first()
    if known is not None:
        return known
    report = db.get(FaultReport, report_id)
    if report is None or report.status == "incomplete":
        raise FieldError(N_("fault report %(id)s is not confirmed"), id=report_id)
    # an area the report lacks gets the stricter (urban) clock rather than none
    area = report.area if report.area in AREAS else "urban"
    due = fault_due(s, area, report.created_at)  # R-FAULT-SLA
    number = read_number(s, report.contact or report.caller)
    order = WorkOrder(fault_report_id=report.id, ticket=report.ticket, district=district or _district_of(db, s, report),
                      area=area, fault_type=report.fault_type, customer_number=number.e164 if number else None,
                      status="unassigned", reported_at=report.created_at, arrive_by=due.arrive_by, fix_by=due.fix_by,
                      created_at=now, updated_at=now)
    db.add(order)
    db.flush()
    record(db, order, SYSTEM, "created", now, report=report.id, district=order.district)
    outage = current_outage(db, order.district, now) if order.district else None
    if outage is not None:
        link_to_outage(db, order, outage.id, SYSTEM, now)
        return order
    dispatch_auto(db, s, order, now)
    _receipt(db, s, order, now)
    from hotline.field.outages import detect_cluster  # the outages module builds on this one

    detect_cluster(db, s, order, now)
    return order


def _receipt(db: Session, s: Settings, order: WorkOrder, now: datetime) -> None:
    if order.customer_number:
        queue_sms(db, s, order.customer_number, Template.REPAIR_RECEIPT,
                  {"ticket": order.ticket or order.id, "arrive_by": local_text(s, order.arrive_by),
                   "fix_by": local_text(s, order.fix_by)}, now,
                  links=Links(fault_report_id=order.fault_report_id, work_order_id=order.id),
                  dedupe_key=f"receipt:order:{order.id}")


def link_to_outage(db: Session, order: WorkOrder, outage_id: int, by: str, now: datetime) -> None:
    """R-FAULT-OUTAGE: the order waits for the outage to end instead of a technician."""
    order.outage_id, order.status, order.technician_id = outage_id, "outage", None
    record(db, order, by, "linked_to_outage", now, outage=outage_id)


def dispatch_auto(db: Session, s: Settings, order: WorkOrder, now: datetime) -> Technician | None:
    """To the first on-duty technician of the district (fewest open orders); none on duty: the
    order stays unassigned and a supervisor is alerted to dispatch it by hand."""
    techs = on_duty_for(db, s, order.district, now)
    if not techs:
        order.status = "unassigned"
        record(db, order, SYSTEM, "no_technician", now, district=order.district)
        escalate(db, FieldEscalation.UNASSIGNED, order_subject(order.id), now, now)
        return None
    _assign(db, s, order, techs[0], SYSTEM, now)
    return techs[0]


def _assign(db: Session, s: Settings, order: WorkOrder, tech: Technician, by: str, now: datetime,
            note: str | None = None) -> None:
    previous = order.technician_id
    order.technician_id, order.status, order.dispatched_at = tech.id, "dispatched", now
    order.accepted_at = order.booked_for = None
    order.closed_at, order.reason = None, None
    record(db, order, by, "dispatched" if previous is None else "reassigned", now, to=tech.username,
           previous=previous, note=note)
    queue_sms(db, s, tech.phone, Template.DISPATCH,
              {"ticket": order.ticket or order.id, "district": order.district or "",
               "fault_type": fault_type_name(s, order.fault_type), "customer": order.customer_number or "",
               "arrive_by": local_text(s, order.arrive_by), "fix_by": local_text(s, order.fix_by)}, now,
              links=Links(fault_report_id=order.fault_report_id, work_order_id=order.id))


def dispatch_to(db: Session, s: Settings, order_id: int, username: str, by: str, now: datetime,
                note: str | None = None) -> WorkOrder:
    """A supervisor dispatches (or re-assigns) an order by hand, also a cannot-fix one."""
    order = get_order(db, order_id)
    if order.status not in (*OPEN_ORDER_STATUSES, "cannot_fix"):
        raise FieldError(N_("work order %(id)s is %(status)s"), id=order_id, status=order.status)
    tech = technician(db, username)
    if not tech.active:
        raise FieldError(N_("technician %(name)s is not active"), name=username)
    _assign(db, s, order, tech, by, now, note)
    return order


def owned_order(db: Session, order_id: int, username: str,
                allowed: tuple[str, ...]) -> tuple[WorkOrder, Technician]:
    """``username``'s order in one of the ``allowed`` states, or a FieldError."""
    order, tech = get_order(db, order_id), technician(db, username)
    if order.technician_id != tech.id:
        raise FieldError(N_("work order %(id)s is not %(name)s's"), id=order_id, name=username)
    if order.status not in allowed:
        raise FieldError(N_("work order %(id)s is %(status)s"), id=order_id, status=order.status)
    return order, tech


def accept(db: Session, order_id: int, username: str, now: datetime) -> WorkOrder:
    order, _ = owned_order(db, order_id, username, ("dispatched",))
    order.status, order.accepted_at = "accepted", now
    record(db, order, username, "accepted", now)
    return order


def book(db: Session, order_id: int, username: str, at: datetime, now: datetime) -> WorkOrder:
    """R-FAULT-DISPATCH: the time agreed with the customer (the clocks keep running). A time
    already gone is a typo (the phone's picker keeps the minute: the current minute still counts),
    never a booking the customer could keep."""
    if at < now.replace(second=0, microsecond=0):
        raise FieldError(N_("the booked time %(at)s has already passed"), at=f"{at:%m-%d %H:%M}")
    order, _ = owned_order(db, order_id, username, ("accepted", "booked"))
    order.status, order.booked_for = "booked", at
    record(db, order, username, "booked", now, booked_for=at.isoformat())
    return order


def arrive(db: Session, order_id: int, username: str, now: datetime) -> WorkOrder:
    order, _ = owned_order(db, order_id, username, ("accepted", "booked"))
    order.status, order.arrived_at = "arrived", now
    record(db, order, username, "arrived", now)
    return order


def fix(db: Session, s: Settings, order_id: int, username: str, size: str, now: datetime,
        note: str | None = None) -> WorkOrder:
    """Fixed; a big fault gets R-FAULT-SLA's big-fault limit (the report's fix-by too, which the
    fault-SLA figures read), and the report is closed."""
    if size not in FAULT_SIZES:
        raise FieldError(N_("fault size must be one of %(choices)s, not %(given)r"), choices=FAULT_SIZES, given=size)
    order, _ = owned_order(db, order_id, username, ("arrived",))
    order.size = size
    if size == "big":
        order.fix_by = fault_due(s, order.area, order.reported_at, big=True).fix_by
    order.status, order.closed_at = "fixed", now
    report = db.get(FaultReport, order.fault_report_id)
    if report is not None:
        report.fix_by, report.status, report.updated_at = order.fix_by, "closed", now
    record(db, order, username, "fixed", now, size=size, note=note)
    return order


def cannot_fix(db: Session, order_id: int, username: str, reason: str, now: datetime) -> WorkOrder:
    if not reason.strip():
        raise FieldError(N_("cannot fix: a reason is required"))
    order, _ = owned_order(db, order_id, username, ("accepted", "booked", "arrived"))
    order.status, order.reason, order.closed_at = "cannot_fix", reason.strip(), now
    record(db, order, username, "cannot_fix", now, reason=reason.strip())
    return order


def explain_delay(db: Session, order_id: int, username: str, reason: str, now: datetime) -> WorkOrder:
    """R-OVERDUE: the technician's word on why an order is (or will be) late; a blank one would
    stand in the monthly review as if a reason had been given."""
    if not reason.strip():
        raise FieldError(N_("a delay needs its reason"))
    order, _ = owned_order(db, order_id, username, (*OPEN_ORDER_STATUSES, *CLOSED_ORDER_STATUSES))
    order.overdue_reason = reason.strip()
    record(db, order, username, "delay_reason", now, reason=reason.strip())
    return order
