"""Dialling a task (click-to-call) and learning what came of it.

AMI Originate rings the agent's interface first; when the agent answers, the dialplan's
``hotline-callback`` context dials the customer with the hotline's caller id. The call carries
HOTLINE_TASK_ID and HOTLINE_AGENT, and its Linkedid is chosen here (Originate ChannelId), so the
attempt names its call record before the call exists. The outcome is read from that record once
the listener has built it (:func:`reconcile`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import dial_digits
from hotline.callbacks.refusals import DialRefused
from hotline.callbacks.tasks import HELD, CallbackError, approved, close_task
from hotline.chanvars import ChanVar
from hotline.desk import presence
from hotline.dialing_policy import Cap, assess, over_cap
from hotline.errors import N_
from hotline.models import Call
from hotline.models.callbacks import OPEN_STATUSES, CallbackAttempt, CallbackTask, Complaint
from hotline.pbx.ami import Ami, AmiError
from hotline.rules import call_record_overdue
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import Disposition

log = logging.getLogger(__name__)

# outcomes that mean the customer's line was tried (count against callback_max_attempts)
COUNTED = ("reached", "no_answer", "busy", "wrong_number")


def agent_interface(s: Settings, agent: str) -> str:
    if not agent.isdigit():
        raise DialRefused(N_("agent must be an extension number, not %(agent)r"), agent=agent)
    return f"Local/{agent}@agents/n" if s.agent_technology == "local" else f"PJSIP/{agent}"


def counted_attempts(task: CallbackTask) -> int:
    return sum(1 for a in task.attempts if a.outcome in COUNTED)


def _agent_free(s: Settings, db: Session, agent: str) -> None:
    """The agent's phone rings first: not while it carries a caller (it would ring over the
    conversation — the panel's 拨打, the desk's 回拨 and 外呼, the CLI alike); 话后整理 is when a
    callback is made."""
    if presence.current(db, s, agent).state in presence.ON_CALL:
        raise DialRefused(N_("you are on a call: dial once it has ended"))


def dial(s: Settings, db: Session, task_id: int, agent: str, *, variables: dict[str, Any] | None = None,
         force: bool = False, now: datetime | None = None, ami: Ami | None = None) -> CallbackAttempt:
    """Rings ``agent``, then the task's customer. Commits the attempt (pending) before the
    originate, so a crash in between leaves a trace, not a silent call. ``variables`` are extra
    channel variables (tests: SIM_MODE_<ext>, __SIM_CUSTOMER …). ``force`` dials even before the
    task's window or the retry spacing. A dial the rules refuse raises ``DialRefused`` (a
    ``CallbackError``: its template and params), logged here."""
    now = now or utcnow()
    try:
        task = _dialable(s, db, task_id, now, force)
        _within_policy(s, db, task, now)
        _agent_free(s, db, agent)
        channel = agent_interface(s, agent)
    except DialRefused as refused:
        log.info("task %s: dial by %s refused: %s", task_id, agent, refused)
        raise
    exten = dial_digits(task.number, s.phone_region)
    call_id = f"cb-{task.id}-{uuid.uuid4().hex[:10]}"
    attempt = CallbackAttempt(task_id=task.id, at=now, agent=agent, call_server=s.server_id, call_id=call_id,
                              outcome="pending")
    task.attempts.append(attempt)
    task.status = "in_progress"
    task.owner = agent  # dialling claims an "anyone" task
    db.commit()
    chan_vars = {ChanVar.TASK_ID: str(task.id), ChanVar.AGENT: agent, **(variables or {})}
    try:
        if ami is not None:
            _originate(s, ami, channel, exten, task, call_id, chan_vars)
        else:
            with Ami.from_settings(s) as session_ami:
                _originate(s, session_ami, channel, exten, task, call_id, chan_vars)
    except AmiError as exc:
        # the attempt's note keeps its English form: older rows hold it too
        attempt.outcome, attempt.note, attempt.reconciled_at = "failed", f"originate: {exc}", utcnow()
        task.status = "open"
        db.commit()
        failed = DialRefused(N_("task %(id)s: could not dial: %(error)s"), id=task_id, error=str(exc))
        log.warning("task %s: dial by %s refused: %s", task_id, agent, failed)
        raise failed from exc
    log.info("task %s: dialling %s via agent %s (call %s)", task.id, exten, agent, call_id)
    return attempt


def _dialable(s: Settings, db: Session, task_id: int, now: datetime, force: bool) -> CallbackTask:
    """The task, if its own state lets it be dialled now; else why not. ``force`` skips the
    task's window and the retry spacing, nothing else."""
    task = db.get(CallbackTask, task_id)
    if task is None:
        raise DialRefused(N_("no callback task %(id)s"), id=task_id)
    if task.status == HELD:  # outside the dialling policy (toll fraud): say why, whoever asks
        raise DialRefused(N_("task %(id)s is held: %(number)s needs supervisor approval"), id=task_id,
                          number=task.number)
    if task.status not in OPEN_STATUSES:
        raise DialRefused(N_("task %(id)s is %(status)s"), id=task_id, status=task.status)
    if any(a.outcome == "pending" for a in task.attempts):
        raise DialRefused(N_("task %(id)s has a call in progress"), id=task_id)
    if counted_attempts(task) >= s.callback_max_attempts:
        raise DialRefused(N_("task %(id)s has had its %(limit)s attempts"), id=task_id,
                          limit=s.callback_max_attempts)
    if not force and task.next_attempt_at is not None and now < task.next_attempt_at:
        raise DialRefused(N_("task %(id)s: next attempt not before %(at)s"), id=task_id,
                          at=_local(s, task.next_attempt_at))
    if not force and task.not_before is not None and now < task.not_before:
        raise DialRefused(N_("task %(id)s: not before %(at)s"), id=task_id, at=_local(s, task.not_before))
    return task


