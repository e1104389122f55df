"""hotline/demo.py: the demo's fault reporters and technician, made whenever missing, so a demo
report is dispatched (R-FAULT-DISPATCH) at any hour; an operator's own rows are left alone."""

from __future__ import annotations

from collections import Counter

import pytest
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
    s = settings  # districts 东城, 西城: the demo's customers are in each in turn
    made = demo.seed(db, s, local(2026, 12, 6, 3, 0))
    assert len(made) == len(demo.FAULT_REPORTERS) + 1
    for i, r in enumerate(demo.FAULT_REPORTERS):
        customer = find_customer(db, s, r.number)
        assert customer is not None and (customer.name, customer.district) == (r.name, ["东城", "西城"][i % 2])
    assert demo.seed(db, s, local(2026, 12, 6, 3, 0)) == []  # made once; a second start adds nothing

    # a Sunday, 03:00, and a public holiday: the demo technician is on duty all the same
    for at in (local(2026, 12, 6, 3, 0), local(2027, 1, 1, 23, 30)):
        for r, where in zip(demo.FAULT_REPORTERS[:2], ("东城", "西城"), strict=True):
            rep = report(db, at, caller=r.number)
            order = on_report_confirmed(db, s, rep.id, at)
            tech = db.scalars(select(Technician).where(Technician.username == demo.TECHNICIAN)).one()
            assert (order.status, order.technician_id, order.district) == ("dispatched", tech.id, where)


def test_an_operators_own_technician_of_the_name_is_kept(db: Session, settings: Settings) -> None:
    from hotline.field import add_technician

    add_technician(db, settings, demo.TECHNICIAN, "13900000999", ["西城"], {"mon": ["08:00-17:00"]},
                   local(2026, 12, 6, 3, 0))
    demo.seed(db, settings, local(2026, 12, 6, 3, 0))
    tech = db.scalars(select(Technician).where(Technician.username == demo.TECHNICIAN)).one()
    assert tech.districts == ["西城"] and tech.phone.endswith("13900000999")


def test_an_older_demos_technician_covers_the_new_districts(db: Session, settings: Settings) -> None:
    from hotline.field import add_technician

    add_technician(db, settings, demo.TECHNICIAN, demo.TECHNICIAN_PHONE, ["东城"], {"mon": ["08:00-17:00"]},
                   local(2026, 12, 6, 3, 0))
    demo.seed(db, settings, local(2026, 12, 6, 3, 0))
    tech = db.scalars(select(Technician).where(Technician.username == demo.TECHNICIAN)).one()
    assert tech.districts == ["东城", "西城"]


@pytest.mark.parametrize("districts", [[], ["东城", "西城"], ["东城"]])
def test_a_demos_fault_reports_are_a_mix_not_a_cluster(db: Session, settings: Settings, districts: list[str]) -> None:
    """R-FAULT-OUTAGE: outage_cluster_reports of one fault type from one district suggest an outage.
    The 10 fault reports of a default 40-call demo vary type and district, so none is suggested
    from every caller keying alike (the walk-through's every-run 疑似区域故障)."""
    import random

    from ami_listener.simulate import fault_call

    s = settings.replace(districts=districts)
    demo.seed(db, s, local(2026, 12, 6, 3, 0))
    rnd, seen = random.Random(1), Counter[tuple[str, str]]()
    for n in range(40 // 4):
        call = fault_call(rnd, s, n)
        customer = find_customer(db, s, call.caller_number)
        assert customer is not None and customer.district is not None
        key = next(a.groups[0] for a in call.answers if a.step == "fault.type")
        seen[(customer.district, s.ivr_fault_types[int(key) - 1])] += 1
    assert max(seen.values()) < s.outage_cluster_reports, seen
    assert len({fault for _, fault in seen}) == len(s.ivr_fault_types)
    assert len({where for where, _ in seen}) == (len(districts) or 4)
