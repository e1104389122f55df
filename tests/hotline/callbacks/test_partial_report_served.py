"""R-ONE-CALL / R-MISSED-CALLBACK: a fault report left incomplete in the IVR (the keys ran out, or
the caller chose a person) is a missed call only when the call did not then reach an agent. A
caller an agent answered on that very call is served: no callback, whichever of the IVR's report
and the listener's call record the scheduler reads first. The report itself stays as keyed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks import missed_callback_counts
from hotline.callbacks.tasks import SERVED_ON_CALL
from hotline.models import Call
from hotline.models.callbacks import CallbackTask
from hotline.models.ivr import FaultReport
from scheduler.callbacks import run_pass
from tests.hotline.callbacks.conftest import add_call, add_report, local

T0 = local(2025, 11, 12, 10, 0)  # the caller picks "report a fault" in the IVR


def _tasks(db: Session) -> list[CallbackTask]:
    return list(db.scalars(select(CallbackTask).order_by(CallbackTask.id)))


def _pass(settings, db: Session, at: datetime) -> None:
    db.commit()
    run_pass(settings, db, now=at)
    db.commit()


def _answered(db: Session, number: str, call_id: str, talk_min: float, built: datetime | None = None) -> Call:
    """The listener's record of the reporter's call: the IVR, then the queue, then agent 8001;
    built at the call's end unless ``built`` (a listener catching up)."""
    call = add_call(db, number=number, disposition="answered", at=T0 - timedelta(minutes=1), wait=90,
                    talk=talk_min * 60, call_id=call_id)
    call.agent = call.final_agent = "8001"
    call.built_at = built or call.ended_at
    return call


def _assert_kept(db: Session, report: FaultReport, caller: str) -> None:
    """What the caller keyed stays for the agent / desk: the report row is not touched."""
    db.refresh(report)
    assert (report.status, report.caller, report.area, report.fault_type) == (
        "incomplete", caller, "urban", "no_picture")


def test_no_callback_when_the_record_already_shows_the_agent_answered(settings, db) -> None:
    """The common order: the call ends, the listener stores its record, the scheduler's next pass
    reads both. An earlier missed call of the number is closed by this answer, and the report
    must not open a new task behind it."""
    add_call(db, number="13600000021", disposition="abandoned", at=T0 - timedelta(hours=1))
    _pass(settings, db, T0 - timedelta(minutes=50))
    (earlier,) = _tasks(db)

    report = add_report(db, at=T0, status="incomplete", caller="13600000021", call_id="served-1")
    _answered(db, "13600000021", "served-1", talk_min=3)
    _pass(settings, db, T0 + timedelta(minutes=5))

    assert [(t.id, t.status, t.closed_reason) for t in _tasks(db)] == [(earlier.id, "done", "answered_call")]
    _assert_kept(db, report, "13600000021")
    _pass(settings, db, T0 + timedelta(minutes=30))  # later passes make nothing either
    assert len(_tasks(db)) == 1


def test_a_task_made_before_the_record_is_closed_when_the_record_shows_the_answer(settings, db) -> None:
    """A long talk: the grace runs out before the call ends, so the report's task is made; the
    record then shows the agent's answer on that call. The task is no missed call at all: closed
    as served, with its note, and left out of R-MISSED-CALLBACK's figures — the report's contact
    number, which the task is for, need not be the caller's. Another number's task, holding a miss
    made after its report, stays owed."""
    report = add_report(db, at=T0, status="incomplete", caller="13600000022", contact="13900000022",
                        call_id="served-2")
    other = add_report(db, at=T0, status="incomplete", caller="13600000023", call_id="served-3")
    _pass(settings, db, T0 + timedelta(minutes=settings.callback_partial_report_grace_min + 1))
    made, owed = _tasks(db)
    assert (made.number, made.status, owed.number) == ("+8613900000022", "open", "+8613600000023")
    # the other caller calls again and gives up in the queue: a miss after its report, whose own
    # call (a short talk) the listener, catching up, stores only now
    add_call(db, number="13600000023", disposition="abandoned", at=T0 + timedelta(minutes=15))

    _answered(db, "13600000022", "served-2", talk_min=20)
    _answered(db, "13600000023", "served-3", talk_min=2, built=T0 + timedelta(minutes=20))
    _pass(settings, db, T0 + timedelta(minutes=25))

    db.refresh(made)
    db.refresh(owed)
    assert (made.status, made.closed_reason, made.closed_call_id) == ("cancelled", SERVED_ON_CALL, "served-2")
    assert made.note and "8001" in made.note
    assert (owed.status, owed.missed_calls) == ("open", 2)
    counts = missed_callback_counts(db, settings, T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert (counts["tasks"], counts["open"], counts["missed_calls"]) == (1, 1, 2)
    _assert_kept(db, report, "13600000022")
    _assert_kept(db, other, "13600000023")


def test_an_earlier_miss_merged_with_the_report_is_answered_by_the_call(settings, db) -> None:
    """The number's open missed-call task took in the report (its last miss is the report, during
    the call that an agent then answered): the customer called again and was answered — the task
    is done, as any missed call answered by a later call, and counts the one call that was missed
    (R-MISSED-CALLBACK's figures, the panel's task list): the report's call was answered."""
    add_call(db, number="13600000024", disposition="abandoned", at=T0 - timedelta(hours=1))
    _pass(settings, db, T0 - timedelta(minutes=50))
    add_report(db, at=T0, status="incomplete", caller="13600000024", call_id="served-4")
    _pass(settings, db, T0 + timedelta(minutes=settings.callback_partial_report_grace_min + 1))
    (task,) = _tasks(db)
    assert (task.status, task.missed_calls) == ("open", 2)

    _answered(db, "13600000024", "served-4", talk_min=20)
    _pass(settings, db, T0 + timedelta(minutes=25))

    db.refresh(task)
    assert (task.status, task.closed_reason, task.closed_call_id) == ("done", "answered_call", "served-4")
    assert task.missed_calls == 1
    counts = missed_callback_counts(db, settings, T0 - timedelta(hours=2), T0 + timedelta(hours=1))
    assert (counts["tasks"], counts["called_in"], counts["missed_calls"]) == (1, 1, 1)
