"""Cases the hotline opens by itself from what the IVR stored: a confirmed fault report is a
repair case (R-FAULT-SLA); an out-of-hours consultation or complaint (the call carries
HOTLINE_CALLBACK=1, HOTLINE_MENU says which) is a case with its callback task (R-ANS-HOURS,
R-ONE-CALL); an out-of-hours request for a person is no case but a missed call's callback task
(R-MISSED-CALLBACK, hotline.callbacks.tasks.on_missed_call). Idempotent: a call or a report
already tied to a case makes nothing again."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.callbacks.tasks import NAMED_CALLBACK_MATTERS
from hotline.cases.access import Actor
from hotline.cases.categories import tree
from hotline.cases.due import due_at
from hotline.cases.records import CaseInput, cases_of_call, link_call, mark_revisited, open_case
from hotline.chanvars import ChanVar
from hotline.models import Call
from hotline.models.callbacks import CallbackTask
from hotline.models.cases import Case
from hotline.models.ivr import FaultReport
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import CaseKind, Role

IVR = Actor("ivr", Role.ADMIN)  # the hotline itself; cases it opens belong to nobody yet
log = logging.getLogger(__name__)

CONFIRMED = ("open", "closed")  # fault_reports.status of a report the caller confirmed
# the case the IVR opens for an out-of-hours caller: its description, read by agents as stored (as the
# voice report's 语音报修; until 7 December "out of hours: callback promised by the IVR")
OUT_OF_HOURS_NOTE = "非服务时间来电,IVR 已承诺回电"


def case_for_fault_report(db: Session, s: Settings, report: FaultReport, now: datetime | None = None) -> Case | None:
    """The repair case of a confirmed fault report (made once); None for an unconfirmed one."""
    if report.status not in CONFIRMED:
        return None
    existing = db.scalar(select(Case).where(Case.fault_report_id == report.id))
    if existing is not None:
        return None
    at = report.created_at
    category = report.fault_type if report.fault_type in tree(s)[CaseKind.REPAIR].categories else "other"
    form = CaseInput(kind=CaseKind.REPAIR, category=category, number=report.contact or report.caller,
                     description=f"语音报修,工单号 {report.ticket or report.id}")
    case = open_case(db, s, IVR, form, call=None, source="ivr", reuse_open=False, now=at)
    case.fault_report_id = report.id
    case.due_at = due_at(s, CaseKind.REPAIR, at, report=report) or case.due_at
    link_call(db, case, report.server, report.call_id, IVR.name, now or at)
    return case


def cases_from_call(db: Session, s: Settings, call: Call, now: datetime | None = None) -> list[Case]:
    """Whatever cases a stored call record makes: call it once per call record the listener
    stores (or from the scheduler's pass over new calls). A call already tied to a case makes none."""
    if cases_of_call(db, call.server, call.call_id):
        return []
    made: list[Case] = []
    report_id = str(call.vars.get(ChanVar.FAULT_REPORT) or "")
    if report_id.isdigit():
        report = db.get(FaultReport, int(report_id))
        case = case_for_fault_report(db, s, report, now) if report is not None else None
        if case is not None:
            made.append(case)
    matter = call.vars.get(ChanVar.MENU)
    # a request for a person is a missed call instead (hotline.callbacks.tasks.asked_for_agent)
    if str(call.vars.get(ChanVar.CALLBACK) or "") == "1" and matter in NAMED_CALLBACK_MATTERS:
        kind = CaseKind(matter)
        at = call.started_at or now or utcnow()
        if read_number(s, call.caller_number) is None:
            log.warning("call %s: callback promised to a withheld number %r, no case", call.call_id,
                        call.caller_number)
            return made
        form = CaseInput(kind=kind, number=call.caller_number,
                         description=OUT_OF_HOURS_NOTE)
        made.append(open_case(db, s, IVR, form, call=(call.server, call.call_id), source="ivr", now=at))
    return made


def revisited_by_task(db: Session, task: CallbackTask, by: str | None, now: datetime | None = None) -> Case | None:
    """R-FAULT-REVISIT: once a revisit task has both answers (fixed? satisfied?), the fault's
    closed case is 已回访. Call after hotline.callbacks.record_revisit."""
    if task.revisit_fixed is None or task.revisit_satisfied is None or task.fault_report_id is None:
        return None
    case = db.scalar(select(Case).where(Case.fault_report_id == task.fault_report_id))
    if case is None or case.status != "closed":
        return case
    return mark_revisited(db, case, by, now)
