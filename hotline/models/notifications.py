"""The notification outbox: every SMS the hotline owes somebody, kept until it is sent (and its
delivery report back), so nothing is lost while the gateway is down and nothing goes twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId

__all__ = ["OUTBOX_STATUSES", "PENDING_STATUSES", "OutboxMessage"]

# queued: waits for its next attempt; held: outside the SMS policy, waits for a supervisor;
# sending: claimed by one sender (never by two); sent: the gateway took it; delivered /
# undelivered: its delivery report; failed: out of attempts, refused, or the sender died mid-send
# (never retried: it may have gone); cancelled: by a supervisor.
OUTBOX_STATUSES = ("queued", "held", "sending", "sent", "delivered", "undelivered", "failed", "cancelled")
PENDING_STATUSES = ("queued", "held", "sending")


class OutboxMessage(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_notification_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_notification_outbox_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    to_number: Mapped[str] = mapped_column(String(32))  # E.164
    template: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    # one message per key (e.g. "restored:order:12"): queueing the same thing again is a no-op
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    claim_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # also our reference in the DLR URL
    claimed_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    dlr_status: Mapped[int | None] = mapped_column(Integer)  # the provider's last report code
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # what the message is about (any may be empty)
    fault_report_id: Mapped[int | None] = mapped_column(BigId)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("field_work_orders.id", ondelete="SET NULL"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id", ondelete="SET NULL"))
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(BigId)  # the cases feature's case, when it has one
