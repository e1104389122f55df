"""SMS through a real Kannel (tests/support/kannel.py: bearerbox + smsbox, a fake SMSC link and
fakesmsc as the phone): Chinese text arrives intact (sent as UTF-8 with coding=2, UCS-2 on the
SMSC link), the delivery report comes back to our URL and is recorded; with Kannel down the
messages wait in the outbox and go once it is back, each exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.models.notifications import OutboxMessage
from hotline.notifications import Template, queue_sms, record_delivery_query, send_due
from hotline.settings import Settings
from hotline.timeutil import utcnow
from tests.hotline.notifications.conftest import kannel_settings
from tests.support.kannel import DlrReceiver, PrivateKannel

pytestmark = pytest.mark.timeout(60)


def _wait_status(sessions: sessionmaker[Session], msg_id: int, status: str, timeout_s: float = 10.0) -> OutboxMessage:
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        with sessions() as db:
            msg = db.get(OutboxMessage, msg_id)
            assert msg is not None
            if msg.status == status or time.monotonic() > deadline:
                return msg
        time.sleep(0.05)


def test_chinese_text_reaches_the_phone_and_the_delivery_report_is_recorded(
        db: Session, sessions: sessionmaker[Session], settings: Settings, kannel: PrivateKannel) -> None:
    def on_report(q: dict[str, str]) -> None:  # the panel's DLR route, played here
        with sessions() as rdb:
            record_delivery_query(rdb, q, utcnow())

    dlr = DlrReceiver(on_report)
    try:
        s = kannel_settings(settings, kannel, dlr.url)
        before = len(kannel.received())
        now = utcnow()
        msg = queue_sms(db, s, "13800000077", Template.REPAIR_RECEIPT,
                        {"ticket": "000123", "arrive_by": "12月7日10:30", "fix_by": "12月7日11:00"}, now)
        db.commit()
        assert msg is not None
        rep = send_due(db, s, now)
        assert rep.sent == 1, rep.errors
        got = kannel.wait_received(before + 1)[before:]
        # longer than one UCS-2 SMS (70 characters): Kannel sends it in two parts, the phone joins them
        assert [(r.sender, r.receiver, r.coding, r.parts) for r in got] == [("10000", "13800000077", "ucs-2", 2)]
        assert got[0].text == msg.text and "工单号000123" in got[0].text  # intact, UCS-2 on the SMSC link
        done = _wait_status(sessions, msg.id, "delivered")
        assert done.status == "delivered" and done.dlr_status == 1 and done.provider_message_id, dlr.errors
        assert not dlr.errors
    finally:
        dlr.close()


def test_spaces_and_plus_signs_reach_the_phone_as_typed(
        db: Session, settings: Settings, kannel: PrivateKannel) -> None:
    """A space in the text (a fault type's "马赛克 / 图像不清", the consult answer's template) and a
    plus sign (a number's +86) reach the phone as typed, each its own character."""
    s = kannel_settings(settings, kannel)
    now = utcnow()
    msg = queue_sms(db, s, "13800000078", Template.CONSULT_ANSWER,
                    {"ref": "C-1", "answer": "重启机顶盒 a+b 50% & 完成，+8613800000078"}, now)
    db.commit()
    assert msg is not None and " " in msg.text
    before = len(kannel.received())
    assert send_due(db, s, now).sent == 1
    got = kannel.wait_received(before + 1)[before:]
    assert [r.text for r in got] == [msg.text]


def test_kannel_down_messages_wait_then_go_each_once(
        db: Session, settings: Settings, kannel: PrivateKannel) -> None:
    s = kannel_settings(settings, kannel)
    before = len(kannel.received())
    now = utcnow()
    ids = []
    for i in range(3):
        msg = queue_sms(db, s, f"1390000010{i}", Template.SERVICE_RESTORED, {"district": "东城", "cause": "停电"}, now)
        assert msg is not None
        ids.append(msg.id)
    db.commit()
    kannel.halt()
    try:
        rep = send_due(db, s, now)
        assert (rep.sent, rep.retry) == (0, 1)  # the first finds Kannel down; the others are not tried
        assert send_due(db, s, now + timedelta(seconds=1)).retry == 1  # the next one, its first try
        rows = [db.get(OutboxMessage, i) for i in ids]
        assert all(r is not None and r.status == "queued" for r in rows)
    finally:
        kannel.resume()
    later = now + timedelta(hours=1)  # past every back-off
    assert send_due(db, s, later).sent == 3
    assert send_due(db, s, later + timedelta(hours=1)).sent == 0
    got = kannel.wait_received(before + 3)[before:]
    import time

    time.sleep(0.5)  # nothing more arrives
    got = kannel.received()[before:]
    assert Counter(r.receiver for r in got) == Counter(f"1390000010{i}" for i in range(3))
    assert all("东城" in r.text and "已恢复" in r.text for r in got)


def test_a_dispatched_order_texts_the_customer_and_the_technician(
        db: Session, settings: Settings, kannel: PrivateKannel) -> None:
    """R-FAULT-DISPATCH end to end on the SMS side: a confirmed report → work order → receipt to
    the customer and the job to the technician, both at the phone side."""
    from hotline import field
    from tests.hotline.callbacks.conftest import add_report

    s = kannel_settings(settings, kannel).replace(districts=["东城"])
    now = utcnow()
    all_day = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday", "workday")}
    wang = field.add_technician(db, s, "wang", "13900000321", ["东城"], all_day, now)
    rep = add_report(db, at=now, caller="13800000321")
    order = field.on_report_confirmed(db, s, rep.id, now, district="东城")
    db.commit()
    before = len(kannel.received())
    assert send_due(db, s, now).sent == 2
    got = {r.receiver: r.text for r in kannel.wait_received(before + 2)[before:]}
    assert set(got) == {"13800000321", "13900000321"} and wang.phone == "+8613900000321"
    assert f"工单号{order.ticket}" in got["13800000321"]
    assert f"新工单{order.ticket}" in got["13900000321"] and "13800000321" in got["13900000321"]
