"""An escalation whose subject is handled is live no more (hotline.escalations; R-OVERDUE,
R-COMPLAINT, R-FAULT-DISPATCH, R-FAULT-OUTAGE): every kind leaves the live list when its task,
complaint, work order or outage suggestion is dealt with, and the record keeps when that was."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import field
from hotline.callbacks import create_complaint, update_complaint
from hotline.escalations import live_escalations, resolved_at
from hotline.models.callbacks import CallbackTask, Escalation
from hotline.models.field import Technician
from hotline.settings import Settings
from tests.hotline.field.conftest import db, local, report, sessions, settings, tech

__all__ = ["db", "sessions", "settings"]  # the field fixtures

T0 = local(2026, 12, 7, 10, 0)


def _live(db: Session) -> set[tuple[str, str]]:
    db.flush()
    return {(e.kind, e.subject) for e in live_escalations(db)}


def _resolved(db: Session, kind: str, subject: str) -> datetime | None:
    db.flush()
    e = db.scalars(select(Escalation).where(Escalation.kind == kind, Escalation.subject == subject)).one()
    return resolved_at(db, [e])[e.id]


def test_a_work_orders_escalations_end_with_what_each_waited_for(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    s = f"order:{order.id}"
    field.check_clocks(db, settings, T0 + timedelta(minutes=31))  # not accepted, not arrived
    assert _live(db) == {("order_unaccepted", s), ("order_late_arrival", s)}
    accepted = T0 + timedelta(minutes=32)
    field.accept(db, order.id, "wang", accepted)
    assert _live(db) == {("order_late_arrival", s)}  # the wallboard said 工单超时未接 after the accept
    assert _resolved(db, "order_unaccepted", s) == accepted
    field.arrive(db, order.id, "wang", T0 + timedelta(minutes=40))
    field.check_clocks(db, settings, T0 + timedelta(minutes=61))  # small fix-by: 1 h
    assert _live(db) == {("order_overdue", s)}
    fixed = T0 + timedelta(minutes=70)
    field.fix(db, settings, order.id, "wang", "small", fixed)
    assert _live(db) == set() and _resolved(db, "order_overdue", s) == fixed
    # the record stays until a supervisor acknowledges it: raised and resolved, both known
    assert len(db.scalars(select(Escalation).where(Escalation.acknowledged_at.is_(None))).all()) == 3


def test_a_reassigned_order_is_unaccepted_again(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    tech(db, settings, "li", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    field.check_clocks(db, settings, T0 + timedelta(minutes=16))
    field.accept(db, order.id, order_owner(db, order.technician_id), T0 + timedelta(minutes=17))
    assert _live(db) == set()
    other = "li" if order_owner(db, order.technician_id) == "wang" else "wang"
    field.dispatch_to(db, settings, order.id, other, "boss", T0 + timedelta(minutes=18))
    assert _live(db) == {("order_unaccepted", f"order:{order.id}")}


def order_owner(db: Session, technician_id: int | None) -> str:
    t = db.get(Technician, technician_id)
    assert t is not None
    return t.username


def test_an_unassigned_order_ends_with_a_dispatch(db: Session, settings: Settings) -> None:
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")  # nobody on duty
    assert _live(db) == {("order_unassigned", f"order:{order.id}")}
    tech(db, settings, "wang", ["东城"])
    field.dispatch_to(db, settings, order.id, "wang", "boss", T0 + timedelta(minutes=5))
    assert _live(db) == set()
    assert _resolved(db, "order_unassigned", f"order:{order.id}") == T0 + timedelta(minutes=5)


def test_an_outage_suggestion_ends_when_decided(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    for i in range(5):
        at = T0 + timedelta(minutes=i)
        field.on_report_confirmed(db, settings, report(db, at, caller=f"138000002{i:02d}").id, at, district="东城")
    assert {k for k, _ in _live(db)} == {"outage_suggested"}
    sug = field.open_suggestions(db)[0]
    field.dismiss_suggestion(db, sug.id, "boss", T0 + timedelta(minutes=9))
    assert _live(db) == set()


def test_task_and_complaint_escalations_end_when_handled(db: Session, settings: Settings) -> None:
    c = create_complaint(db, settings, "13800000001", now=T0)
    task = db.scalars(select(CallbackTask).where(CallbackTask.complaint_id == c.id)).one()
    for kind, subject, ids in (("complaint_contact", f"complaint:{c.id}", {"complaint_id": c.id}),
                               ("complaint_solution", f"complaint:{c.id}", {"complaint_id": c.id}),
                               ("task_overdue", f"task:{task.id}", {"task_id": task.id})):
        db.add(Escalation(kind=kind, subject=subject, due_at=T0, raised_at=T0, **ids))
    assert len(_live(db)) == 3
    contacted = T0 + timedelta(hours=3)
    update_complaint(db, c.id, contacted=True, now=contacted)  # closes its contact task too
    assert _live(db) == {("complaint_solution", f"complaint:{c.id}")}
    assert _resolved(db, "task_overdue", f"task:{task.id}") == contacted
    update_complaint(db, c.id, resolved=True, now=T0 + timedelta(hours=5))
    assert _live(db) == set()
