"""Callback tables (R-ONE-CALL): follow-up tasks with deadlines, the calls that tried them, the
complaints whose clocks make them, escalations to supervisors, and the scheduler's watermark."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, BigId

__all__ = [
    "ATTEMPT_OUTCOMES",
    "COMPLAINT_KINDS",
    "ESCALATION_KINDS",
    "OPEN_STATUSES",
    "TASK_REASONS",
    "TASK_STATUSES",
    "CallbackAttempt",
    "CallbackSource",
    "CallbackTask",
    "Complaint",
    "Escalation",
    "SchedulerState",
]

# missed: R-MISSED-CALLBACK (abandoned / timed-out call, partial IVR report); revisit:
# R-FAULT-REVISIT; consult: R-CONSULT-24H; complaint: R-COMPLAINT (the 2 h contact call).
TASK_REASONS = ("missed", "revisit", "consult", "complaint")
# held: outside the dialling policy (hotline/dialing_policy.py), waits for a supervisor's approval
TASK_STATUSES = ("open", "in_progress", "done", "failed", "cancelled", "held")
OPEN_STATUSES = ("open", "in_progress")
# why a task closed (closed_reason): the dialler's outcome, the customer's answered call (again, or
# on the very call an IVR report was left on), the case or complaint it served, cancelled by hand
TASK_CLOSE_REASONS = ("reached", "wrong_number", "attempts", "answered_call", "served_on_call", "case_closed",
                      "revisited", "contacted", "cancelled")
# pending: dialled, its call record not built yet; agent_no_answer: the agent never picked up,
# so the customer was not dialled (does not count against the attempt limit).
ATTEMPT_OUTCOMES = ("pending", "reached", "no_answer", "busy", "wrong_number", "agent_no_answer", "failed")
COMPLAINT_KINDS = ("general", "complex")
# task_overdue: R-OVERDUE; complaint_*: one per R-COMPLAINT clock missed.
ESCALATION_KINDS = ("task_overdue", "complaint_contact", "complaint_solution", "complaint_progress")


class CallbackTask(Base):
    """Something the hotline owes a customer a call about."""

    __tablename__ = "callback_tasks"
    __table_args__ = (
        Index("ix_callback_tasks_status_due", "status", "due_at"),
        Index("ix_callback_tasks_number_status", "number", "status"),
        Index("ix_callback_tasks_owner_status", "owner", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(16))  # one of TASK_REASONS
    number: Mapped[str] = mapped_column(String(32))  # E.164 (+8613800000001)
    number_raw: Mapped[str | None] = mapped_column(String(64))  # as the call or report gave it
    call_server: Mapped[str | None] = mapped_column(String(64))  # the call that made the task
    call_id: Mapped[str | None] = mapped_column(String(64))
    fault_report_id: Mapped[int | None] = mapped_column(BigId)  # fault_reports.id (IVR's table)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    created_at: Mapped[datetime]
    not_before: Mapped[datetime | None]  # R-FAULT-REVISIT: the morning window opens
    due_at: Mapped[datetime]
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first
    owner: Mapped[str | None] = mapped_column(String(64))  # an agent's extension; None: anyone
    status: Mapped[str] = mapped_column(String(16), default="open")
    missed_calls: Mapped[int] = mapped_column(Integer, default=0)  # repeated abandons add here
    last_missed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # retry spacing
    overdue_at: Mapped[datetime | None]  # R-OVERDUE: when it was flagged
    released_at: Mapped[datetime | None]  # when an overdue agent-owned task became anyone's
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(32))  # reached, answered_call, attempts, …
    closed_call_id: Mapped[str | None] = mapped_column(String(64))  # the call that closed it
    # R-FAULT-REVISIT outcome: fault_reports has no column for it, so it lives on the task
    revisit_fixed: Mapped[bool | None] = mapped_column(Boolean)
    revisit_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    attempts: Mapped[list[CallbackAttempt]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="CallbackAttempt.at")


class CallbackAttempt(Base):
    """One dial of a task: tied to its outbound call record by (call_server, call_id)."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        UniqueConstraint("call_server", "call_id", name="uq_callback_attempts_call"),
        Index("ix_callback_attempts_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    agent: Mapped[str] = mapped_column(String(64))
    call_server: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64))  # Linkedid, chosen before the originate
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    reconciled_at: Mapped[datetime | None]

    task: Mapped[CallbackTask] = relationship(back_populates="attempts")


class CallbackSource(Base):
    """Every record that fed a task (a missed call, a report, a complaint): the scheduler's proof it
    has already handled it, so a second pass creates nothing twice."""

    __tablename__ = "callback_sources"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_callback_sources_kind_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # call, fault_report, partial_report, complaint, skipped_call
    ref: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]


class Complaint(Base):
    """A complaint (R-COMPLAINT) and its clocks: contact within 2 h, then a solution within 24 h
    (general) or progress within 72 h (complex). Each clock is its own deadline."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_received", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32))  # E.164
    kind: Mapped[str] = mapped_column(String(16), default="general")  # one of COMPLAINT_KINDS
    category: Mapped[str | None] = mapped_column(String(64))  # R-COMPLAINT-CATEGORIES
    summary: Mapped[str | None] = mapped_column(Text)
    call_server: Mapped[str | None] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    contact_due: Mapped[datetime]
    contacted_at: Mapped[datetime | None]
    resolve_due: Mapped[datetime]  # solution (general) or progress report (complex)
    resolved_at: Mapped[datetime | None]  # solved (general) / progress reported (complex)
    closed_at: Mapped[datetime | None]


class Escalation(Base):
    """A missed deadline flagged to supervisors (R-OVERDUE, R-COMPLAINT); the wallboard lists the
    unacknowledged ones. One per (kind, task or complaint)."""

    __tablename__ = "callback_escalations"
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_callback_escalations_kind_subject"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # one of ESCALATION_KINDS
    subject: Mapped[str] = mapped_column(String(64))  # "task:<id>" or "complaint:<id>"
    task_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    raised_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))


class SchedulerState(Base):
    """Small states that survive a restart and are shared by every process, one row per name: the
    scheduler's watermarks (the purge's and the QA sample's last day) and the SL alert's since
    (``hotline.sl_alert_since``)."""

    __tablename__ = "callback_scheduler_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