def _local(s: Settings, at: datetime) -> datetime:
    """A time a refusal names, in the operator's zone: the English text (logs, the CLI) reads
    ``2025-11-12 10:30:00+08:00``; the panel shows it in its own format (web/reasons.py)."""
    return at.astimezone(ZoneInfo(s.timezone))


def _within_policy(s: Settings, db: Session, task: CallbackTask, now: datetime) -> None:
    """Toll fraud: a number outside the dialling policy is dialled only once a supervisor approved
    it (whatever made the task); no number beyond the daily caps. ``force`` skips neither."""
    verdict = assess(s, task.number)
    if not verdict.allowed and not approved(db, task):
        task.status = HELD
        db.commit()
        raise DialRefused(N_("task %(id)s: %(number)s needs supervisor approval (%(why)s)"), id=task.id,
                          number=task.number, why=verdict.summary())
    cap = over_cap(s, db, task.number, now)
    if cap is None:
        return
    if cap.cap == Cap.PER_DAY:
        raise DialRefused(N_("task %(id)s: %(limit)s dials today already (setting dial_max_per_day)"),
                          id=task.id, limit=cap.limit)
    raise DialRefused(N_("task %(id)s: %(limit)s dials of %(number)s today already (setting "
                         "dial_max_per_number_day)"), id=task.id, limit=cap.limit, number=task.number)


def _originate(s: Settings, ami: Ami, channel: str, exten: str, task: CallbackTask, call_id: str,
               variables: dict[str, Any]) -> None:
    # the agent's phone shows who is being called back and why
    ami.originate(channel, context="hotline-callback", exten=exten, priority=1,
                  callerid=f'"回访{task.id}" <{exten}>', timeout_s=s.callback_agent_ring_s,
                  variables=variables, channel_id=call_id)


def outcome_of(s: Settings, call: Call) -> tuple[str, str | None]:
    """What an attempt's call record says: reached needs the customer answered for at least
    callback_reached_min_talk_s."""
    if call.disposition == Disposition.ANSWERED:
        talk = call.talk_seconds or 0.0
        if talk >= s.callback_reached_min_talk_s:
            return "reached", None
        return "no_answer", f"answered but only {talk:.1f} s (< {s.callback_reached_min_talk_s:g} s)"
    if call.disposition == Disposition.AGENT_NO_ANSWER:
        return "agent_no_answer", None
    if call.disposition == Disposition.NO_ANSWER:
        return "no_answer", None
    return "failed", f"call record disposition {call.disposition}"


