"""Read-only views for the panel, the wallboard and the metrics: plain functions over a session.
Rates are the panel's business (hotline.metrics); these give the raw counts. Deadlines are
hotline.rules' (overdue, in_time, deadline_state)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.callbacks.numbers import read_number
from hotline.callbacks.tasks import MISSED_DISPOSITIONS, SERVED_ON_CALL, revisit_answered
from hotline.models import Call
from hotline.models.callbacks import OPEN_STATUSES, CallbackTask, Complaint, Escalation
from hotline.rules import deadline_state, in_time, overdue
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import Direction

# rows held at once by the metric inputs below (#17): they count over a whole period (the supervisor
# page's month, read by the panel's warm-up every minute), and a month's tasks read whole were an
# ORM object each at once — a transient that grew with the month and left the allocators larger
BATCH = 1000


def _open(agent: str | None, include_anyone: bool) -> Any:
    q = select(CallbackTask).where(CallbackTask.status.in_(OPEN_STATUSES))
    if agent is not None:
        q = q.where(CallbackTask.owner == agent) if not include_anyone else \
            q.where((CallbackTask.owner == agent) | CallbackTask.owner.is_(None))
    return q


def open_tasks(db: Session, agent: str | None = None, *, include_anyone: bool = True,
               limit: int | None = None, offset: int = 0) -> list[CallbackTask]:
    """Open and in-progress tasks, most urgent first (priority, then deadline). With ``agent``:
    that agent's tasks plus, unless include_anyone is False, tasks anyone may take. ``limit`` and
    ``offset``: one page of them (a day of missed calls can leave thousands open)."""
    q = _open(agent, include_anyone).order_by(CallbackTask.priority.desc(), CallbackTask.due_at, CallbackTask.id)
    # their attempts in one more query, not one per task (task_dict lists them)
    q = q.options(selectinload(CallbackTask.attempts)).offset(offset).limit(limit)
    return list(db.scalars(q))


def count_open_tasks(db: Session, agent: str | None = None, *, include_anyone: bool = True) -> int:
    """How many tasks :func:`open_tasks` would give without a limit."""
    return db.scalar(select(func.count()).select_from(_open(agent, include_anyone).subquery())) or 0


def task_dict(task: CallbackTask, tz: str, now: datetime | None = None) -> dict[str, Any]:
    """A task as JSON (times in the operator's zone), for the panel's API."""
    from hotline.timeutil import iso_local

    now = now or utcnow()
    return {
        "id": task.id, "reason": task.reason, "number": task.number, "status": task.status, "owner": task.owner,
        "priority": task.priority, "created_at": iso_local(task.created_at, tz), "due_at": iso_local(task.due_at, tz),
        "not_before": iso_local(task.not_before, tz), "overdue": is_overdue(task, now),
        "missed_calls": task.missed_calls, "call_id": task.call_id, "fault_report_id": task.fault_report_id,
        "complaint_id": task.complaint_id, "next_attempt_at": iso_local(task.next_attempt_at, tz),
        "closed_at": iso_local(task.closed_at, tz), "closed_reason": task.closed_reason, "note": task.note,
        "revisit_fixed": task.revisit_fixed, "revisit_satisfied": task.revisit_satisfied,
        "attempts": [{"id": a.id, "at": iso_local(a.at, tz), "agent": a.agent, "call_id": a.call_id,
                      "outcome": a.outcome, "talk_seconds": a.talk_seconds, "note": a.note} for a in task.attempts],
    }


def is_overdue(task: CallbackTask, now: datetime) -> bool:
    """R-OVERDUE: a task still open past its deadline."""
    return task.status in OPEN_STATUSES and overdue(task.due_at, now)


def overdue_tasks(db: Session, now: datetime | None = None) -> list[CallbackTask]:
    """R-OVERDUE: open tasks past their deadline (:func:`is_overdue` in SQL), oldest deadline first."""
    now = now or utcnow()
    return list(db.scalars(select(CallbackTask).where(CallbackTask.status.in_(OPEN_STATUSES),
                                                      overdue(CallbackTask.due_at, now))
                           .order_by(CallbackTask.due_at)))


def open_escalations(db: Session) -> list[Escalation]:
    """What supervisors have not acknowledged yet (for the wallboard), oldest first."""
    return list(db.scalars(select(Escalation).where(Escalation.acknowledged_at.is_(None))
                           .order_by(Escalation.raised_at, Escalation.id)))


def acknowledge(db: Session, escalation_id: int, by: str, now: datetime | None = None) -> Escalation | None:
    esc = db.get(Escalation, escalation_id)
    if esc is not None and esc.acknowledged_at is None:
        esc.acknowledged_at, esc.acknowledged_by = now or utcnow(), by
    return esc


# -- metric inputs ------------------------------------------------------------------------------
def missed_callback_counts(db: Session, s: Settings, since: datetime, until: datetime,
                           within_min: float | None = None) -> dict[str, int]:
    """R-MISSED-CALLBACK closure for missed-call tasks created in [since, until):
    ``tasks``; ``reached`` (a callback reached them); ``called_in`` (they called again and were
    answered); ``closed_within`` (either, within ``within_min`` — default callback_missed_due_min —
    of when the task could first be worked: the missed call, or the next opening for one missed out
    of hours, whose task is not dialled before it (its not_before); ``open``, ``failed``;
    ``missed_calls`` (all abandons counted in them). A task closed as SERVED_ON_CALL (its IVR
    report's call was answered after all) was never a missed call: not counted."""
    within = timedelta(minutes=s.callback_missed_due_min if within_min is None else within_min)
    t = CallbackTask
    q = select(t.missed_calls, t.status, t.closed_reason, t.closed_at, t.created_at, t.not_before).where(
        t.reason == "missed", t.created_at >= since, t.created_at < until,
        or_(t.closed_reason.is_(None), t.closed_reason != SERVED_ON_CALL))
    out = {"tasks": 0, "reached": 0, "called_in": 0, "closed_within": 0, "open": 0, "failed": 0,
           "missed_calls": 0}
    rows = db.execute(q.execution_options(yield_per=BATCH))
    for missed_calls, status, closed_reason, closed_at, created_at, not_before in rows:
        out["tasks"] += 1
        out["missed_calls"] += missed_calls or 0
        if status in OPEN_STATUSES:
            out["open"] += 1
        elif status == "failed":
            out["failed"] += 1
        if closed_reason in ("reached", "answered_call"):
            out["reached" if closed_reason == "reached" else "called_in"] += 1
            workable = max(created_at, not_before) if not_before is not None else created_at
            if closed_at is not None and in_time(closed_at, workable + within):
                out["closed_within"] += 1
    return out


def withheld_missed_calls(db: Session, s: Settings, since: datetime, until: datetime) -> int:
    """Missed inbound calls with no callable number (withheld / invalid): no task, but counted."""
    numbers = db.scalars(select(Call.caller_number).where(
        Call.direction == Direction.INBOUND, Call.disposition.in_(MISSED_DISPOSITIONS),
        Call.started_at >= since, Call.started_at < until).execution_options(yield_per=BATCH))
    return sum(1 for n in numbers if read_number(s, n) is None)


def revisit_counts(db: Session, since: datetime, until: datetime, now: datetime | None = None) -> dict[str, int]:
    """R-FAULT-REVISIT for revisit tasks due in [since, until): ``tasks``, ``done`` (closed as
    done with both answers, fixed? and satisfied?), ``unanswered`` (closed as done — the customer
    was reached — without both answers: not a done revisit), ``on_time`` (done by the deadline),
    ``fixed`` / ``satisfied`` (answers recorded yes), ``open``, ``overdue`` (still open past the
    deadline), ``failed``."""
    now = now or utcnow()
    rows = db.scalars(select(CallbackTask).where(CallbackTask.reason == "revisit", CallbackTask.due_at >= since,
                                                 CallbackTask.due_at < until).execution_options(yield_per=BATCH))
    out = {"tasks": 0, "done": 0, "unanswered": 0, "on_time": 0, "fixed": 0, "satisfied": 0, "open": 0,
           "overdue": 0, "failed": 0}
    for t in rows:
        out["tasks"] += 1
        if t.status == "done" and not revisit_answered(t):
            out["unanswered"] += 1
        elif t.status == "done":
            out["done"] += 1
            out["on_time"] += int(t.closed_at is not None and in_time(t.closed_at, t.due_at))
        elif t.status in OPEN_STATUSES:
            out["open"] += 1
            out["overdue"] += int(is_overdue(t, now))
        elif t.status == "failed":
            out["failed"] += 1
        out["fixed"] += int(t.revisit_fixed is True)
        out["satisfied"] += int(t.revisit_satisfied is True)
    return out


def complaint_clock_counts(db: Session, since: datetime, until: datetime,
                           now: datetime | None = None) -> dict[str, dict[str, int]]:
    """R-COMPLAINT clocks of complaints received in [since, until), per clock (``contact``,
    ``solution`` for general, ``progress`` for complex): ``met`` (done by the deadline), ``missed``
    (done late, or not done and past the deadline), ``pending`` (not done, deadline ahead)."""
    now = now or utcnow()
    out = {k: {"met": 0, "missed": 0, "pending": 0} for k in ("contact", "solution", "progress")}
    for c in db.scalars(select(Complaint).where(Complaint.received_at >= since, Complaint.received_at < until)
                        .execution_options(yield_per=BATCH)):
        clocks = [("contact", c.contact_due, c.contacted_at),
                  ("solution" if c.kind == "general" else "progress", c.resolve_due, c.resolved_at)]
        for name, due, done in clocks:
            out[name][deadline_state(due, done, now)] += 1
    return out
