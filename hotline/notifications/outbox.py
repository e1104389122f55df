"""Queueing SMS into the outbox, and what comes back about them (delivery reports).

A message is queued only for a number the SMS policy allows (``hotline.dialing_policy``, purpose
SMS: mobiles in the allowed regions); any other waits ``held`` for a supervisor. The caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.dialing_policy import Purpose, assess
from hotline.models.notifications import OutboxMessage
from hotline.notifications.templates import Template, render
from hotline.settings import Settings

log = logging.getLogger(__name__)


class NotificationError(ValueError):
    pass


@dataclass(frozen=True)
class Links:
    """What a message is about (shown with it; any may be empty)."""

    fault_report_id: int | None = None
    work_order_id: int | None = None
    complaint_id: int | None = None
    task_id: int | None = None
    outage_id: int | None = None
    case_id: int | None = None


def queue_sms(db: Session, s: Settings, to: str, template: Template, fields: dict[str, Any], now: datetime, *,
              links: Links = Links(), dedupe_key: str | None = None) -> OutboxMessage | None:
    """Puts one SMS in the outbox, to go at once. ``dedupe_key``: a second message with the same
    key is not queued (the first is returned). None when ``to`` is no callable number."""
    if dedupe_key is not None:
        known = db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()
        if known is not None:
            return known
    number = read_number(s, to)
    if number is None:
        log.info("SMS %s not queued: %r is not a callable number", template.value, to)
        return None
    verdict = assess(s, number.e164, purpose=Purpose.SMS)
    msg = OutboxMessage(to_number=number.e164, template=template.value, text=render(s, template, fields),
                        status="queued" if verdict.allowed else "held", attempts=0, next_attempt_at=now,
                        dedupe_key=dedupe_key, created_at=now,
                        last_error=None if verdict.allowed else f"SMS policy: {verdict.summary()}",
                        **vars(links))
    db.add(msg)
    db.flush()
    return msg


def _get(db: Session, message_id: int) -> OutboxMessage:
    msg = db.get(OutboxMessage, message_id)
    if msg is None:
        raise NotificationError(f"no outbox message {message_id}")
    return msg


def approve_held(db: Session, message_id: int, by: str, now: datetime) -> OutboxMessage:
    """A supervisor lets a message outside the SMS policy go."""
    msg = _get(db, message_id)
    if msg.status != "held":
        raise NotificationError(f"message {message_id} is {msg.status}, not held")
    msg.status, msg.next_attempt_at = "queued", now
    msg.last_error = f"{msg.last_error or ''} (approved by {by})".strip()
    return msg


def cancel(db: Session, message_id: int, by: str) -> OutboxMessage:
    msg = _get(db, message_id)
    if msg.status not in ("queued", "held"):
        raise NotificationError(f"message {message_id} is {msg.status}: only queued or held ones can be cancelled")
    msg.status, msg.last_error = "cancelled", f"cancelled by {by}"
    return msg


# Kannel's delivery-report types (its %d): 1 delivered to the phone, 2 not delivered to the phone,
# 4 queued on the SMSC, 8 delivered to the SMSC, 16 not delivered to the SMSC (rejected)
DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACK, DLR_SMSC_REJECT = 1, 2, 4, 8, 16


def record_delivery_report(db: Session, message_id: int, ref: str, status: int, now: datetime, *,
                           provider_message_id: str | None = None) -> OutboxMessage:
    """A delivery report from the gateway (the panel's DLR route calls this with the URL's
    ``id``, ``ref``, ``type`` and Kannel's message id ``kid``). ``ref`` is the claim token the
    sender put in the report URL: a report with the wrong ref is refused (nobody else can forge
    one). Written as conditional UPDATEs, so reports arriving at once (a long SMS reports each
    part) and the sender's own write never undo each other: a final state (delivered /
    undelivered) is never moved back by a late intermediate report. Commits."""
    msg = _get(db, message_id)
    if not ref or msg.claim_token != ref:
        raise NotificationError(f"delivery report for message {message_id}: reference does not match")
    ours = (OutboxMessage.id == message_id, OutboxMessage.claim_token == ref)
    if provider_message_id:
        _update(db, (*ours, OutboxMessage.provider_message_id.is_(None)), provider_message_id=provider_message_id)
    if status & DLR_DELIVERED:
        _update(db, ours, status="delivered", delivered_at=now, dlr_status=status)
    elif status & (DLR_UNDELIVERED | DLR_SMSC_REJECT):
        _update(db, ours, status="undelivered", dlr_status=status, last_error=f"delivery report {status}")
    else:
        # the SMSC has it: it went (also after a send whose answer was lost), once
        _update(db, (*ours, OutboxMessage.status.in_(("sending", "queued", "failed"))), status="sent",
                sent_at=func.coalesce(OutboxMessage.sent_at, now), dlr_status=status, last_error=None)
        _update(db, (*ours, OutboxMessage.status == "sent"), dlr_status=status)
    db.commit()
    db.refresh(msg)
    return msg


def record_delivery_query(db: Session, query: Mapping[str, str], now: datetime) -> OutboxMessage:
    """The panel's DLR route in one call: the report URL's query (``id``, ``ref``, ``type``,
    ``kid``) → :func:`record_delivery_report`. NotificationError on a malformed or forged report
    (answer 400)."""
    try:
        message_id, status = int(query["id"]), int(query["type"])
        ref = query["ref"]
    except (KeyError, ValueError) as exc:
        raise NotificationError(f"malformed delivery report: {exc}") from exc
    kid = (query.get("kid") or "").strip() or None
    return record_delivery_report(db, message_id, ref, status, now, provider_message_id=kid[:64] if kid else None)


def _update(db: Session, where: tuple[ColumnElement[bool], ...], **values: Any) -> None:
    db.execute(update(OutboxMessage).where(*where).values(**values).execution_options(synchronize_session=False))


def messages_for(db: Session, *, work_order_id: int | None = None, complaint_id: int | None = None,
                 outage_id: int | None = None, status: str | None = None) -> list[OutboxMessage]:
    """The outbox rows about one thing (or of one status), oldest first: for the supervisor pages."""
    q = select(OutboxMessage).order_by(OutboxMessage.id)
    if work_order_id is not None:
        q = q.where(OutboxMessage.work_order_id == work_order_id)
    if complaint_id is not None:
        q = q.where(OutboxMessage.complaint_id == complaint_id)
    if outage_id is not None:
        q = q.where(OutboxMessage.outage_id == outage_id)
    if status is not None:
        q = q.where(OutboxMessage.status == status)
    return list(db.scalars(q))
