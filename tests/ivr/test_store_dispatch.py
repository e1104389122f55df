"""R-FAULT-DISPATCH through the IVR: the moment the caller confirms a fault report (key 1), it is a
work order dispatched to the on-duty technician of the caller's district — not when a supervisor
next looks. A dispatch that fails never costs the caller's report."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.models.field import WorkOrder
from hotline.models.ivr import Customer, FaultReport
from hotline.settings import Settings
from ivr.store import IvrStore
from tests.hotline.field.conftest import local, sessions, settings, tech

__all__ = ["sessions", "settings"]
AT = local(2026, 12, 7, 10, 0)  # a Monday morning: the technician is on duty


async def _confirm(store: IvrStore, at: datetime) -> None:
    w = store.writer()
    w.start("ivr-dispatch-1", "13800000042", at, False)
    w.update(at, contact="13800000042", area="urban", fault_type="no_picture")
    w.update(at, status="open")
    w.close()
    await w.task
    await store.drain()


def test_a_confirmed_report_is_dispatched_at_once(settings: Settings, sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        db.add(Customer(phone="13800000042", name="李娜", area="东城", created_at=AT))
        tech(db, settings, "tech-east", ["东城"])
        db.commit()
    store = IvrStore(settings, sessions)
    try:
        asyncio.run(_confirm(store, AT))
    finally:
        store.close()
    with sessions() as db:
        (report,) = db.scalars(select(FaultReport))
        (order,) = db.scalars(select(WorkOrder))
        assert report.status == "open"
        assert (order.fault_report_id, order.district, order.status) == (report.id, "东城", "dispatched")
        assert order.fix_by == report.fix_by  # the one R-FAULT-SLA rule on both


def test_a_failing_dispatch_keeps_the_report(settings: Settings, sessions: sessionmaker[Session],
                                             monkeypatch) -> None:
    import ivr.store

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("dispatch down")

    monkeypatch.setattr(ivr.store, "on_report_confirmed", broken)
    store = IvrStore(settings, sessions)
    try:
        asyncio.run(_confirm(store, AT))
    finally:
        store.close()
    with sessions() as db:
        (report,) = db.scalars(select(FaultReport))
        assert (report.status, report.contact, report.area) == ("open", "13800000042", "urban")
        assert db.scalars(select(WorkOrder)).all() == []
