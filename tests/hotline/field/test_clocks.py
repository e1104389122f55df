"""Clocks of work orders: not accepted in time → supervisor (R-FAULT-DISPATCH); arrive-by and fix-by
missed → escalated once each (R-FAULT-SLA, R-OVERDUE); the monthly overdue review lists every late
order with its reason and takes a supervisor's note."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import field
from hotline.field import FieldError
from hotline.models.callbacks import Escalation
from hotline.settings import Settings
from tests.hotline.field.conftest import local, report, tech

T0 = local(2026, 12, 7, 10, 0)


def _kinds(db: Session) -> list[tuple[str, str]]:
    return sorted((e.kind, e.subject) for e in db.scalars(select(Escalation)))


def test_unaccepted_then_late_then_overdue_each_escalated_once(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    s = f"order:{order.id}"
    assert field.check_clocks(db, settings, T0 + timedelta(minutes=15)).escalations == []  # at the limit: in time
    rep = field.check_clocks(db, settings, T0 + timedelta(minutes=16))
    assert rep.unaccepted == 1 and _kinds(db) == [("order_unaccepted", s)]
    field.check_clocks(db, settings, T0 + timedelta(minutes=17))
    assert len(_kinds(db)) == 1  # once
    field.accept(db, order.id, "wang", T0 + timedelta(minutes=20))
    field.check_clocks(db, settings, T0 + timedelta(minutes=31))  # urban arrive-by: 30 min
    assert ("order_late_arrival", s) in _kinds(db)
    field.arrive(db, order.id, "wang", T0 + timedelta(minutes=45))
    rep = field.check_clocks(db, settings, T0 + timedelta(minutes=61))  # small fix-by: 1 h
    assert rep.overdue == 1 and ("order_overdue", s) in _kinds(db) and order.overdue_at is not None
    field.explain_delay(db, order.id, "wang", "楼道断电，等物业开门", T0 + timedelta(minutes=62))
    field.fix(db, settings, order.id, "wang", "small", T0 + timedelta(minutes=90))
    assert field.check_clocks(db, settings, T0 + timedelta(hours=3)).escalations == []  # closed: quiet


def test_monthly_overdue_review(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    late = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    on_time = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    still_open = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    for o in (late, on_time):
        field.accept(db, o.id, "wang", T0)
        field.arrive(db, o.id, "wang", T0 + timedelta(minutes=20))
    field.fix(db, settings, on_time.id, "wang", "small", T0 + timedelta(minutes=60))  # at the deadline: in time
    field.fix(db, settings, late.id, "wang", "small", T0 + timedelta(minutes=75))
    now = T0 + timedelta(hours=4)
    rows = field.overdue_review(db, settings, date(2026, 12, 1), now)
    assert [r.order_id for r in rows] == [late.id, still_open.id]
    assert rows[0].late_by == timedelta(minutes=15) and rows[0].reason == "到场后未按时修复"
    assert rows[1].reason == "未到场" and rows[1].technician == "wang"
    assert field.overdue_review(db, settings, date(2026, 11, 1), now) == []
    field.set_review_note(db, late.id, "已约谈，改进备件携带", "boss", now)
    assert field.overdue_review(db, settings, date(2026, 12, 1), now)[0].review_note == "已约谈，改进备件携带"
    with pytest.raises(FieldError, match="not overdue"):
        field.set_review_note(db, on_time.id, "x", "boss", now)
