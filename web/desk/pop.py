"""The agent desk's screen-pop (来电弹屏, issue 13 §2): what the desk shows of a call that rings the
agent — the caller, the customer where known, this call's IVR path, the wait and whether the late
apology will play (R-ANS-LATE-APOLOGY through ``hotline.rules.ring_rule``), and the number's
history with a repeat caller about an open matter flagged (R-ONE-CALL).

The per-call facts come from the live snapshot (``LiveSnapshot.calls``: the listener fills them
from the IVR's HOTLINE_* variables), the rest from the database. Everything is plain JSON for the
desk's event stream; the browser writes it as text (caller-ID names are hostile)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import dial_digits, forms_of
from hotline.cases.categories import fault_type_name
from hotline.cases.records import OPEN_CASE_STATUSES
from hotline.chanvars import ChanVar
from hotline.customers import find_customer
from hotline.field.standing import OPEN_REPORT_STATUSES, filed_by
from hotline.live_snapshot import CallLive
from hotline.models import Call
from hotline.models.callbacks import OPEN_STATUSES, CallbackTask, Complaint
from hotline.models.cases import Case, CaseCall
from hotline.models.ivr import Customer, FaultReport
from hotline.rules import deadline_state, ring_rule
from hotline.settings import Settings
from hotline.timeutil import to_epoch

HISTORY = 10  # the last contacts the pop lists
# this call's IVR path: what the pop shows, in this order
IVR_FACTS = (ChanVar.MENU, ChanVar.FAULT_CONTACT, ChanVar.FAULT_ACCOUNT, ChanVar.FAULT_TICKET, ChanVar.OUTAGE,
             ChanVar.VIP, ChanVar.OPEN_MATTERS, ChanVar.STATUS_TICKET, ChanVar.FAULT_AREA, ChanVar.FAULT_TYPE)


def number_forms(s: Settings, number: str | None) -> set[str]:
    """The forms one caller's number is stored in: as a call gave it, whatever the trunk (calls,
    fault reports: the IVR's repeat-caller look-up matches the same) and E.164 (callback tasks,
    complaints, customers may hold either). A withheld caller id has none: it is nobody's history."""
    return set(forms_of(s, number))


def customer(db: Session, s: Settings, number: str | None, forms: set[str]) -> dict[str, Any] | None:
    """The caller in the customer master (issue 14 §2: any of a customer's numbers, in any form),
    else a customer row whose main phone is one of the number's stored forms."""
    c = find_customer(db, s, number) if number else None
    if c is None and forms:
        c = db.scalars(select(Customer).where(Customer.phone.in_(forms)).limit(1)).first()
    if c is None:
        return None
    return {"name": c.name, "address": c.address, "area": c.area, "vip": c.vip, "account": c.account}


def _calls(db: Session, forms: set[str], exclude: str | None) -> list[dict[str, Any]]:
    rows = db.scalars(select(Call).where(Call.caller_number.in_(forms), Call.call_id != (exclude or ""))
                      .order_by(Call.started_at.desc()).limit(HISTORY))
    return [{"kind": "call", "at": to_epoch(c.started_at), "id": c.id, "what": c.disposition,
             "agent": c.final_agent or c.agent, "open": False} for c in rows]


def _reports(db: Session, forms: set[str], exclude: str | None) -> list[dict[str, Any]]:
    # the report keyed in this call's IVR is this call's matter (本次IVR shows its ticket), no
    # earlier contact: counted, it flagged every reporter who then asked for an agent 重复来电
    not_this = or_(FaultReport.call_id.is_(None), FaultReport.call_id != (exclude or ""))
    rows = db.scalars(select(FaultReport).where(filed_by(forms), not_this)
                      .order_by(FaultReport.created_at.desc()).limit(HISTORY))
    return [{"kind": "fault", "at": to_epoch(r.created_at), "id": r.id, "what": r.status, "ticket": r.ticket,
             "open": r.status in OPEN_REPORT_STATUSES} for r in rows]


def _tasks(db: Session, forms: set[str]) -> list[dict[str, Any]]:
    rows = db.scalars(select(CallbackTask).where(CallbackTask.number.in_(forms))
                      .order_by(CallbackTask.created_at.desc()).limit(HISTORY))
    return [{"kind": "task", "at": to_epoch(t.created_at), "id": t.id, "what": t.reason, "status": t.status,
             "owner": t.owner, "open": t.status in OPEN_STATUSES} for t in rows]


