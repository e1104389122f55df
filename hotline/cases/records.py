"""Opening, linking, editing and closing cases. Every function works in the caller's session and
never commits (the desk, the IVR hook, the scheduler and the CLI decide the transaction); every
change is written to case_history (who, when, field, old → new). Times are UTC; ``now`` is
injectable everywhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks import CallbackError, create_complaint, mark_consultation, update_complaint
from hotline.callbacks.numbers import read_number
from hotline.callbacks.tasks import close_task
from hotline.cases.access import Actor, CaseAccessError, CaseError, check_create, check_edit
from hotline.cases.categories import CategoryError, check
from hotline.cases.due import due_at
from hotline.customers import find_customer
from hotline.errors import N_
from hotline.models.callbacks import OPEN_STATUSES, CallbackTask, Complaint
from hotline.models.cases import Case, CaseCall, CaseFollowUp, CaseHistory
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import CaseKind, CaseStatus, Role

log = logging.getLogger(__name__)

OPEN_CASE_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)


@dataclass
class CaseInput:
    """The wrap-up form (R-REC-FIELDS): what the caller wanted and what was done. Customer fields
    left empty are filled from the customer master (the screen pop's pre-fill)."""

    kind: str
    category: str | None = None
    description: str | None = None
    result: str | None = None
    name: str | None = None
    address: str | None = None
    number: str | None = None  # the contact number, any form; stored E.164
    first_call_resolved: bool | None = None
    # R-COMPLAINT: general (solved in 24 h, the default) | complex (progress in 72 h); a complaint's
    # only — another kind's is ignored (open_case)
    complaint_kind: str | None = None
    owner: str | None = None  # default: the agent who opens it (a supervisor's or the IVR's: nobody yet)


@dataclass
class CaseChanges:
    """An edit: a field left None is unchanged (an empty string clears a text)."""

    category: str | None = None
    description: str | None = None
    result: str | None = None
    name: str | None = None
    address: str | None = None
    number: str | None = None
    first_call_resolved: bool | None = None
    owner: str | None = None  # supervisors only
    status: CaseStatus | None = None  # accepted ↔ in_progress; closing is close_case


def _text(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def _log(db: Session, case: Case, field: str, old: object, new: object, by: str | None, at: datetime) -> None:
    def show(v: object) -> str | None:
        return None if v is None else v.isoformat() if isinstance(v, datetime) else str(v)
    db.add(CaseHistory(case_id=case.id, at=at, by=by, field=field, old=show(old), new=show(new)))


def _set(db: Session, case: Case, field: str, new: object, by: str | None, at: datetime) -> None:
    old = getattr(case, field)
    if old != new:
        setattr(case, field, new)
        _log(db, case, field, old, new, by, at)


def _number(s: Settings, raw: str | None) -> str | None:
    if not _text(raw):
        return None
    num = read_number(s, raw)
    if num is None:
        raise CaseError(N_("not a phone number: %(given)r"), given=raw)
    return num.e164


def get_case(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise CaseError(N_("no case %(id)s"), id=case_id)
    return case


def open_matters(db: Session, s: Settings, number: str | None, kind: CaseKind | None = None) -> list[Case]:
    """R-ONE-CALL: the open cases of a number (any form), oldest first: the screen pop shows them,
    and a repeat call about one is linked to it rather than opening another."""
    e164 = read_number(s, number)
    if e164 is None:
        return []
    q = select(Case).where(Case.number == e164.e164, Case.status.in_(OPEN_CASE_STATUSES))
    if kind is not None:
        q = q.where(Case.kind == kind)
    return list(db.scalars(q.order_by(Case.created_at, Case.id)))


def link_call(db: Session, case: Case, server: str, call_id: str, by: str | None = None,
              now: datetime | None = None) -> bool:
    """Ties a call to the case; False if it already was. One call may raise several matters, so a
    call may be tied to several cases."""
    linked = db.scalar(select(CaseCall.id).where(CaseCall.case_id == case.id, CaseCall.server == server,
                                                 CaseCall.call_id == call_id))
    if linked is not None:
        return False
    now = now or utcnow()
    case.calls.append(CaseCall(server=server, call_id=call_id, linked_at=now, linked_by=by))
    db.flush()
    _log(db, case, "call", None, f"{server}:{call_id}", by, now)
    return True


def add_follow_up(db: Session, case: Case, kind: str, ref: str | int, by: str | None = None,
                  now: datetime | None = None) -> None:
    """A follow-up of the case: kind ``task`` (a callback task id), ``sms`` (an outbox id),
    ``work_order`` (a field work order id)."""
    now = now or utcnow()
    case.follow_ups.append(CaseFollowUp(kind=kind, ref=str(ref), at=now))
    db.flush()
    _log(db, case, "follow_up", None, f"{kind}:{ref}", by, now)


def cases_of_call(db: Session, server: str, call_id: str) -> list[Case]:
    """The cases a call is tied to, oldest first (the call page lists them)."""
    return list(db.scalars(select(Case).join(CaseCall, CaseCall.case_id == Case.id)
                           .where(CaseCall.server == server, CaseCall.call_id == call_id).order_by(Case.id)))


def case_of_task(db: Session, task_id: int) -> Case | None:
    return db.scalar(select(Case).join(CaseFollowUp, CaseFollowUp.case_id == Case.id)
                     .where(CaseFollowUp.kind == "task", CaseFollowUp.ref == str(task_id)))


def open_case(db: Session, s: Settings, by: Actor, form: CaseInput, *, call: tuple[str, str] | None = None,
              source: str = "desk", reuse_open: bool = True, now: datetime | None = None) -> Case:
    """Opens a case for one matter, or (R-ONE-CALL, ``reuse_open``) links ``call`` to the open
    case of the same number and kind and returns that one. Its kind's rule sets the deadline and
    the follow-up: a complaint gets its Complaint row with the R-COMPLAINT clocks and 2 h contact
    task and owes the customer a receipt (``receipt_due``); a consultation not answered on the
    call gets its R-CONSULT-24H callback task. Resolved on the call: closed at once."""
    check_create(by)
    try:
        kind = check(s, form.kind, _text(form.category))
    except CategoryError as exc:
        raise CaseError.wrapping(exc) from exc
    now = now or utcnow()
    number = _number(s, form.number)
    if reuse_open and number is not None:
        for case in open_matters(db, s, number, kind):
            if call is not None:
                link_call(db, case, call[0], call[1], by.name, now)
            return case
    customer = find_customer(db, s, number)
    if form.complaint_kind and kind != CaseKind.COMPLAINT:
        log.info("case of kind %s from %s: the complaint level %r ignored (a complaint's only)",
                 kind.value, by.name, form.complaint_kind)
    resolved = form.first_call_resolved is True and kind != CaseKind.COMPLAINT
    case = Case(kind=kind.value, category=_text(form.category), description=_text(form.description),
                result=_text(form.result), number=number, customer_id=customer.id if customer else None,
                name=_text(form.name) or (customer.name if customer else None),
                address=_text(form.address) or (customer.address if customer else None),
                first_call_resolved=form.first_call_resolved, status=CaseStatus.ACCEPTED.value,
                owner=_text(form.owner) or (by.name if by.role == Role.AGENT else None), source=source,
                created_by=by.name, created_at=now,
                updated_at=now, receipt_due=False)
    db.add(case)
    db.flush()
    _log(db, case, "created", None, f"{kind.value}/{case.category}" if case.category else kind.value, by.name, now)
    if call is not None:
        link_call(db, case, call[0], call[1], by.name, now)
    task = _rule_follow_up(db, s, case, form, call, resolved, now)
    if task is not None:
        add_follow_up(db, case, "task", task.id, by.name, now)
    complaint = db.get(Complaint, case.complaint_id) if case.complaint_id else None
    case.due_at = task.due_at if task is not None and kind == CaseKind.CONSULT else due_at(
        s, kind, now, area_type=customer.area_type if customer else None, complaint=complaint)
    if resolved:
        _close(db, case, by.name, now)
    return case


def _rule_follow_up(db: Session, s: Settings, case: Case, form: CaseInput, call: tuple[str, str] | None,
                    resolved: bool, now: datetime) -> CallbackTask | None:
    """The follow-up the kind's rule makes: R-COMPLAINT's complaint and contact task, or
    R-CONSULT-24H's callback task."""
    call_id = call[1] if call is not None else None
    try:
        if case.kind == CaseKind.COMPLAINT:
            if case.number is None:
                raise CaseError(N_("a complaint needs the customer's number (R-COMPLAINT: they are called back)"))
            complaint = create_complaint(db, s, case.number, kind=form.complaint_kind or "general",
                                         summary=case.description, category=case.category, call_id=call_id,
                                         created_by=case.created_by, now=now)
            case.complaint_id, case.receipt_due = complaint.id, True
            return db.scalar(select(CallbackTask).where(CallbackTask.complaint_id == complaint.id))
        if case.kind == CaseKind.CONSULT and not resolved and case.number is not None:
            return mark_consultation(db, s, case.number, agent=case.owner if case.source == "desk" else None,
                                     call_id=call_id, note=case.description, now=now)
    except CallbackError as exc:
        raise CaseError.wrapping(exc) from exc
    return None


def update_case(db: Session, s: Settings, case_id: int, by: Actor, changes: CaseChanges,
                now: datetime | None = None) -> Case:
    """Edits an open case (CaseClosedError once closed; agents only their own)."""
    case = get_case(db, case_id)
    check_edit(case, by)
    now = now or utcnow()
    if changes.owner is not None and not by.leads:
        raise CaseAccessError(N_("only a supervisor reassigns case %(id)s"), id=case.id)
    if changes.status is not None and changes.status not in OPEN_CASE_STATUSES:
        raise CaseError(N_("close a case with close_case (it needs the result)"))
    if changes.category is not None:
        try:
            check(s, case.kind, _text(changes.category))
        except CategoryError as exc:
            raise CaseError.wrapping(exc) from exc
    for f in fields(changes):
        value = getattr(changes, f.name)
        if value is None:
            continue
        if f.name == "number":
            value = _number(s, value)
        elif isinstance(value, str):
            value = _text(value)
        _set(db, case, f.name, value.value if isinstance(value, CaseStatus) else value, by.name, now)
    if changes.category is not None and case.complaint_id is not None:
        complaint = db.get(Complaint, case.complaint_id)
        if complaint is not None:  # the monthly analysis reads the complaint's category
            complaint.category = case.category
    case.updated_at = now
    return case


def complaint_step(db: Session, case_id: int, by: Actor, *, contacted: bool = False, resolved: bool = False,
                   note: str | None = None, now: datetime | None = None) -> Complaint:
    """R-COMPLAINT from the panel: the supervisor contacted the customer (stops the 2 h clock), the
    solution (general) or the progress report (complex) was given (stops the second clock); each
    step is kept in the case's history with its note. Closing the case is close_case."""
    case = get_case(db, case_id)
    check_edit(case, by)
    if case.complaint_id is None:
        raise CaseError(N_("case %(id)s is a %(case_kind)s case, not a complaint"), id=case.id, case_kind=case.kind)
    now = now or utcnow()
    complaint = update_complaint(db, case.complaint_id, contacted=contacted, resolved=resolved, now=now)
    for step, done in (("contacted", contacted), ("resolved", resolved)):
        if done:
            _log(db, case, f"complaint_{step}", None, note or now, by.name, now)
    if case.status == CaseStatus.ACCEPTED:
        _set(db, case, "status", CaseStatus.IN_PROGRESS.value, by.name, now)
    case.updated_at = now
    return complaint


def _close(db: Session, case: Case, by: str | None, now: datetime) -> None:
    _set(db, case, "status", CaseStatus.CLOSED.value, by, now)
    case.closed_at = case.updated_at = now
    for f in case.follow_ups:
        task = db.get(CallbackTask, int(f.ref)) if f.kind == "task" else None
        if task is not None and task.status in OPEN_STATUSES and task.reason == "consult":
            close_task(task, "done", "case_closed", now)  # R-CONSULT-24H: answered


def close_case(db: Session, s: Settings, case_id: int, by: Actor, result: str | None = None,
               now: datetime | None = None) -> Case:
    """已办结: the result (what was done, R-REC-FIELDS) is required. A complaint case stops its
    complaint's solution / progress clock and closes it; the case is read-only from then on."""
    case = get_case(db, case_id)
    check_edit(case, by)
    now = now or utcnow()
    if result is not None:
        _set(db, case, "result", _text(result), by.name, now)
    if not case.result:
        raise CaseError(N_("case %(id)s: record what was done (the result) before closing it"), id=case.id)
    if case.complaint_id is not None:
        update_complaint(db, case.complaint_id, resolved=True, closed=True, now=now)
    _close(db, case, by.name, now)
    return case


def mark_revisited(db: Session, case: Case, by: str | None, now: datetime | None = None) -> Case:
    """已回访: a closed case whose revisit (R-FAULT-REVISIT) got its answers. The one change a
    closed case takes."""
    if case.status != CaseStatus.CLOSED:
        raise CaseError(N_("case %(id)s is %(case_status)s: only a closed case is revisited"), id=case.id,
                        case_status=case.status)
    now = now or utcnow()
    _set(db, case, "status", CaseStatus.REVISITED.value, by, now)
    case.revisited_at = case.updated_at = now
    return case


def receipt_sent(db: Session, case: Case, sms_ref: str | int, now: datetime | None = None) -> Case:
    """R-COMPLAINT: the receipt SMS went out (the outbox calls this; allowed on a closed case)."""
    now = now or utcnow()
    add_follow_up(db, case, "sms", sms_ref, "outbox", now)
    case.receipt_sent_at = now
    _log(db, case, "receipt_sent_at", None, now, "outbox", now)
    return case


def history(db: Session, case: Case) -> list[CaseHistory]:
    return list(db.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)))




def find_cases(db: Session, *, owner: str | None = None, statuses: tuple[str, ...] | None = None,
               kind: str | None = None, number: str | None = None, limit: int = 200) -> list[Case]:
    """Cases for the lists (the desk's "my cases", the supervisor's open cases), by due time
    (none last), newest first among equals. ``number`` is E.164."""
    q = select(Case)
    if owner is not None:
        q = q.where(Case.owner == owner)
    if statuses is not None:
        q = q.where(Case.status.in_(statuses))
    if kind is not None:
        q = q.where(Case.kind == kind)
    if number is not None:
        q = q.where(Case.number == number)
    return list(db.scalars(q.order_by(Case.due_at.is_(None), Case.due_at, Case.id.desc()).limit(limit)))


def receipts_due(db: Session) -> list[Case]:
    """R-COMPLAINT: cases whose receipt SMS has not gone out yet (for the notification outbox)."""
    return list(db.scalars(select(Case).where(Case.receipt_due.is_(True), Case.receipt_sent_at.is_(None))
                           .order_by(Case.id)))


def record_complete(case: Case) -> bool:
    """R-REC-FIELDS: name, address, contact number, the matter, the time and what was done are all
    recorded (QA's "record complete" item is pre-filled from this)."""
    return all((case.name, case.address, case.number, case.description, case.created_at, case.result))
