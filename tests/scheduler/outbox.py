"""What the SMS sender's tests share: a gateway that accepts everything, and a queued message."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from hotline.notifications import Template, queue_sms
from hotline.notifications.provider import Outcome, OutgoingSms, SendResult
from hotline.settings import Settings
from hotline.timeutil import utcnow


@dataclass
class Accepting:
    """A gateway that takes every message (what it took, in order: ``sent``)."""

    sent: list[OutgoingSms] = field(default_factory=list)
    name: str = "test"

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        return SendResult(Outcome.ACCEPTED)


def queue_one(sessions: sessionmaker[Session], s: Settings, number: str) -> int:
    """A missed-call SMS to ``number`` queued now; its id."""
    with sessions() as db:
        msg = queue_sms(db, s, number, Template.CALLBACK_MISSED, {}, utcnow())
        db.commit()
        assert msg is not None
        return msg.id
