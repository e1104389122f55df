"""The scheduler's SMS sender: a pass sends what is due; as a thread it keeps sending until stopped;
a gateway that raises fails that message (never resent) and the sender lives on."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session, sessionmaker

from hotline.models.notifications import OutboxMessage
from hotline.notifications.provider import OutgoingSms, SendResult
from hotline.settings import Settings
from scheduler.sms_sender import SmsSender
from tests.scheduler.outbox import Accepting, queue_one


def test_one_pass(sessions: sessionmaker[Session], settings: Settings) -> None:
    gw = Accepting()
    queue_one(sessions, settings, "13800000001")
    rep = SmsSender(settings, sessions, gw).once()
    assert rep.sent == 1 and len(gw.sent) == 1
    assert SmsSender(settings, sessions, gw).once().sent == 0


def test_thread_sends_until_stopped(sessions: sessionmaker[Session], settings: Settings) -> None:
    gw = Accepting()
    sender = SmsSender(settings.replace(sms_send_interval_s=0.05), sessions, gw).start()
    try:
        ids = [queue_one(sessions, settings, f"1380000000{i}") for i in (1, 2)]
        sender.wake()
        deadline = time.monotonic() + 5
        while len(gw.sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sender.stop()
    assert sorted(s.message_id for s in gw.sent) == ids
    with sessions() as db:
        assert {db.get(OutboxMessage, i).status for i in ids} == {"sent"}  # type: ignore[union-attr]


def test_a_broken_gateway_fails_the_message_once(sessions: sessionmaker[Session], settings: Settings) -> None:
    calls = []

    class Broken:
        name = "broken"

        def send(self, sms: OutgoingSms) -> SendResult:
            calls.append(sms)
            raise RuntimeError("boom")

    msg_id = queue_one(sessions, settings, "13800000001")
    sender = SmsSender(settings.replace(sms_send_interval_s=0.05), sessions, Broken()).start()
    try:
        time.sleep(0.3)
        assert sender._thread is not None and sender._thread.is_alive()
    finally:
        sender.stop()
    assert len(calls) == 1  # never handed to the gateway again: it may have gone
    with sessions() as db:
        msg = db.get(OutboxMessage, msg_id)
        assert msg is not None and msg.status == "failed" and "boom" in (msg.last_error or "")
