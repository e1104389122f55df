"""Callback tasks and the rules that make and close them (R-ONE-CALL and the rules it implies).

Every function works in the caller's session and never commits: the scheduler, the CLI and the
panel decide the transaction. Times are UTC; ``now`` is injectable everywhere.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.callbacks.workdays import Overrides, add_working_hours, next_morning
from hotline.chanvars import ChanVar
from hotline.dialing_policy import assess
from hotline.errors import N_, DomainError
from hotline.models import Call
from hotline.models.callbacks import COMPLAINT_KINDS, OPEN_STATUSES, CallbackSource, CallbackTask, Complaint
from hotline.models.ivr import FaultReport
from hotline.rules import next_opening
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import Direction, Disposition

log = logging.getLogger(__name__)

# higher is dialled first: a complaint's 2 h clock beats a missed call's 15 min beats the rest
PRIORITY = {"complaint": 30, "missed": 20, "consult": 10, "revisit": 10}
# R-MISSED-CALLBACK: the inbound calls the queue let go unanswered — given up, timed out, with no
# agent to take them (无坐席), refused by a full queue (队列满): each is called back. The one home
# of "missed".
MISSED_DISPOSITIONS = (Disposition.ABANDONED, Disposition.TIMEOUT, Disposition.NO_AGENT, Disposition.QUEUE_FULL)
# R-ANS-HOURS: out of hours the IVR promises a callback (HOTLINE_CALLBACK=1) for the matter of
# HOTLINE_MENU. A consultation or a complaint is a case of its own with its rule's callback
# (hotline.cases.intake); any other — 0 for an agent, no choice, a fault report the keys ran out
# on — asked for a person and was not answered: a missed call, called back after opening.
NAMED_CALLBACK_MATTERS = ("consult", "complaint")
AGENT_ASKED_NOTE = "非服务时间来电,要求人工服务,IVR 已承诺上班后回电"
# R-ONE-CALL: how a task made from a report left incomplete in the IVR is closed when the record of
# that very call shows an agent answered the caller: it was never a missed call (not one of
# R-MISSED-CALLBACK's figures: hotline.callbacks.queries.missed_callback_counts)
SERVED_ON_CALL = "served_on_call"
SERVED_ON_CALL_NOTE = "IVR 报修未完成,同一通来电已由坐席 {agent} 接听,无需回电"
# outside the dialling policy (hotline/dialing_policy.py): never dialled until a supervisor approves
HELD = "held"
PENDING_STATUSES = (*OPEN_STATUSES, HELD)


class CallbackError(DomainError):
    """A callback request that cannot be done (unknown task, closed task, bad number, …)."""


# -- sources: what has already been handled ---------------------------------------------------
def call_ref(server: str, call_id: str) -> str:
    return f"{server}:{call_id}"


def seen(db: Session, kind: str, ref: str) -> bool:
    found = db.scalar(select(CallbackSource.id).where(CallbackSource.kind == kind, CallbackSource.ref == ref))
    return found is not None


def _source(db: Session, task: CallbackTask | None, kind: str, ref: str, at: datetime) -> None:
    db.add(CallbackSource(task_id=None if task is None else task.id, kind=kind, ref=ref, at=at))


# -- tasks ---------------------------------------------------------------------------------------
def open_task_for(db: Session, number: str, reason: str) -> CallbackTask | None:
    return db.scalars(select(CallbackTask).where(
        CallbackTask.number == number, CallbackTask.reason == reason,
        CallbackTask.status.in_(PENDING_STATUSES)).order_by(CallbackTask.id)).first()


def create_task(db: Session, *, reason: str, number: str, number_raw: str | None, created_at: datetime,
                due_at: datetime, not_before: datetime | None = None, owner: str | None = None,
                call: tuple[str | None, str] | None = None, fault_report_id: int | None = None,
                complaint_id: int | None = None, note: str | None = None, s: Settings | None = None,
                caller_id: str | None = None) -> CallbackTask:
    """With ``s``, the dialling policy applies: a number outside it makes a ``held`` task.

    ``call`` is (server, call id) as the rows hold it: a complaint's call_server column is nullable
    (create_complaint fills it whenever it has a call id) and is copied as it is."""
    verdict = assess(s, number, caller_id=caller_id) if s is not None else None
    if verdict is not None and verdict.summary():
        note = "\n".join(x for x in (note, ("needs supervisor approval: " if not verdict.allowed else "")
                                      + verdict.summary()) if x)
    task = CallbackTask(reason=reason, number=number, number_raw=number_raw, created_at=created_at, due_at=due_at,
                        not_before=not_before, priority=PRIORITY.get(reason, 0), owner=owner,
                        status=HELD if verdict is not None and not verdict.allowed else "open",
                        call_server=call[0] if call else None, call_id=call[1] if call else None,
                        fault_report_id=fault_report_id, complaint_id=complaint_id, note=note, missed_calls=0)
    db.add(task)
    db.flush()  # the id, for sources and attempts
    if task.status == HELD:
        log.warning("callback task %s for %s held for a supervisor: %s", task.id, number, verdict.summary()
                    if verdict else "")
    log.info("callback task %s (%s) for %s due %s", task.id, reason, number, due_at.isoformat())
    return task


def close_task(task: CallbackTask, status: str, reason: str, at: datetime, call_id: str | None = None) -> None:
    task.status, task.closed_reason, task.closed_at = status, reason, at
    if call_id:
        task.closed_call_id = call_id
    task.next_attempt_at = None
    log.info("callback task %s %s (%s)", task.id, status, reason)


def get_task(db: Session, task_id: int) -> CallbackTask:
    task = db.get(CallbackTask, task_id)
    if task is None:
        raise CallbackError(N_("no callback task %(id)s"), id=task_id)
    return task


def approve_task(db: Session, task_id: int, by: str, now: datetime | None = None) -> CallbackTask:
    """A supervisor lets a held task (outside the dialling policy) be dialled; the approval is
    kept as a source of the task, which :func:`approved` reads back."""
    task = get_task(db, task_id)
    if task.status != HELD:
        raise CallbackError(N_("task %(id)s is %(status)s, not held for approval"), id=task_id, status=task.status)
    now = now or utcnow()
    task.status = "open"
    task.note = "\n".join(x for x in (task.note, f"approved by {by}") if x)
    _source(db, task, "approval", str(task.id), now)
    log.warning("callback task %s for %s approved by %s", task.id, task.number, by)
    return task


def approved(db: Session, task: CallbackTask) -> bool:
    return seen(db, "approval", str(task.id))


def cancel_task(db: Session, task_id: int, note: str | None = None, now: datetime | None = None) -> CallbackTask:
    task = get_task(db, task_id)
    if task.status not in PENDING_STATUSES:
        raise CallbackError(N_("task %(id)s is already %(status)s"), id=task_id, status=task.status)
    close_task(task, "cancelled", "cancelled", now or utcnow())
    if note:
        task.note = "\n".join(x for x in (task.note, note) if x)
    return task


# -- R-MISSED-CALLBACK ------------------------------------------------------------------------
def asked_for_agent(call: Call) -> bool:
    """Out of hours the caller asked for a person, and the IVR promised the callback (see
    NAMED_CALLBACK_MATTERS)."""
    vars_ = call.vars or {}
    return str(vars_.get(ChanVar.CALLBACK) or "") == "1" and vars_.get(ChanVar.MENU) not in NAMED_CALLBACK_MATTERS


def is_missed(call: Call) -> bool:
    """R-MISSED-CALLBACK: an inbound call the queue let go unanswered (MISSED_DISPOSITIONS), or one
    that asked for a person out of hours (nobody to queue for)."""
    return call.disposition in MISSED_DISPOSITIONS or asked_for_agent(call)


def missed_due(s: Settings, at: datetime) -> tuple[datetime | None, datetime]:
    """(not before, due) of the callback of a call missed at ``at``: within callback_missed_due_min,
    counted from the next opening when missed out of hours (R-ANS-HOURS: nobody calls before)."""
    opens = next_opening(s, at)
    return (opens if opens > at else None), opens + timedelta(minutes=s.callback_missed_due_min)


def on_missed_call(db: Session, s: Settings, call: Call) -> CallbackTask | None:
    """A missed inbound call (:func:`is_missed`): one open task per number, repeated ones add to
    it. Short abandons count too; withheld or invalid numbers make no task (counted from calls)."""
    ref = call_ref(call.server, call.call_id)
    if seen(db, "call", ref):
        return None
    at = call.ended_at or call.started_at or utcnow()
    number = read_number(s, call.caller_number)
    if number is None:
        _source(db, None, "call", ref, at)
        log.info("missed call %s from %r: withheld or not a number, no callback", call.call_id, call.caller_number)
        return None
    task = open_task_for(db, number.e164, "missed")
    if task is None:
        not_before, due = missed_due(s, at)
        task = create_task(db, reason="missed", number=number.e164, number_raw=number.raw, created_at=at,
                           due_at=due, not_before=not_before, call=(call.server, call.call_id),
                           note=AGENT_ASKED_NOTE if asked_for_agent(call) else None, s=s)
    task.missed_calls = (task.missed_calls or 0) + 1
    if task.last_missed_at is None or at > task.last_missed_at:
        task.last_missed_at = at
    _source(db, task, "call", ref, at)
    return task


def answered(call: Call) -> bool:
    """R-ONE-CALL: an inbound call an agent answered (ANSWERED: bridged with an agent, who may be
    unknown on a requeued call) — the caller was served on it."""
    return call.direction == Direction.INBOUND and call.disposition == Disposition.ANSWERED


def on_answered_call(db: Session, s: Settings, call: Call) -> list[CallbackTask]:
    """An answered call (:func:`answered`) serves the missed-call tasks of its caller (R-ONE-CALL):
    the same number's misses before it, and a task its own IVR report fed, made before this record
    existed (:func:`on_partial_report`)."""
    closed = _served_reports(db, call)
    number = read_number(s, call.caller_number)
    started = call.started_at or call.answered_at
    if number is None or started is None:
        return closed
    for task in db.scalars(select(CallbackTask).where(
            CallbackTask.number == number.e164, CallbackTask.reason == "missed",
            CallbackTask.status.in_(PENDING_STATUSES))):
        if started > (task.last_missed_at or task.created_at):
            close_task(task, "done", "answered_call", call.answered_at or started, call.call_id)
            closed.append(task)
    return closed


def _served_reports(db: Session, call: Call) -> list[CallbackTask]:
    """The pending tasks an incomplete report keyed on ``call`` fed, with no miss after it: found
    through the report's source, as the report's contact number may not be the caller's. The call
    the report added to a task's missed_calls is taken back (it was answered in the end); a task
    left with no missed call is none (SERVED_ON_CALL), one that also held earlier misses is
    answered, as by any later call."""
    ids = [str(i) for i in db.scalars(select(FaultReport.id).where(
        FaultReport.server == call.server, FaultReport.call_id == call.call_id))]
    if not ids:
        return []
    at = call.answered_at or call.started_at or utcnow()
    counted = _report_counts_its_call(db, call.server, call.call_id)
    fed: dict[int, CallbackTask] = {}
    for task, fed_at in db.execute(select(CallbackTask, CallbackSource.at).join(
            CallbackSource, CallbackSource.task_id == CallbackTask.id).where(
            CallbackSource.kind == "partial_report", CallbackSource.ref.in_(ids),
            CallbackTask.status.in_(PENDING_STATUSES))).tuples():
        if task.last_missed_at is not None and task.last_missed_at > fed_at:
            continue  # missed again after this call's report: that miss is still owed
        if counted:  # R-MISSED-CALLBACK: that call was answered in the end, it is no missed call
            task.missed_calls = max((task.missed_calls or 0) - 1, 0)
        fed[task.id] = task
    for task in fed.values():
        if not task.missed_calls:
            close_task(task, "cancelled", SERVED_ON_CALL, at, call.call_id)
            served = SERVED_ON_CALL_NOTE.format(agent=call.final_agent or call.agent or "")
            task.note = "\n".join(x for x in (task.note, served) if x)
        else:
            close_task(task, "done", "answered_call", at, call.call_id)
    return list(fed.values())


def _report_counts_its_call(db: Session, server: str, call_id: str) -> bool:
    """Whether an incomplete report of call (``server``, ``call_id``) adds that call to its task's
    missed_calls: not when the call is already counted as a missed call of its own."""
    return not seen(db, "call", call_ref(server, call_id))


def on_partial_report(db: Session, s: Settings, report: FaultReport, call: Call | None) -> CallbackTask | None:
    """A fault report left incomplete in the IVR is a missed call (R-ONE-CALL) — unless ``call``,
    the record of its call (None: not stored yet), shows an agent then answered the caller: served,
    no callback (a task made before the record existed is closed by :func:`on_answered_call`).
    Either way the report stays as keyed, for the desk."""
    ref = str(report.id)
    if seen(db, "partial_report", ref):
        return None
    at = report.updated_at or report.created_at
    if call is not None and answered(call):
        _source(db, None, "partial_report", ref, at)
        log.info("incomplete fault report %s: its call %s was answered by agent %s, no callback", report.id,
                 call.call_id, call.final_agent or call.agent)
        return None
    number = read_number(s, report.contact) or read_number(s, report.caller)
    caller = read_number(s, report.caller)
    if number is None:
        _source(db, None, "partial_report", ref, at)
        return None
    task = open_task_for(db, number.e164, "missed")
    if task is None:
        not_before, due = missed_due(s, at)
        task = create_task(db, reason="missed", number=number.e164, number_raw=report.contact or report.caller,
                           created_at=at, due_at=due, not_before=not_before,
                           call=(report.server, report.call_id), fault_report_id=report.id,
                           s=s, caller_id=caller.e164 if caller else None)
        task.missed_calls = 1
    elif _report_counts_its_call(db, report.server, report.call_id):
        task.missed_calls = (task.missed_calls or 0) + 1
    if task.fault_report_id is None:
        task.fault_report_id = report.id
    if task.last_missed_at is None or at > task.last_missed_at:
        task.last_missed_at = at
    _source(db, task, "partial_report", ref, at)
    return task


# -- R-FAULT-REVISIT ------------------------------------------------------------------------------
def on_fault_report(db: Session, s: Settings, report: FaultReport) -> CallbackTask | None:
    """Every confirmed fault report is called back the next working morning (09:00–12:00)."""
    ref = str(report.id)
    if seen(db, "fault_report", ref):
        return None
    number = read_number(s, report.contact) or read_number(s, report.caller)
    caller = read_number(s, report.caller)
    if number is None:
        _source(db, None, "fault_report", ref, report.created_at)
        log.warning("fault report %s has no callable number: no revisit", report.ticket or report.id)
        return None
    opens, due = next_morning(report.created_at, s.timezone, s.callback_revisit_start, s.callback_revisit_end,
                              Overrides.of(s))
    task = create_task(db, reason="revisit", number=number.e164, number_raw=report.contact or report.caller,
                       created_at=report.created_at, due_at=due, not_before=opens,
                       call=(report.server, report.call_id), fault_report_id=report.id,
                       note=f"报修工单号 {report.ticket}" if report.ticket else None,
                       s=s, caller_id=caller.e164 if caller else None)
    _source(db, task, "fault_report", ref, report.created_at)
    return task


def record_revisit(db: Session, task_id: int, *, fixed: bool | None, satisfied: bool | None,
                   note: str | None = None, now: datetime | None = None) -> CallbackTask:
    """The revisit's outcome. fault_reports has no column for it, so it is kept on the task. A
    revisit is done only with both answers, "fixed?" and "satisfied?" (R-FAULT-REVISIT): with one
    of them missing the answers given are kept and the task stays open."""
    task = get_task(db, task_id)
    if task.reason != "revisit":
        raise CallbackError(N_("task %(id)s is a %(task_reason)s task, not a revisit"), id=task_id,
                            task_reason=task.reason)
    task.revisit_fixed, task.revisit_satisfied = fixed, satisfied
    if note:
        task.note = "\n".join(x for x in (task.note, note) if x)
    if task.status in OPEN_STATUSES and revisit_answered(task):
        close_task(task, "done", "revisited", now or utcnow())
    return task


def revisit_answered(task: CallbackTask) -> bool:
    """R-FAULT-REVISIT: the customer answered both questions (a reached call alone is not a revisit)."""
    return task.revisit_fixed is not None and task.revisit_satisfied is not None


# -- R-CONSULT-24H ----------------------------------------------------------------------------------
def mark_consultation(db: Session, s: Settings, number: str, *, agent: str | None = None,
                      call_id: str | None = None, note: str | None = None,
                      now: datetime | None = None) -> CallbackTask:
    """A question the agent could not answer on the spot: answered within 24 working-day hours."""
    num = read_number(s, number)
    if num is None:
        raise CallbackError(N_("not a callable number: %(given)r"), given=number)
    now = now or utcnow()
    return create_task(db, reason="consult", number=num.e164, number_raw=num.raw, created_at=now,
                       due_at=add_working_hours(now, s.callback_consult_due_h, s.timezone, Overrides.of(s)),
                       owner=agent,
                       call=(s.server_id, call_id) if call_id else None, note=note, s=s)


# -- R-COMPLAINT -------------------------------------------------------------------------------------
def create_complaint(db: Session, s: Settings, number: str, *, kind: str = "general", summary: str | None = None,
                     category: str | None = None, call_id: str | None = None, created_by: str | None = None,
                     now: datetime | None = None) -> Complaint:
    """Records a complaint with its clocks and the 2 h contact task."""
    if kind not in COMPLAINT_KINDS:
        raise CallbackError(N_("complaint kind must be one of %(choices)s, not %(given)r"), choices=COMPLAINT_KINDS,
                            given=kind)
    num = read_number(s, number)
    if num is None:
        raise CallbackError(N_("not a callable number: %(given)r"), given=number)
    now = now or utcnow()
    hours = s.complaint_solution_h if kind == "general" else s.complaint_progress_h
    complaint = Complaint(number=num.e164, kind=kind, category=category, summary=summary,
                          call_server=s.server_id if call_id else None, call_id=call_id, received_at=now,
                          created_by=created_by, contact_due=now + timedelta(hours=s.complaint_contact_h),
                          resolve_due=now + timedelta(hours=hours))
    db.add(complaint)
    db.flush()
    log.warning("complaint %s (%s) from %s: contact by %s", complaint.id, kind, num.e164,
                complaint.contact_due.isoformat())
    ensure_complaint_task(db, complaint, s)
    return complaint


def ensure_complaint_task(db: Session, complaint: Complaint, s: Settings | None = None) -> CallbackTask | None:
    ref = str(complaint.id)
    if seen(db, "complaint", ref) or complaint.closed_at is not None or complaint.contacted_at is not None:
        return None
    task = create_task(db, reason="complaint", number=complaint.number, number_raw=None,
                       created_at=complaint.received_at, due_at=complaint.contact_due,
                       call=(complaint.call_server, complaint.call_id) if complaint.call_id else None,
                       complaint_id=complaint.id, s=s)
    _source(db, task, "complaint", ref, complaint.received_at)
    return task


def update_complaint(db: Session, complaint_id: int, *, contacted: bool = False, resolved: bool = False,
                     closed: bool = False, now: datetime | None = None) -> Complaint:
    """Stops a complaint's clocks: contacted (2 h), resolved = solved (general) or progress
    reported (complex), closed."""
    c = db.get(Complaint, complaint_id)
    if c is None:
        raise CallbackError(N_("no complaint %(id)s"), id=complaint_id)
    now = now or utcnow()
    if contacted and c.contacted_at is None:
        c.contacted_at = now
        for task in db.scalars(select(CallbackTask).where(CallbackTask.complaint_id == c.id,
                                                          CallbackTask.status.in_(OPEN_STATUSES))):
            close_task(task, "done", "contacted", now)
    if resolved and c.resolved_at is None:
        c.resolved_at = now
    if closed and c.closed_at is None:
        c.closed_at = now
    return c
