"""The callbacks' timed work (R-ONE-CALL), run by ``hotline scheduler run``: one pass makes the
tasks new call records, fault reports and complaints call for, settles dialled attempts from their
call records, flags overdue tasks (R-OVERDUE) and escalates missed complaint clocks (R-COMPLAINT).

Idempotent: every record that fed a task is remembered (callback_sources) and every escalation is
unique per (kind, subject), so a second pass — or a pass after a restart — creates nothing twice.
Watermarks (callback_scheduler_state) only spare it re-reading old rows. Calls are read by build
time with an overlap (see ``_calls``).

A pass commits each unit of its work on its own (an attempt settled, a call, a fault report, a
complaint, an overdue task, a complaint's clocks, a receipt): SQLite has one writer, and a pass in
one transaction held its write lock from its first write to its end, keeping the listener's
flushes and the panel's writes waiting. A pass cut short (a crash, the database away) keeps the
units it committed, and the next pass takes up where it stopped: each unit is idempotent as above
(an attempt settled is no longer pending, a task flagged overdue is flagged, the receipt SMS has
its dedupe key), and a step's watermark moves only at its end, so what a cut step did not reach
is read again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline import cases
from hotline.callbacks import dialer, tasks
from hotline.models import Call
from hotline.models.callbacks import OPEN_STATUSES, CallbackTask, Complaint, Escalation, SchedulerState
from hotline.models.ivr import FaultReport
from hotline.notifications import Links, Template, queue_sms
from hotline.rules import overdue
from hotline.settings import Settings
from hotline.timeutil import local_day, utcnow
from hotline.vocabulary import Direction

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class PassReport:
    calls: int = 0
    reports: int = 0
    tasks_created: int = 0
    cases_created: int = 0
    receipts_queued: int = 0
    tasks_closed: int = 0
    attempts_settled: int = 0
    overdue: int = 0
    released: int = 0
    escalations: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"calls {self.calls}, reports {self.reports}, cases +{self.cases_created}, tasks +{self.tasks_created} "
                f"closed {self.tasks_closed}, attempts settled {self.attempts_settled}, overdue {self.overdue}, "
                f"released {self.released}, escalations {len(self.escalations)}")


def _state(db: Session, name: str) -> SchedulerState:
    row = db.get(SchedulerState, name)
    if row is None:
        row = SchedulerState(name=name, value={}, updated_at=utcnow())
        db.add(row)
    return row


def _escalate(db: Session, rep: PassReport, kind: str, *, due_at: datetime, now: datetime,
              task: CallbackTask | None = None, complaint: Complaint | None = None) -> None:
    if task is not None:
        subject = f"task:{task.id}"
    elif complaint is not None:
        subject = f"complaint:{complaint.id}"
    else:
        raise ValueError(f"escalation {kind}: neither a task nor a complaint")
    if db.scalar(select(Escalation.id).where(Escalation.kind == kind, Escalation.subject == subject)):
        return
    db.add(Escalation(kind=kind, subject=subject, task_id=task.id if task else None,
                      complaint_id=complaint.id if complaint else None, due_at=due_at, raised_at=now))
    rep.escalations.append(f"{kind} {subject}")
    log.warning("escalation to supervisors: %s %s (due %s)", kind, subject, due_at.isoformat())


class FedCalls:
    """The calls the passes of one scheduler process fed to the task rules, with the build time
    each was fed at (#17). The overlap re-read behind the calls' watermark (``_calls``) — 600 s of
    calls, ~2 600 at the fleet soak's rate of 100 calls in flight — loaded and fed every one of them
    again on every pass: 1.6–2 s of CPU a pass, every 5 s, and 500 ORM records at a time. Known
    here, the re-read loads only the calls not fed yet or built again since (a late commit, a
    rebuild in place: a new build time). Lost with the process: the first pass after a start
    re-reads the overlap whole, which callback_sources make harmless."""

    def __init__(self) -> None:
        self._fed: dict[int, datetime] = {}

    def knows(self, call_id: int, built_at: datetime) -> bool:
        return self._fed.get(call_id) == built_at

    def fed(self, call_id: int, built_at: datetime) -> None:
        self._fed[call_id] = built_at

    def forget_before(self, t: datetime) -> None:
        """The calls built before ``t``: no re-read reaches back to them any more."""
        self._fed = {i: b for i, b in self._fed.items() if b >= t}

    def __len__(self) -> int:
        return len(self._fed)


def run_pass(s: Settings, db: Session, now: datetime | None = None, fed: FedCalls | None = None) -> PassReport:
    """One pass in ``db``, committed unit by unit (see the module's docstring); ``fed``: the
    calls earlier passes of this process fed (the daemon's), none: every call re-read is fed."""
    now = now or utcnow()
    rep = PassReport()
    rep.attempts_settled = dialer.reconcile(s, db, now, settled_one=db.commit)
    _calls(s, db, rep, now, fed)
    db.commit()  # the step's watermark
    _reports(s, db, rep, now)
    db.commit()
    _complaints(db, rep)
    db.commit()
    _overdue(s, db, rep, now)
    _complaint_clocks(db, rep, now)
    _complaint_receipts(s, db, rep, now)
    return rep


def _complaint_receipts(s: Settings, db: Session, rep: PassReport, now: datetime) -> None:
    """R-COMPLAINT: the customer gets a receipt with the acceptance time and the feedback
    deadline, by SMS through the outbox — queued once per complaint case (its dedupe key); once the
    outbox has sent it, the case says so."""
    tz = ZoneInfo(s.timezone)
    for case in cases.receipts_due(db):
        db.commit()  # the case before: one receipt per transaction
        if not case.number:
            continue
        feedback_by = case.due_at or case.created_at
        fields = {"accepted_at": case.created_at.astimezone(tz).strftime("%m月%d日%H:%M"),
                  "feedback_by": feedback_by.astimezone(tz).strftime("%m月%d日%H:%M"), "ref": case.id}
        msg = queue_sms(db, s, case.number, Template.COMPLAINT_RECEIPT, fields, now,
                        links=Links(case_id=case.id, complaint_id=case.complaint_id),
                        dedupe_key=f"complaint_receipt:{case.id}")
        if msg is None:
            continue
        if msg.status == "sent":
            cases.receipt_sent(db, case, msg.id, msg.sent_at or now)
        elif msg.created_at == now:
            rep.receipts_queued += 1
    db.commit()


def _calls(s: Settings, db: Session, rep: PassReport, now: datetime, fed: FedCalls | None = None) -> None:
    """Calls built (or rebuilt in place) since the watermark, re-read ``scheduler_watermark_overlap_s``
    behind it: a record rebuilt in place keeps its id, and with several servers on one PostgreSQL a
    smaller id can commit after a bigger one, so neither an id nor an exact time is a safe mark. The
    overlap is re-read every pass; callback_sources make that harmless.

    ``built_at`` has no index of its own, so a pass reads only calls that started within
    ``scheduler_started_lookback_h`` (index ``ix_calls_started_built``: ~1 ms over 1 M calls, where
    a scan of built_at took 230 ms); once a local day a sweep without that bound picks up records
    rebuilt for calls that started longer ago (`hotline listener rebuild` of an old window)."""
    st = _state(db, "calls")
    value = dict(st.value)
    overlap = timedelta(seconds=max(s.scheduler_watermark_overlap_s, 0.0))
    mark = _calls_mark(db, value)
    bound = now - timedelta(hours=s.scheduler_started_lookback_h) if mark is not None else None
    newest = _read_calls(s, db, rep, None if mark is None else mark - overlap, bound, fed) or mark
    day = local_day(now, s.timezone).isoformat()
    if value.get("swept_day") != day:
        swept = datetime.fromisoformat(str(value["swept_since"])) if value.get("swept_since") else mark
        if swept is not None and mark is not None:
            swept = _read_calls(s, db, rep, swept - overlap, None, fed) or swept
        value.update(swept_day=day, swept_since=(swept or newest or now).isoformat())
    if newest is not None:
        value["built_since"] = newest.isoformat()
        if fed is not None:
            fed.forget_before(newest - overlap)
    value.pop("last_id", None)
    if value != st.value:
        st.value, st.updated_at = value, utcnow()


def _read_calls(s: Settings, db: Session, rep: PassReport, since: datetime | None,
                started_since: datetime | None, fed: FedCalls | None = None) -> datetime | None:
    """Feeds the calls built at or after ``since`` (all when None) to the task rules, in build order
    — of those ``fed`` knows at their build time, none; returns the newest build time seen."""
    cursor: tuple[datetime, int] | None = (since, 0) if since is not None else None
    newest: datetime | None = None
    while True:
        q = select(Call.id, Call.built_at).order_by(Call.built_at, Call.id).limit(BATCH)
        if started_since is not None:
            q = q.where(or_(Call.started_at >= started_since, Call.started_at.is_(None)))
        if cursor is not None:
            q = q.where(or_(Call.built_at > cursor[0], and_(Call.built_at == cursor[0], Call.id > cursor[1])))
        keys = db.execute(q).tuples().all()
        todo = [i for i, built in keys if fed is None or not fed.knows(i, built)]
        calls = {c.id: c for c in db.scalars(select(Call).where(Call.id.in_(todo)))} if todo else {}
        for call_id, built in keys:
            cursor = (built, call_id)
            newest = built if newest is None or built > newest else newest
            call = calls.get(call_id)
            if call is None or call.built_at != built:  # fed already; or built again meanwhile: read next pass
                continue
            db.commit()  # the call before: one call's tasks and cases per transaction
            if call.direction == Direction.INBOUND:  # outbound records are read through their attempts
                _call(s, db, rep, call)
                # R-ONE-CALL / R-CONSULT-24H: an out-of-hours matter (HOTLINE_CALLBACK) or an IVR
                # fault report becomes a case with its follow-up; idempotent per call
                rep.cases_created += len(cases.cases_from_call(db, s, call))
            if fed is not None:
                fed.fed(call_id, built)
        if len(keys) < BATCH:
            return newest


def _calls_mark(db: Session, value: dict[str, object]) -> datetime | None:
    if value.get("built_since"):
        return datetime.fromisoformat(str(value["built_since"]))
    if value.get("last_id"):  # a watermark kept before #19: the build time of the last call it had read
        return db.scalar(select(Call.built_at).where(Call.id == int(str(value["last_id"]))))
    return None


def _call(s: Settings, db: Session, rep: PassReport, call: Call) -> None:
    rep.calls += 1
    if tasks.is_missed(call):
        task = tasks.on_missed_call(db, s, call)
        if task is not None and task.missed_calls == 1:
            rep.tasks_created += 1
    elif tasks.answered(call):
        rep.tasks_closed += len(tasks.on_answered_call(db, s, call))


def _reports(s: Settings, db: Session, rep: PassReport, now: datetime) -> None:
    st = _state(db, "fault_reports")
    since_text = st.value.get("since")
    since = datetime.fromisoformat(since_text) if since_text else None
    q = select(FaultReport).order_by(FaultReport.updated_at, FaultReport.id)
    if since is not None:
        q = q.where(FaultReport.updated_at >= since)
    grace = timedelta(minutes=s.callback_partial_report_grace_min)
    waiting: list[datetime] = []  # incomplete reports whose call may still be going on
    newest = since
    for report in db.scalars(q).all():
        db.commit()  # the report before: one report's task and case per transaction
        rep.reports += 1
        newest = report.updated_at if newest is None or report.updated_at > newest else newest
        if report.status == "incomplete":
            call = db.scalars(select(Call).where(Call.server == report.server, Call.call_id == report.call_id)).first()
            if call is None and now - report.updated_at < grace:
                waiting.append(report.updated_at)
                continue
            if tasks.on_partial_report(db, s, report, call) is not None:
                rep.tasks_created += 1
        else:
            if tasks.on_fault_report(db, s, report) is not None:
                rep.tasks_created += 1
            if cases.case_for_fault_report(db, s, report) is not None:  # a confirmed report is a case
                rep.cases_created += 1
    mark = min(waiting) if waiting else newest
    if mark is not None and st.value.get("since") != mark.isoformat():
        st.value, st.updated_at = {"since": mark.isoformat()}, utcnow()


def _complaints(db: Session, rep: PassReport) -> None:
    # complaints normally get their task when recorded; this covers ones written by other means
    st = _state(db, "complaints")
    last = int(st.value.get("last_id", 0))
    for c in db.scalars(select(Complaint).where(Complaint.id > last).order_by(Complaint.id)).all():
        db.commit()  # the complaint before
        if tasks.ensure_complaint_task(db, c) is not None:
            rep.tasks_created += 1
        last = c.id
    if st.value.get("last_id", 0) != last:
        st.value, st.updated_at = {"last_id": last}, utcnow()


def _overdue(s: Settings, db: Session, rep: PassReport, now: datetime) -> None:
    """R-OVERDUE: flag, escalate, and hand an agent's overdue task to anyone after a while."""
    release = timedelta(minutes=s.callback_overdue_release_min)
    # only the tasks with something left to do: not flagged yet, or an agent's and due for release.
    # #17: every pass read every open overdue task (and its attempts) — a backlog nobody works grows
    # all day, and so did the scheduler's memory, with the transient of each pass
    todo = or_(CallbackTask.overdue_at.is_(None),
               and_(CallbackTask.owner.isnot(None), overdue(CallbackTask.due_at, now - release)))  # as below
    for task in db.scalars(select(CallbackTask).where(CallbackTask.status.in_(OPEN_STATUSES),
                                                      overdue(CallbackTask.due_at, now), todo)).all():
        db.commit()  # the task before: its flag, escalation and release are one unit
        if task.overdue_at is None:
            task.overdue_at = now
            rep.overdue += 1
            _escalate(db, rep, "task_overdue", due_at=task.due_at, now=now, task=task)
        if task.owner is not None and overdue(task.due_at + release, now) \
                and not any(a.outcome == "pending" for a in task.attempts):
            log.info("task %s overdue since %s: released from agent %s to anyone", task.id,
                     task.due_at.isoformat(), task.owner)
            task.owner, task.released_at = None, now
            rep.released += 1
    db.commit()


def _complaint_clocks(db: Session, rep: PassReport, now: datetime) -> None:
    """R-COMPLAINT: each clock missed is its own escalation."""
    for c in db.scalars(select(Complaint).where(Complaint.closed_at.is_(None), or_(
            Complaint.contacted_at.is_(None), Complaint.resolved_at.is_(None)))).all():
        db.commit()  # the complaint before
        if c.contacted_at is None and overdue(c.contact_due, now):
            _escalate(db, rep, "complaint_contact", due_at=c.contact_due, now=now, complaint=c)
        if c.resolved_at is None and overdue(c.resolve_due, now):
            kind = "complaint_solution" if c.kind == "general" else "complaint_progress"
            _escalate(db, rep, kind, due_at=c.resolve_due, now=now, complaint=c)
    db.commit()
