"""The technician's call to the customer on the real Asterisk: the Originate rings the technician
(a simulated phone behind ``outbound_dial``), then the customer from ``hotline-callback``; the
listener's call record carries the order and shows the customer's number."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from hotline import field
from hotline.chanvars import ChanVar
from hotline.db import open_db
from hotline.models import Call
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import Direction
from tests.hotline.field.conftest import report, tech

pytestmark = [pytest.mark.asterisk, pytest.mark.timeout(90)]


def test_technician_then_customer_through_the_hotline(pbx: Asterisk, db_url: str) -> None:
    s = pbx.settings.replace(database_url=db_url, districts=["东城"], sms_provider="none", field_technician_ring_s=5)
    _, sessions = open_db(s)
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        now = utcnow()
        with sessions() as db:
            rota = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday", "workday")}
            tech(db, s, "wang", ["东城"], rota=rota, at=now)
            order = field.on_report_confirmed(db, s, report(db, now, caller="13800000055").id, now, district="东城")
            field.accept(db, order.id, "wang", now)
            db.commit()
            with pbx.ami() as ami:
                call = field.call_customer(db, s, order.id, "wang", now, ami=ami, variables={
                    "__SIM_CUSTOMER": "answer", "__SIM_CUSTOMER_RING": "0.3", "__SIM_CUSTOMER_TALK": "1.5"})
        deadline, record = time.monotonic() + 30, None
        while record is None and time.monotonic() < deadline:
            time.sleep(0.3)
            with sessions() as db:
                record = db.scalars(select(Call).where(Call.call_id == call.call_id)).first()
        assert record is not None, "no call record for the technician's call"
        assert record.direction == Direction.OUTBOUND
        assert record.vars.get(ChanVar.ORDER_ID) == str(order.id)
        assert record.caller_number == "13800000055"
        assert record.answered_at is not None
        # the technician is no agent: no agent's figures count the call (the supervisor's tables
        # listed a row of the technician's username); the record says who called
        assert (record.agent, record.final_agent) == (None, None)
        assert record.vars.get(ChanVar.TECHNICIAN) == "wang"
    finally:
        listener.stop()