def apply_outcome(s: Settings, db: Session, attempt: CallbackAttempt, outcome: str, now: datetime,
                  note: str | None = None) -> None:
    """Records an attempt's outcome and moves its task: done when reached, failed when out of
    attempts or the number is wrong, else open again after the retry spacing."""
    task = attempt.task
    attempt.outcome, attempt.reconciled_at = outcome, now
    if note:
        attempt.note = "\n".join(x for x in (attempt.note, note) if x)
    if task.status not in OPEN_STATUSES:
        return  # closed meanwhile (e.g. the customer called in and was answered)
    if outcome == "reached":
        close_task(task, "done", "reached", attempt.answered_at or now, attempt.call_id)
        if task.complaint_id is not None:
            complaint = db.get(Complaint, task.complaint_id)
            if complaint is not None and complaint.contacted_at is None:
                complaint.contacted_at = attempt.answered_at or attempt.at
    elif outcome == "wrong_number":
        close_task(task, "failed", "wrong_number", now)
    elif outcome in COUNTED and counted_attempts(task) >= s.callback_max_attempts:
        close_task(task, "failed", "attempts", now)
        _tried_to_call_back(db, s, task, now)
    else:
        task.status = "open"
        if outcome in COUNTED:
            task.next_attempt_at = attempt.at + timedelta(minutes=s.callback_retry_min)


def _tried_to_call_back(db: Session, s: Settings, task: CallbackTask, now: datetime) -> None:
    """Every attempt rang out: the customer gets "we tried to call you back" with the hotline's
    number (R-MISSED-CALLBACK; issue 15's template), once per task."""
    # imported here: hotline.notifications reads hotline.callbacks.numbers, so a module-level
    # import would make the two packages import each other half-built
    from hotline.notifications import Links, Template, queue_sms

    queue_sms(db, s, task.number, Template.CALLBACK_MISSED, {}, now, links=Links(task_id=task.id),
              dedupe_key=f"callback-missed:task:{task.id}")


def record_outcome(s: Settings, db: Session, attempt_id: int, outcome: str, note: str | None = None,
                   now: datetime | None = None) -> CallbackAttempt:
    """The agent's word on an attempt (e.g. wrong_number, busy), over what the call record said."""
    if outcome not in COUNTED:
        raise CallbackError(N_("outcome must be one of %(choices)s, not %(given)r"), choices=COUNTED, given=outcome)
    attempt = db.get(CallbackAttempt, attempt_id)
    if attempt is None:
        raise CallbackError(N_("no callback attempt %(id)s"), id=attempt_id)
    now = now or utcnow()
    task = attempt.task
    if task.status not in OPEN_STATUSES and attempt.outcome == "reached" and outcome != "reached":
        task.status, task.closed_at, task.closed_reason = "in_progress", None, None  # re-opened by the agent
    apply_outcome(s, db, attempt, outcome, now, note)
    return attempt


def reconcile(s: Settings, db: Session, now: datetime | None = None,
              settled_one: Callable[[], None] | None = None) -> int:
    """Pending attempts whose call record exists get their outcome; those with no record after
    callback_reconcile_timeout_min failed. Returns how many were settled. ``settled_one`` is
    called after each attempt settled (the scheduler commits there: an attempt's outcome and its
    task's move are one unit, and a settled attempt is no longer pending, so none is settled twice)."""
    now = now or utcnow()
    settled = 0
    for attempt in db.scalars(select(CallbackAttempt).where(CallbackAttempt.outcome == "pending")).all():
        call = db.scalars(select(Call).where(Call.server == attempt.call_server,
                                             Call.call_id == attempt.call_id)).first()
        if call is None:
            if call_record_overdue(s, attempt.at, now):
                apply_outcome(s, db, attempt, "failed", now, "no call record")
                settled += 1
                if settled_one is not None:
                    settled_one()
            continue
        attempt.talk_seconds, attempt.answered_at = call.talk_seconds, call.answered_at
        outcome, note = outcome_of(s, call)
        if call.vars.get(ChanVar.TASK_ID) not in (None, str(attempt.task_id)):
            note = "\n".join(x for x in (note, f"call carries task {call.vars.get(ChanVar.TASK_ID)}") if x)
        apply_outcome(s, db, attempt, outcome, now, note)
        settled += 1
        if settled_one is not None:
            settled_one()
    return settled
