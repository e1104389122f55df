"""Sending what the outbox holds: ``send_due`` claims each due message, hands it to the gateway and
records the verdict, each step in its own transaction.

Never twice: a message is claimed (``queued`` → ``sending`` with a fresh token, one conditional
UPDATE that only one sender can win) and committed before the gateway sees it. A gateway that
certainly did not take it (down, busy) puts it back ``queued`` with a back-off; one that answered
nothing after the request went out, or a sender that died holding a claim, leaves it ``failed`` —
it may have gone, so it is never resent (a delivery report can still prove it went).

A database busy with another writer past its busy timeout (``hotline.db.is_busy``) ends the pass
where it stands, nothing half-written: a message not yet claimed stays queued for the next pass; a
gateway's verdict that could not be written is handed back (``SendReport.unrecorded``) and written
first by the next pass, so a message that went is recorded ``sent``, never sent twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, exists, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline.db import is_busy
from hotline.models.notifications import OutboxMessage
from hotline.notifications.kannel import KannelProvider
from hotline.notifications.provider import Outcome, OutgoingSms, SendResult, SmsProvider
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """A gateway's answer on one claimed message, to be written over that claim."""

    msg_id: int
    token: str
    result: SendResult
    provider: str
    at: datetime
    attempts: int


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    stale: int = 0
    errors: list[str] = field(default_factory=list)
    # the database was busy (another writer's lock past the busy timeout): the pass stopped there
    busy: str | None = None
    unrecorded: list[Verdict] = field(default_factory=list)  # verdicts for the next pass to write first

    def __str__(self) -> str:
        return f"sent {self.sent}, to retry {self.retry}, failed {self.failed}, stale claims {self.stale}"


def provider_for(s: Settings) -> SmsProvider | None:
    """The configured gateway; None (``sms_provider = "none"``): messages stay queued."""
    if s.sms_provider == "kannel":
        return KannelProvider.from_settings(s)
    if s.sms_provider == "none":
        return None
    raise ValueError(f"unknown sms_provider {s.sms_provider!r} (kannel or none)")


def backoff(s: Settings, attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: sms_retry_base_s doubled each time, capped."""
    return timedelta(seconds=min(s.sms_retry_max_s, s.sms_retry_base_s * 2 ** max(0, attempts - 1)))


def _rows(result: Result[Any]) -> int:
    """Rows an UPDATE matched (an UPDATE's result is a CursorResult)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _claim(db: Session, msg_id: int, now: datetime) -> str | None:
    token = uuid.uuid4().hex
    won = _rows(db.execute(update(OutboxMessage)
                     .where(OutboxMessage.id == msg_id, OutboxMessage.status == "queued")
                     .values(status="sending", claim_token=token, claimed_at=now,
                             attempts=OutboxMessage.attempts + 1)
                     .execution_options(synchronize_session=False)))
    db.commit()
    return token if won == 1 else None


def _record(db: Session, s: Settings, v: Verdict, rep: SendReport) -> None:
    """The gateway's verdict, written only over our own claim still ``sending``: a delivery report
    may have been recorded meanwhile (by the panel, in another transaction) and knows better."""
    ours = (OutboxMessage.id == v.msg_id, OutboxMessage.claim_token == v.token)
    result = v.result
    values: dict[str, Any] = {"provider": v.provider, "last_error": result.detail}
    if result.outcome is Outcome.ACCEPTED:
        values.update(status="sent", sent_at=v.at, last_error=None)
        if result.provider_message_id:
            values["provider_message_id"] = result.provider_message_id
    elif result.outcome is Outcome.NOT_SENT and (not s.sms_max_attempts or v.attempts < s.sms_max_attempts):
        values.update(status="queued", next_attempt_at=v.at + backoff(s, v.attempts))
    else:
        values.update(status="failed")
    won = _rows(db.execute(update(OutboxMessage).where(*ours, OutboxMessage.status == "sending").values(**values)
                           .execution_options(synchronize_session=False)))
    if won == 0:  # a delivery report got there before the gateway's answer: it went
        db.execute(update(OutboxMessage).where(*ours, OutboxMessage.sent_at.is_(None)).values(sent_at=v.at)
                   .execution_options(synchronize_session=False))
        values["status"] = "sent"
    db.commit()
    if values["status"] == "sent":
        rep.sent += 1
    elif values["status"] == "queued":
        rep.retry += 1
    else:
        rep.failed += 1
        rep.errors.append(f"message {v.msg_id}: {result.detail}")


def fail_stale_claims(db: Session, s: Settings, now: datetime) -> int:
    """Claims older than sms_claim_stale_s: the sender died mid-send; failed, never resent. Looks
    before it writes: a pass with nothing stale takes no write lock (SQLite has one for everyone)."""
    cutoff = now - timedelta(seconds=s.sms_claim_stale_s)
    stale = (OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)
    if not db.scalar(select(exists().where(*stale))):
        db.commit()
        return 0
    n = _rows(db.execute(update(OutboxMessage)
                   .where(*stale)
                   .values(status="failed", last_error="the sender stopped while sending: not resent "
                                                       "(it may have gone)")
                   .execution_options(synchronize_session=False)))
    db.commit()
    return n


def send_due(db: Session, s: Settings, now: datetime, provider: SmsProvider | None = None,
             unrecorded: list[Verdict] | None = None) -> SendReport:
    """One pass: first the verdicts a busy database refused last pass (``unrecorded``), then every
    queued message whose time has come, oldest first, up to sms_batch. Commits as it goes (claims
    must be visible to other senders before the gateway is called). A busy database stops the
    pass (``rep.busy``; what is left of its work waits in ``rep.unrecorded`` and the queue)."""
    rep = SendReport(unrecorded=list(unrecorded or ()))
    try:
        while rep.unrecorded:
            _record(db, s, rep.unrecorded[0], rep)
            rep.unrecorded.pop(0)
        rep.stale = fail_stale_claims(db, s, now)
        gateway = provider if provider is not None else provider_for(s)
        if gateway is not None:
            _send(db, s, now, gateway, rep)
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        db.rollback()
        rep.busy = str(exc.orig)
    db.expire_all()  # rows were written by statements: whoever shares the session reads them afresh
    return rep


def _send(db: Session, s: Settings, now: datetime, gateway: SmsProvider, rep: SendReport) -> None:
    due = list(db.scalars(select(OutboxMessage.id)
                          .where(OutboxMessage.status == "queued",
                                 or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
                          .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(s.sms_batch)))
    db.commit()
    for msg_id in due:
        token = _claim(db, msg_id, now)
        if token is None:
            continue  # another sender has it
        msg = db.get(OutboxMessage, msg_id, populate_existing=True)
        assert msg is not None
        attempts = msg.attempts
        try:
            result = gateway.send(OutgoingSms(msg.id, msg.to_number, msg.text, token))
        except Exception as exc:
            log.exception("SMS provider %s failed on message %s", gateway.name, msg_id)
            result = SendResult(Outcome.UNKNOWN, detail=f"provider error: {exc}")
        rep.unrecorded.append(Verdict(msg_id, token, result, gateway.name, now, attempts))
        _record(db, s, rep.unrecorded[-1], rep)
        rep.unrecorded.pop()
        if result.outcome is Outcome.NOT_SENT:
            # the gateway is away: the rest would fail the same way; they wait for the next pass
            break