def _cases(db: Session, s: Settings, forms: set[str], this_call: str | None) -> list[dict[str, Any]]:
    """The number's cases (工单), an open one an open matter (R-ONE-CALL, ``OPEN_CASE_STATUSES``).
    A case recorded on this very call stays listed (its link) but is ``this_call``: this call's
    matter, no earlier contact — until 7 December the agent who recorded the caller's matter saw
    the call flagged 重复来电 the moment it was saved."""
    rows = list(db.scalars(select(Case).where(Case.number.in_(forms))
                           .order_by(Case.created_at.desc()).limit(HISTORY)))
    on_this = select(CaseCall.case_id).where(CaseCall.case_id.in_([c.id for c in rows]),
                                             CaseCall.server == s.server_id, CaseCall.call_id == this_call)
    mine = set(db.scalars(on_this)) if rows and this_call else set()
    return [{"kind": "case", "at": to_epoch(c.created_at), "id": c.id, "what": c.kind, "status": c.status,
             "open": c.status in OPEN_CASE_STATUSES, "this_call": c.id in mine} for c in rows]


def _complaints(db: Session, forms: set[str], now: datetime) -> list[dict[str, Any]]:
    rows = db.scalars(select(Complaint).where(Complaint.number.in_(forms))
                      .order_by(Complaint.received_at.desc()).limit(HISTORY))
    out = []
    for c in rows:
        # the clock that runs now: contact first, then the solution / progress
        due, done = (c.contact_due, c.contacted_at) if c.contacted_at is None else (c.resolve_due, c.resolved_at)
        out.append({"kind": "complaint", "at": to_epoch(c.received_at), "id": c.id, "what": c.kind,
                    "clock": deadline_state(due, done, now), "open": c.closed_at is None})
    return out


def history(db: Session, s: Settings, number: str | None, exclude_call: str | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """The number's last ``HISTORY`` contacts, newest first, and R-ONE-CALL's flag: the number
    contacted us before and a matter of it is still open."""
    forms = number_forms(s, number)
    if not forms:
        return {"contacts": [], "repeat_open": False, "customer": None}
    now = now or datetime.now(UTC)
    items = (_calls(db, forms, exclude_call) + _reports(db, forms, exclude_call) + _tasks(db, forms)
             + _cases(db, s, forms, exclude_call) + _complaints(db, forms, now))
    items.sort(key=lambda i: i["at"] or 0, reverse=True)
    window = (now - timedelta(hours=s.repeat_window_h)).timestamp()
    earlier = [i for i in items if not i.get("this_call")]
    recent = any((i["at"] or 0) >= window for i in earlier)
    return {"contacts": items[:HISTORY], "repeat_open": recent and any(i["open"] for i in earlier),
            "customer": customer(db, s, number, forms)}


def ivr_path(call: CallLive, db: Session, s: Settings, call_id: str) -> dict[str, str]:
    """This call's IVR facts, from the HOTLINE_* variables; the fault ticket from the report the
    IVR stored if the variable was not seen."""
    facts = {v.value: call.vars[v.value] for v in IVR_FACTS if call.vars.get(v.value)}
    if ChanVar.FAULT_TYPE.value in facts:
        facts[ChanVar.FAULT_TYPE.value] = fault_type_name(s, facts[ChanVar.FAULT_TYPE.value])
    if ChanVar.FAULT_TICKET.value not in facts:
        ticket = db.scalars(select(FaultReport.ticket).where(
            FaultReport.server == s.server_id, FaultReport.call_id == call_id, FaultReport.ticket.is_not(None))
            .limit(1)).first()
        if ticket:
            facts[ChanVar.FAULT_TICKET.value] = ticket
    return facts


def dialled_number(db: Session, s: Settings, call: CallLive) -> str | None:
    """The number the agent's own dial (外呼 / 回拨) is for, before the customer is dialled (the
    agent's phone rings first, and the call's party is known from the customer's DialBegin): its
    callback task's (HOTLINE_TASK_ID, set by the originate), in the digits the dialler dials, so
    the pop shows one number from the ring to the answer (the task keeps it as +86…)."""
    try:
        task = db.get(CallbackTask, int(call.vars.get(ChanVar.TASK_ID.value, "")))
    except ValueError:  # no task (a queue call), or a variable set by hand: no number, no error
        return None
    return dial_digits(task.number, s.phone_region) if task is not None else None


def pop(db: Session, s: Settings, call_id: str, call: CallLive | None, now: datetime | None = None) -> dict[str, Any]:
    """The screen-pop of call ``call_id``. ``wait_from``: when the caller's wait counts from (the
    dialplan's HOTLINE_WAIT_FROM, else the queue join); the apology plays when the wait at the
    answer exceeds ``apology_after_s`` (the browser counts the wait on)."""
    call = call or CallLive()
    wait_from = call.queued_at
    try:
        wait_from = float(call.vars.get(ChanVar.WAIT_FROM.value, "")) or wait_from
    except ValueError:
        pass
    number = call.caller_number or dialled_number(db, s, call)
    return {"call_id": call_id, "server": s.server_id, "number": number, "name": call.caller_name,
            "wait_from": wait_from, "apology_after_s": ring_rule(s).threshold_s,
            "vip": call.vars.get(ChanVar.VIP.value) == "1", "ivr": ivr_path(call, db, s, call_id),
            **history(db, s, number, call_id, now)}
