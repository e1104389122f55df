"""hotline/demo.py: the demo's fault reporters and technician, made whenever missing, so a demo
report is dispatched (R-FAULT-DISPATCH) at any hour; an operator's own rows are left alone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import demo
from hotline.customers import find_customer
from hotline.field import on_report_confirmed
from hotline.models.field import Technician
from hotline.settings import Settings
from tests.hotline.field.conftest import db, local, report, sessions, settings

__all__ = ["db", "sessions", "settings"]


def test_the_demo_technician_gets_the_demo_customers_reports_at_any_hour(db: Session, settings: Settings) -> None:
    s = settings  # districts 东城, 西城: the demo's is the first
    made = demo.seed(db, s, local(2026, 12, 6, 3, 0))
    assert len(made) == len(demo.FAULT_REPORTERS) + 1
    for number, name, _address in demo.FAULT_REPORTERS:
        customer = find_customer(db, s, number)
        assert customer is not None and (customer.name, customer.district) == (name, "东城")
    assert demo.seed(db, s, local(2026, 12, 6, 3, 0)) == []  # made once; a second start adds nothing

    # a Sunday, 03:00, and a public holiday: the demo technician is on duty all the same
    for at in (local(2026, 12, 6, 3, 0), local(2027, 1, 1, 23, 30)):
        rep = report(db, at, caller=demo.FAULT_REPORTERS[1][0])
        order = on_report_confirmed(db, s, rep.id, at)
        tech = db.scalars(select(Technician).where(Technician.username == demo.TECHNICIAN)).one()
        assert (order.status, order.technician_id, order.district) == ("dispatched", tech.id, "东城")


def test_an_operators_own_technician_of_the_name_is_kept(db: Session, settings: Settings) -> None:
    from hotline.field import add_technician

    add_technician(db, settings, demo.TECHNICIAN, "13900000999", ["西城"], {"mon": ["08:00-17:00"]},
                   local(2026, 12, 6, 3, 0))
    demo.seed(db, settings, local(2026, 12, 6, 3, 0))
    tech = db.scalars(select(Technician).where(Technician.username == demo.TECHNICIAN)).one()
    assert tech.districts == ["西城"] and tech.phone.endswith("13900000999")
