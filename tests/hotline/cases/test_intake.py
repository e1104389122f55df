"""Cases the IVR's records make (hotline.cases.intake): an out-of-hours consultation or complaint
(HOTLINE_CALLBACK=1) is a case with its callback task; a confirmed fault report is a repair case
due by its fix-by; each made once; a revisit with both answers marks the closed case 已回访."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks import record_revisit
from hotline.callbacks.tasks import on_fault_report
from hotline.cases import case_for_fault_report, cases_from_call, cases_of_call, close_case, revisited_by_task
from hotline.chanvars import ChanVar
from hotline.models import Call
from hotline.models.callbacks import CallbackTask, Complaint
from hotline.models.cases import Case
from hotline.rules import fault_due
from hotline.settings import Settings
from tests.hotline.callbacks.conftest import add_call, add_report
from tests.hotline.cases.conftest import BOSS, local

NIGHT = local(2025, 11, 12, 23, 30)  # out of hours (08:00–22:00)


def _ivr_call(db: Session, number: str | None, menu: str, call_id: str) -> Call:
    call = add_call(db, number=number, disposition="ivr", at=NIGHT, call_id=call_id)
    call.vars = {ChanVar.OUT_OF_HOURS: "1", ChanVar.MENU: menu, ChanVar.CALLBACK: "1", ChanVar.IVR: "done"}
    db.flush()
    return call


def test_out_of_hours_consultation_is_a_case_with_its_callback(settings: Settings, db: Session) -> None:
    call = _ivr_call(db, "13800000001", "consult", "n-1")
    (case,) = cases_from_call(db, settings, call)
    db.commit()
    assert (case.kind, case.source, case.owner, case.created_by, case.number) == (
        "consult", "ivr", None, "ivr", "+8613800000001")
    assert case.description == "非服务时间来电,IVR 已承诺回电"  # shown as stored, to Chinese agents
    (task,) = db.scalars(select(CallbackTask))
    assert (task.reason, task.owner, task.due_at) == ("consult", None, case.due_at)
    assert [(f.kind, f.ref) for f in case.follow_ups] == [("task", str(task.id))]
    assert cases_from_call(db, settings, call) == []  # once
    # the same caller again that night: linked to the open case, no second case or task
    again = _ivr_call(db, "+8613800000001", "consult", "n-2")
    assert cases_from_call(db, settings, again) == [case]
    assert cases_of_call(db, "test", "n-2") == [case]
    assert len(db.scalars(select(CallbackTask)).all()) == 1


def test_out_of_hours_complaint_starts_its_clocks_from_the_call(settings: Settings, db: Session) -> None:
    call = _ivr_call(db, "13800000002", "complaint", "n-3")
    (case,) = cases_from_call(db, settings, call)
    complaint = db.get(Complaint, case.complaint_id)
    assert complaint is not None and complaint.received_at == NIGHT
    assert case.receipt_due and case.due_at == complaint.resolve_due
    (task,) = db.scalars(select(CallbackTask))
    assert (task.reason, task.complaint_id) == ("complaint", complaint.id)


@pytest.mark.parametrize("menu", ["agent", "none", "fault"])
def test_an_out_of_hours_request_for_an_agent_is_no_consultation(settings: Settings, db: Session,
                                                                 menu: str) -> None:
    """R-MISSED-CALLBACK: 0 (人工服务) out of hours asked for a person: the callback is a missed
    call's task (hotline.callbacks.tasks.on_missed_call), not a consultation case with R-CONSULT-24H's."""
    assert cases_from_call(db, settings, _ivr_call(db, "13800000004", menu, f"n-{menu}")) == []
    assert db.scalars(select(Case)).all() == [] and db.scalars(select(CallbackTask)).all() == []


def test_no_case_for_a_withheld_number_or_a_plain_call(settings: Settings, db: Session) -> None:
    assert cases_from_call(db, settings, _ivr_call(db, "anonymous", "consult", "n-4")) == []
    plain = add_call(db, number="13800000003", disposition="answered", at=NIGHT, call_id="n-5", talk=30)
    assert cases_from_call(db, settings, plain) == []
    assert db.scalars(select(Case)).all() == []


def test_a_confirmed_fault_report_is_a_repair_case_then_revisited(settings: Settings, db: Session) -> None:
    at = local(2025, 11, 12, 10, 0)
    report = add_report(db, at=at, contact="13700000003", call_id="f-1")
    due = fault_due(settings, "urban", at)
    report.arrive_by, report.fix_by = due.arrive_by, due.fix_by
    call = add_call(db, number="13700000003", disposition="ivr", at=at, call_id="f-1")
    call.vars = {ChanVar.FAULT_REPORT: str(report.id), ChanVar.FAULT_TICKET: report.ticket}
    (case,) = cases_from_call(db, settings, call)
    assert (case.kind, case.category, case.fault_report_id, case.due_at) == ("repair", "no_picture", report.id,
                                                                              due.fix_by)
    assert cases_of_call(db, "test", "f-1") == [case]
    # stored text the operator's staff read on Chinese pages (was "IVR fault report 000002")
    assert case.description == f"语音报修,工单号 {report.ticket}"
    assert case_for_fault_report(db, settings, report) is None  # once
    incomplete = add_report(db, at=at, status="incomplete", call_id="f-2")
    assert case_for_fault_report(db, settings, incomplete) is None
    # R-FAULT-REVISIT: the repair done, the revisit with both answers makes the case 已回访
    close_case(db, settings, case.id, BOSS, result="technician replaced the amplifier", now=at + timedelta(hours=1))
    task = on_fault_report(db, settings, report)
    assert task is not None and (task.note or "").startswith(f"报修工单号 {report.ticket}")
    record_revisit(db, task.id, fixed=True, satisfied=None)
    assert revisited_by_task(db, task, "8001") is None and case.status == "closed"
    record_revisit(db, task.id, fixed=True, satisfied=True)
    assert revisited_by_task(db, task, "8001") is case and case.status == "revisited"
