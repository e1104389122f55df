"""R-FAULT-DISPATCH: a confirmed report becomes a work order dispatched at once to the district's
on-duty technician with the fewest open orders; the technician's steps, re-assignment, every step
in the history; R-FAULT-SLA clocks from the one rule (big fault → big limit)."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import field
from hotline.field import FieldError
from hotline.models.callbacks import Escalation
from hotline.models.ivr import Customer
from hotline.models.notifications import OutboxMessage
from hotline.rules import fault_due
from hotline.settings import Settings
from tests.hotline.field.conftest import local, report, tech

T0 = local(2026, 12, 7, 10, 0)  # a Monday


def _customer(db: Session, phone: str, district: str) -> None:
    db.add(Customer(phone=phone, area=district, created_at=T0))


def test_dispatched_at_once_to_the_least_loaded_on_duty_technician(db: Session, settings: Settings) -> None:
    busy, idle = tech(db, settings, "wang", ["东城"]), tech(db, settings, "li", ["东城"])
    tech(db, settings, "zhao", ["西城"])  # another district
    tech(db, settings, "qian", ["东城"], rota={"sun": ["08:00-20:00"]})  # not on duty on Monday
    _customer(db, "13800000001", "东城")
    first = field.on_report_confirmed(db, settings, report(db, T0).id, T0)
    assert first.technician_id == busy.id  # a tie: the older record
    second = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    assert (second.status, second.technician_id, second.dispatched_at) == ("dispatched", idle.id, T0)
    due = fault_due(settings, "urban", T0)  # R-FAULT-SLA, small until the size is known
    assert (second.arrive_by, second.fix_by) == (due.arrive_by, due.fix_by)
    assert field.on_report_confirmed(db, settings, second.fault_report_id, T0).id == second.id  # idempotent
    texts = {m.template: m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.work_order_id == second.id))}
    assert texts["repair_receipt"].to_number == "+8613800000001"
    receipt = texts["repair_receipt"].text
    assert second.ticket and second.ticket in receipt and "12月7日10:30" in receipt  # R-FAULT-SLA: arrive-by
    assert texts["dispatch"].to_number == idle.phone and "东城" in texts["dispatch"].text
    assert [e.action for e in field.history(db, second.id)] == ["created", "dispatched"]


def test_nobody_on_duty_leaves_it_for_a_supervisor(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"], rota={"mon": ["08:00-09:00"]})
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    assert order.status == "unassigned" and order.technician_id is None
    esc = db.scalars(select(Escalation)).one()
    assert (esc.kind, esc.subject) == ("order_unassigned", f"order:{order.id}")
    field.dispatch_to(db, settings, order.id, "wang", "boss", T0 + timedelta(minutes=2), note="加班")
    assert order.status == "dispatched"
    assert field.history(db, order.id)[-1].actor == "boss"


def test_technician_steps_and_a_big_fault(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    with pytest.raises(FieldError, match="is dispatched"):
        field.arrive(db, order.id, "wang", T0)
    field.accept(db, order.id, "wang", T0 + timedelta(minutes=3))
    field.book(db, order.id, "wang", T0 + timedelta(minutes=40), T0 + timedelta(minutes=5))
    field.arrive(db, order.id, "wang", T0 + timedelta(minutes=25))
    field.fix(db, settings, order.id, "wang", "big", T0 + timedelta(hours=5))
    assert order.status == "fixed" and order.size == "big"
    assert order.fix_by == fault_due(settings, "urban", T0, big=True).fix_by  # R-FAULT-SLA: 1 day
    rows = field.my_orders(db, "wang", T0 + timedelta(hours=5), include_closed=True)
    assert (rows[0].arrive_state, rows[0].fix_state) == ("met", "met")
    assert [e.action for e in field.history(db, order.id)] == ["created", "dispatched", "accepted", "booked",
                                                             "arrived", "fixed"]


def test_only_the_assigned_technician_moves_an_order(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    tech(db, settings, "li", ["西城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    with pytest.raises(FieldError, match="not li's"):
        field.accept(db, order.id, "li", T0)
    field.accept(db, order.id, "wang", T0)
    with pytest.raises(FieldError, match="reason"):
        field.cannot_fix(db, order.id, "wang", "  ", T0)
    field.cannot_fix(db, order.id, "wang", "需更换分支器，明日带料", T0 + timedelta(minutes=50))
    assert order.status == "cannot_fix"
    field.dispatch_to(db, settings, order.id, "li", "boss", T0 + timedelta(hours=1))  # re-assigned by hand
    assert order.status == "dispatched" and order.reason is None
    assert field.history(db, order.id)[-1].action == "reassigned"
    assert field.history(db, order.id)[-1].detail["to"] == "li"


def test_a_technician_taken_off_is_not_dispatched_to(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    li = tech(db, settings, "li", ["东城"])
    field.update_technician(db, settings, "wang", active=False)
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    assert order.technician_id == li.id
    with pytest.raises(FieldError, match="not in the districts setting"):
        field.update_technician(db, settings, "li", districts=["南城"])
    with pytest.raises(ValueError, match="unknown day"):
        field.update_technician(db, settings, "li", rota={"weekend": ["08:00-18:00"]})
    field.update_technician(db, settings, "li", rota={"sun": ["08:00-18:00"]}, phone="13911112222")
    assert li.phone == "+8613911112222"
    assert field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城").status == "unassigned"


def test_the_dispatch_board_lists_technicians_on_duty_and_their_load(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    tech(db, settings, "li", ["西城"], rota={"sun": ["08:00-18:00"]})
    field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    rows = {r.username: r for r in field.technicians(db, settings, T0)}
    assert (rows["wang"].on_duty, rows["wang"].open_orders) == (True, 1)
    assert (rows["li"].on_duty, rows["li"].open_orders, rows["li"].districts) == (False, 0, ("西城",))


def test_a_booking_in_the_past_and_a_blank_delay_reason_are_refused(db: Session, settings: Settings) -> None:
    """The walk's finds: a booked time already gone was taken as booked, a delay reason of spaces
    stood in the overdue review as a reason given."""
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    now = T0 + timedelta(minutes=3, seconds=30)
    field.accept(db, order.id, "wang", now)
    with pytest.raises(FieldError, match="already passed"):
        field.book(db, order.id, "wang", T0 - timedelta(days=5), now)
    assert order.status == "accepted" and order.booked_for is None
    field.book(db, order.id, "wang", T0 + timedelta(minutes=3), now)  # this minute, as the picker gives it
    assert order.status == "booked"
    with pytest.raises(FieldError, match="reason"):
        field.explain_delay(db, order.id, "wang", "   ", now)
    assert order.overdue_reason is None
