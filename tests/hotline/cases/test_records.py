"""Cases from the desk (hotline.cases.records): one per matter with its rule's deadline and
follow-up, a repeat call linked to the open case (R-ONE-CALL), every change kept, closed cases
read-only, agents only their own, inspectors read with numbers masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.workdays import add_working_hours
from hotline.cases import (
    CaseAccessError,
    CaseChanges,
    CaseClosedError,
    CaseError,
    CaseInput,
    case_of_task,
    case_view,
    cases_of_call,
    close_case,
    complaint_step,
    find_cases,
    history,
    open_case,
    open_matters,
    receipt_sent,
    receipts_due,
    record_complete,
    update_case,
)
from hotline.customers import CustomerFields, save_customer
from hotline.models.callbacks import CallbackTask, Complaint
from hotline.rules import fault_due
from hotline.settings import Settings
from hotline.vocabulary import CaseKind, CaseStatus, Role
from tests.hotline.cases.conftest import AGENT, BOSS, INSPECTOR, OTHER_AGENT, local

T0 = local(2025, 11, 12, 10, 0)  # a Wednesday


def test_a_complaint_case_starts_the_complaint_clocks_and_owes_a_receipt(settings: Settings, db: Session) -> None:
    save_customer(db, settings, CustomerFields(numbers=["13800000001"], name="张三", address="东城区 1 号"))
    form = CaseInput(kind="complaint", category="unclear_bill", description="账单看不懂", number="13800000001")
    case = open_case(db, settings, AGENT, form, call=("test", "c-1"), now=T0)
    db.commit()
    assert (case.kind, case.status, case.owner, case.created_by) == ("complaint", "accepted", "8001", "8001")
    assert (case.name, case.address, case.number) == ("张三", "东城区 1 号", "+8613800000001")  # pre-filled
    complaint = db.get(Complaint, case.complaint_id)
    assert complaint is not None and complaint.category == "unclear_bill"
    assert case.due_at == complaint.resolve_due == T0 + timedelta(hours=settings.complaint_solution_h)
    assert case.receipt_due and case.receipt_sent_at is None  # R-COMPLAINT: the SMS receipt is due
    (task,) = db.scalars(select(CallbackTask).where(CallbackTask.complaint_id == complaint.id))
    assert case_of_task(db, task.id) is case
    assert [(c.server, c.call_id) for c in case.calls] == [("test", "c-1")]


def test_consultation_due_in_24_working_hours_with_its_callback(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="consult", category="package", number="13800000002",
                                                    first_call_resolved=False), now=T0)
    (task,) = db.scalars(select(CallbackTask).where(CallbackTask.reason == "consult"))
    assert case.due_at == task.due_at == add_working_hours(T0, 24, settings.timezone)  # R-CONSULT-24H
    assert task.owner == "8001"
    close_case(db, settings, case.id, AGENT, result="answered by phone: 套餐 A 每月 58 元", now=T0 + timedelta(hours=2))
    assert (case.status, task.status, task.closed_reason) == ("closed", "done", "case_closed")


def test_resolved_on_the_call_is_closed_at_once(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="consult", number="13800000003", first_call_resolved=True,
                                                    result="told the opening hours"), now=T0)
    assert (case.status, case.closed_at) == ("closed", T0)
    assert db.scalars(select(CallbackTask)).all() == []


def test_repair_due_from_the_customers_area(settings: Settings, db: Session) -> None:
    save_customer(db, settings, CustomerFields(numbers=["13800000004"], area_type="rural"))
    case = open_case(db, settings, AGENT, CaseInput(kind="repair", category="no_picture", number="13800000004"),
                     now=T0)
    assert case.due_at == fault_due(settings, "rural", T0).fix_by  # R-FAULT-SLA


def test_a_repeat_call_about_an_open_case_is_linked_to_it(settings: Settings, db: Session) -> None:
    first = open_case(db, settings, AGENT, CaseInput(kind="repair", number="13800000005"), call=("test", "c-1"),
                      now=T0)
    again = open_case(db, settings, OTHER_AGENT, CaseInput(kind="repair", number="+8613800000005"),
                      call=("test", "c-2"), now=T0 + timedelta(hours=1))
    assert again is first  # R-ONE-CALL: not a new case
    assert [c.call_id for c in first.calls] == ["c-1", "c-2"]
    assert open_matters(db, settings, "13800000005") == [first]
    other = open_case(db, settings, AGENT, CaseInput(kind="consult", number="13800000005"), now=T0)
    assert other is not first  # another matter of the same caller
    separate = open_case(db, settings, AGENT, CaseInput(kind="repair", number="13800000005"), reuse_open=False,
                         call=("test", "c-2"), now=T0)
    assert separate is not first  # one call, two matters: the call is tied to both
    assert cases_of_call(db, "test", "c-2") == [first, separate]


def test_every_change_is_kept_and_closed_cases_are_read_only(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="suggestion", number="13800000006", description="多放纪录片"),
                     now=T0)
    update_case(db, settings, case.id, AGENT, CaseChanges(category="programme", status=CaseStatus.IN_PROGRESS),
                now=T0 + timedelta(minutes=5))
    with pytest.raises(CaseError, match="result"):
        close_case(db, settings, case.id, AGENT, now=T0 + timedelta(minutes=9))
    close_case(db, settings, case.id, AGENT, result="forwarded to programming", now=T0 + timedelta(minutes=10))
    rows = [(h.by, h.field, h.old, h.new) for h in history(db, case)]
    assert rows == [("8001", "created", None, "suggestion"),  # no category yet: no "suggestion/"
                    ("8001", "category", None, "programme"),
                    ("8001", "status", "accepted", "in_progress"),
                    ("8001", "result", None, "forwarded to programming"),
                    ("8001", "status", "in_progress", "closed")]
    for actor in (AGENT, BOSS):
        with pytest.raises(CaseClosedError, match="read-only"):
            update_case(db, settings, case.id, actor, CaseChanges(description="changed"))


def test_who_may_edit(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="praise", number="13800000007"), now=T0)
    with pytest.raises(CaseAccessError):
        update_case(db, settings, case.id, OTHER_AGENT, CaseChanges(description="not mine"))
    with pytest.raises(CaseAccessError):
        update_case(db, settings, case.id, INSPECTOR, CaseChanges(description="reader"))
    with pytest.raises(CaseAccessError, match="only a supervisor"):
        update_case(db, settings, case.id, AGENT, CaseChanges(owner="8002"))
    update_case(db, settings, case.id, BOSS, CaseChanges(owner="8002"))
    update_case(db, settings, case.id, OTHER_AGENT, CaseChanges(description="now mine"))
    with pytest.raises(CaseAccessError, match="may not open"):
        open_case(db, settings, INSPECTOR, CaseInput(kind="praise"), now=T0)


def test_inspectors_read_numbers_masked(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="consult", number="13800001234", first_call_resolved=True,
                                                    result="ok"), now=T0)
    assert case_view(case, INSPECTOR).number == "**********1234"
    assert case_view(case, Role.INSPECTOR).number == "**********1234"
    view = case_view(case, AGENT)
    assert view.number == "+8613800001234" and view.read_only and not view.editable


def test_bad_input_is_a_clear_error(settings: Settings, db: Session) -> None:
    with pytest.raises(CaseError, match="unknown case kind"):
        open_case(db, settings, AGENT, CaseInput(kind="gossip"), now=T0)
    with pytest.raises(CaseError, match="unknown complaint category"):
        open_case(db, settings, AGENT, CaseInput(kind="complaint", category="no_picture", number="13800000008"),
                  now=T0)
    with pytest.raises(CaseError, match="needs the customer's number"):
        open_case(db, settings, AGENT, CaseInput(kind=CaseKind.COMPLAINT, category="unclear_bill"), now=T0)
    with pytest.raises(CaseError, match="not a phone number"):
        open_case(db, settings, AGENT, CaseInput(kind="consult", number="12"), now=T0)


def test_receipt_due_until_the_outbox_sends_it_and_record_completeness(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="complaint", category="forced_bundling", number="13800000009",
                                                    name="王五", address="西城区 9 号", description="被捆绑宽带"),
                     now=T0)
    assert receipts_due(db) == [case]
    receipt_sent(db, case, 41, now=T0 + timedelta(minutes=1))
    assert receipts_due(db) == [] and case.receipt_sent_at == T0 + timedelta(minutes=1)
    assert ("sms", "41") in [(f.kind, f.ref) for f in case.follow_ups]
    assert not record_complete(case)  # R-REC-FIELDS: what was done is still missing
    close_case(db, settings, case.id, BOSS, result="bundle removed, refunded", now=T0 + timedelta(hours=3))
    assert record_complete(case)
    assert find_cases(db, statuses=("closed",)) == [case]


def test_complaint_steps_from_the_panel_stop_the_clocks(settings: Settings, db: Session) -> None:
    case = open_case(db, settings, AGENT, CaseInput(kind="complaint", category="unclear_bill", number="13800000010"),
                     now=T0)
    complaint = complaint_step(db, case.id, BOSS, contacted=True, note="called the customer, apologised",
                               now=T0 + timedelta(hours=1))
    assert complaint.contacted_at == T0 + timedelta(hours=1) and case.status == "in_progress"
    (task,) = db.scalars(select(CallbackTask).where(CallbackTask.complaint_id == complaint.id))
    assert (task.status, task.closed_reason) == ("done", "contacted")
    update_case(db, settings, case.id, AGENT, CaseChanges(category="package_explained_badly"))
    assert complaint.category == "package_explained_badly"  # the monthly analysis reads it there
    close_case(db, settings, case.id, BOSS, result="bill explained in writing", now=T0 + timedelta(hours=20))
    assert (complaint.resolved_at, complaint.closed_at) == (T0 + timedelta(hours=20), T0 + timedelta(hours=20))
    fields = [h.field for h in history(db, case)]
    assert "complaint_contacted" in fields and "category" in fields
    with pytest.raises(CaseError, match="not a complaint"):
        complaint_step(db, open_case(db, settings, AGENT, CaseInput(kind="praise"), now=T0).id, BOSS,
                       contacted=True)
