"""The outbox without a gateway: the SMS policy (mobiles in the allowed regions only), templates,
dedupe, and the sender's promises against a scripted provider: retry with back-off while the
gateway is away, never twice (a claim wins once; a send with no answer, or a claim left by a dead
sender, is never resent), delivery reports checked against our reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.notifications import (
    Links,
    NotificationError,
    Template,
    approve_held,
    queue_sms,
    record_delivery_query,
    record_delivery_report,
    render,
    send_due,
)
from hotline.notifications.provider import Outcome, OutgoingSms, SendResult
from hotline.notifications.sender import _claim
from hotline.settings import Settings

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
FIELDS = {"ticket": "000042", "arrive_by": "12月7日10:30", "fix_by": "12月7日11:00"}


@dataclass
class Script:
    """A gateway whose answers are given in order (then ACCEPTED)."""

    answers: list[Outcome] = field(default_factory=list)
    sent: list[OutgoingSms] = field(default_factory=list)
    name: str = "script"

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        outcome = self.answers.pop(0) if self.answers else Outcome.ACCEPTED
        return SendResult(outcome, provider_message_id="p-1" if outcome is Outcome.ACCEPTED else None,
                          detail=None if outcome is Outcome.ACCEPTED else outcome.value)


def test_policy_mobiles_only(db: Session, settings: Settings) -> None:
    mobile = queue_sms(db, settings, "13800000001", Template.REPAIR_RECEIPT, FIELDS, NOW,
                       links=Links(fault_report_id=7))
    landline = queue_sms(db, settings, "01012345678", Template.REPAIR_RECEIPT, FIELDS, NOW)
    abroad = queue_sms(db, settings, "+85291234567", Template.REPAIR_RECEIPT, FIELDS, NOW)
    assert mobile is not None and landline is not None and abroad is not None
    assert (mobile.status, mobile.to_number) == ("queued", "+8613800000001")
    assert landline.status == "held" and "fixed_line" in (landline.last_error or "")
    assert abroad.status == "held" and "region HK" in (abroad.last_error or "")
    assert queue_sms(db, settings, "anonymous", Template.REPAIR_RECEIPT, FIELDS, NOW) is None
    approve_held(db, landline.id, "boss", NOW)
    assert landline.status == "queued"


def test_templates_and_dedupe(db: Session, settings: Settings) -> None:
    text = render(settings, Template.REPAIR_RECEIPT, FIELDS)
    assert "000042" in text and "12月7日10:30" in text and settings.company_name in text
    with pytest.raises(ValueError, match="no value for 'ticket'"):
        render(settings, Template.REPAIR_RECEIPT, {})
    a = queue_sms(db, settings, "13800000001", Template.CALLBACK_MISSED, {}, NOW, dedupe_key="k")
    b = queue_sms(db, settings, "13800000001", Template.CALLBACK_MISSED, {}, NOW, dedupe_key="k")
    assert a is b


def test_templates_overridden_by_configuration(db: Session, settings: Settings, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "sms.toml"
    path.write_text('callback_missed = "回电未通，请拨{hotline}"\n', encoding="utf-8")
    s = settings.replace(sms_templates_file=str(path))
    assert render(s, Template.CALLBACK_MISSED, {}) == f"回电未通，请拨{s.hotline_number}"


def test_gateway_away_retries_with_backoff_then_sends_once(db: Session, settings: Settings) -> None:
    msgs = [queue_sms(db, settings, f"1380000000{i}", Template.CALLBACK_MISSED, {}, NOW) for i in (1, 2)]
    db.commit()
    gw = Script([Outcome.NOT_SENT])
    rep = send_due(db, settings, NOW, gw)
    assert (rep.sent, rep.retry) == (0, 1) and len(gw.sent) == 1  # the rest wait: the gateway is away
    first = msgs[0]
    assert first is not None and first.status == "queued" and first.next_attempt_at == NOW + timedelta(seconds=30)
    rep = send_due(db, settings, NOW + timedelta(seconds=10), gw)  # the other one was due: it goes
    assert rep.sent == 1
    rep = send_due(db, settings, NOW + timedelta(seconds=31), gw)
    assert rep.sent == 1 and first.status == "sent" and first.attempts == 2 and first.provider_message_id == "p-1"
    assert send_due(db, settings, NOW + timedelta(hours=1), gw).sent == 0
    assert len(gw.sent) == 3 and len({s.ref for s in gw.sent}) == 3


def test_out_of_attempts_fails(db: Session, settings: Settings) -> None:
    msg = queue_sms(db, settings, "13800000001", Template.CALLBACK_MISSED, {}, NOW)
    db.commit()
    gw = Script([Outcome.NOT_SENT] * 3)
    at = NOW
    for _ in range(3):
        send_due(db, settings, at, gw)
        at += timedelta(hours=1)
    assert msg is not None and msg.status == "failed" and msg.attempts == 3


def test_never_twice(db: Session, settings: Settings) -> None:
    unknown = queue_sms(db, settings, "13800000001", Template.CALLBACK_MISSED, {}, NOW)
    claimed = queue_sms(db, settings, "13800000002", Template.CALLBACK_MISSED, {}, NOW)
    db.commit()
    assert unknown is not None and claimed is not None
    assert _claim(db, claimed.id, NOW) is not None
    assert _claim(db, claimed.id, NOW) is None  # a second sender does not get it
    gw = Script([Outcome.UNKNOWN])
    send_due(db, settings, NOW, gw)
    db.refresh(unknown)
    assert unknown.status == "failed" and [s.message_id for s in gw.sent] == [unknown.id]
    # the sender that held the claim died: failed after sms_claim_stale_s, never resent
    rep = send_due(db, settings, NOW + timedelta(seconds=settings.sms_claim_stale_s + 1), gw)
    db.refresh(claimed)
    assert rep.stale == 1 and claimed.status == "failed" and len(gw.sent) == 1
    # a delivery report proves the unanswered send went
    record_delivery_report(db, unknown.id, unknown.claim_token or "", 8, NOW)
    assert unknown.status == "sent"


def test_delivery_reports(db: Session, settings: Settings) -> None:
    msg = queue_sms(db, settings, "13800000001", Template.CALLBACK_MISSED, {}, NOW)
    db.commit()
    send_due(db, settings, NOW, Script())
    assert msg is not None and msg.claim_token
    with pytest.raises(NotificationError, match="reference"):
        record_delivery_report(db, msg.id, "forged", 1, NOW)
    record_delivery_report(db, msg.id, msg.claim_token, 8, NOW, provider_message_id="k-1")
    assert msg.status == "sent"
    record_delivery_report(db, msg.id, msg.claim_token, 1, NOW + timedelta(seconds=5))
    assert (msg.status, msg.delivered_at, msg.provider_message_id) == ("delivered", NOW + timedelta(seconds=5), "p-1")
    record_delivery_report(db, msg.id, msg.claim_token, 8, NOW + timedelta(seconds=6))  # late, intermediate
    assert msg.status == "delivered"
    for bad in ({"id": str(msg.id), "type": "1"}, {"id": "x", "ref": msg.claim_token, "type": "1"},
                {"id": str(msg.id), "ref": "forged", "type": "1"}):
        with pytest.raises(NotificationError):
            record_delivery_query(db, bad, NOW)
