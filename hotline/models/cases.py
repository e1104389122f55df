"""Cases (工单, R-REC-FIELDS): one per matter, with the calls it came in on, its follow-ups, every
change made to it, and the shift handover log (R-HANDOVER)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, BigId

__all__ = ["FOLLOW_UP_KINDS", "Case", "CaseCall", "CaseFollowUp", "CaseHistory", "CustomerNumber", "Handover"]

# what a case follows up with: a callback task (its attempts hang off it), an SMS, a work order
FOLLOW_UP_KINDS = ("task", "sms", "work_order")


class Case(Base):
    """One matter: who (customer fields copied at the time), what (kind, category, description),
    what was done (result), its state and deadline. Kind and status are hotline.vocabulary's
    CaseKind / CaseStatus values."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_number_status", "number", "status"),
        Index("ix_cases_status_due", "status", "due_at"),
        Index("ix_cases_owner_status", "owner", "status"),
        Index("ix_cases_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(32))  # contact number, E.164
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # what was done
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    first_call_resolved: Mapped[bool | None] = mapped_column(Boolean)
    due_at: Mapped[datetime | None]  # from the kind's rule; None: nothing is owed (resolved on the call)
    owner: Mapped[str | None] = mapped_column(String(64))  # an agent's extension, or a user name
    source: Mapped[str] = mapped_column(String(16), default="desk")  # desk | ivr | supervisor
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    revisited_at: Mapped[datetime | None]
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    fault_report_id: Mapped[int | None] = mapped_column(ForeignKey("fault_reports.id", ondelete="SET NULL"))
    # R-COMPLAINT: the customer is owed a receipt (acceptance time, feedback deadline) by SMS
    receipt_due: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_sent_at: Mapped[datetime | None]

    calls: Mapped[list[CaseCall]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                 order_by="CaseCall.linked_at")
    follow_ups: Mapped[list[CaseFollowUp]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                          order_by="CaseFollowUp.id")
    history: Mapped[list[CaseHistory]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                      order_by="CaseHistory.id")


class CaseCall(Base):
    """A call the case came in on (the calls table's server + call_id). One call may raise
    several matters (a complaint and a question), so it may belong to several cases."""

    __tablename__ = "case_calls"
    __table_args__ = (UniqueConstraint("case_id", "server", "call_id", name="uq_case_calls_case_call"),
                      Index("ix_case_calls_call", "server", "call_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    server: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime]
    linked_by: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="calls")


class CaseFollowUp(Base):
    """A follow-up of the case: a callback task, an SMS, a work order (kind, the row's id)."""

    __tablename__ = "case_follow_ups"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_case_follow_ups_kind_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of FOLLOW_UP_KINDS
    ref: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="follow_ups")


class CaseHistory(Base):
    """Every change of a case: who, when, which field, old → new (values as text)."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="history")


class CustomerNumber(Base):
    """Every number of a customer (E.164): a caller is found by any of them."""

    __tablename__ = "customer_numbers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)


class Handover(Base):
    """R-HANDOVER (交接班日志): the open matters at the hand-over (a snapshot), the outgoing lead's
    notes, the incoming lead's acknowledgement; read-only once acknowledged."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime]
    matters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
