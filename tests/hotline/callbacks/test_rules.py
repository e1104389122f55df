"""Task rules, deadlines on the Chinese calendar, consultations and attempts — on a real (temp
SQLite) database with an injected clock. The scheduler's own work (clocks, overdue handling,
idempotence) is tested in tests/scheduler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.callbacks import (
    CallbackError,
    dial,
    mark_consultation,
    missed_callback_counts,
    open_tasks,
    record_outcome,
    record_revisit,
    revisit_counts,
    withheld_missed_calls,
)
from hotline.callbacks.dialer import apply_outcome
from hotline.callbacks.numbers import dial_digits, normalise, stored_forms
from hotline.callbacks.workdays import add_working_hours, is_workday
from hotline.models.callbacks import CallbackAttempt, CallbackTask
from scheduler.callbacks import run_pass
from tests.hotline.callbacks.conftest import TZ, add_call, add_report, local


def _tasks(db, **where):
    q = select(CallbackTask)
    for k, v in where.items():
        q = q.where(getattr(CallbackTask, k) == v)
    return db.scalars(q.order_by(CallbackTask.id)).all()


def test_numbers_are_normalised_plus86_aware() -> None:
    assert normalise("13800000001").e164 == "+8613800000001"
    assert normalise("+86 138 0000 0001").e164 == "+8613800000001"
    assert normalise("8613800000001").e164 == "+8613800000001"
    assert normalise("010-1234-5678").e164 == "+861012345678"
    for withheld in (None, "", "anonymous", "<unknown>", "8001", "12345"):
        assert normalise(withheld) is None, withheld
    # a number with letters is a typo: phonenumbers dialled 139abc00001 as 13922200001
    for typo in ("139abc00001", "1380000000l", "+86 138 0000 OOO1", "１３８ｘ"):
        assert normalise(typo) is None, typo
    assert dial_digits("+8613800000001") == "13800000001"
    assert dial_digits("+861012345678") == "01012345678"  # trunk prefix kept for landlines
    assert dial_digits("+85291234567") == "0085291234567"


def test_stored_forms_are_the_forms_trunks_give_one_number() -> None:
    """R-ONE-CALL: a column kept as calls gave the number is matched by these forms (IN, indexed)."""
    mobile = {"13900000109", "013900000109", "8613900000109", "008613900000109", "+8613900000109"}
    for given in mobile:
        assert stored_forms(given) == mobile, given
    landline = {"01088888888", "1088888888", "861088888888", "00861088888888", "+861088888888"}
    assert stored_forms("010-8888-8888") == landline | {"010-8888-8888"}
    assert all(normalise(f).e164 == "+861088888888" for f in landline)
    assert stored_forms("88888888") == {"88888888"}  # no area code: nothing to normalise it by
    for withheld in (None, "", "anonymous"):
        assert stored_forms(withheld) == frozenset()


def test_missed_calls_make_one_task_per_number_and_an_answered_call_closes_it(settings, db) -> None:
    """R-MISSED-CALLBACK / R-ONE-CALL."""
    t0 = local(2025, 11, 12, 10, 0)
    add_call(db, number="13800000001", disposition="abandoned", at=t0, wait=1.0)  # short abandon: still called back
    add_call(db, number="+8613800000001", disposition="timeout", at=t0 + timedelta(minutes=3))
    add_call(db, number="13900000002", disposition="abandoned", at=t0)
    add_call(db, number="anonymous", disposition="abandoned", at=t0)  # withheld: counted, no task
    add_call(db, number="8001", disposition="abandoned", at=t0)  # not a number
    db.commit()
    rep = run_pass(settings, db, now=t0 + timedelta(minutes=5))
    db.commit()
    assert rep.tasks_created == 2
    a, b = _tasks(db, reason="missed")
    assert (a.number, a.missed_calls, a.status) == ("+8613800000001", 2, "open")
    assert a.due_at == (t0 + timedelta(seconds=1, minutes=settings.callback_missed_due_min))
    assert (b.number, b.missed_calls) == ("+8613900000002", 1)
    assert withheld_missed_calls(db, settings, t0 - timedelta(hours=1), t0 + timedelta(hours=1)) == 2

    # the first caller calls again and is answered: the task closes itself
    add_call(db, number="13800000001", disposition="answered", at=t0 + timedelta(minutes=8), wait=3, talk=30)
    db.commit()
    run_pass(settings, db, now=t0 + timedelta(minutes=9))
    db.commit()
    db.refresh(a)
    assert (a.status, a.closed_reason) == ("done", "answered_call")
    assert _tasks(db, id=b.id)[0].status == "open"
    counts = missed_callback_counts(db, settings, t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert counts == {"tasks": 2, "reached": 0, "called_in": 1, "closed_within": 1, "open": 1, "failed": 0,
                      "missed_calls": 3}


def test_answered_call_before_the_abandon_does_not_close_it(settings, db) -> None:
    t0 = local(2025, 11, 12, 10, 0)
    add_call(db, number="13800000001", disposition="answered", at=t0, talk=20)
    add_call(db, number="13800000001", disposition="abandoned", at=t0 + timedelta(minutes=2))
    db.commit()
    run_pass(settings, db, now=t0 + timedelta(minutes=3))
    db.commit()
    assert [t.status for t in _tasks(db)] == ["open"]


@pytest.mark.parametrize("reported, morning", [
    (local(2025, 11, 14, 16, 30), local(2025, 11, 17)),  # Friday → Monday (weekend)
    (local(2025, 9, 26, 16, 30), local(2025, 9, 28)),  # Friday → Sunday 28 Sep, a make-up workday
    (local(2025, 10, 10, 16, 30), local(2025, 10, 11)),  # Friday → Saturday 11 Oct, a make-up workday
    (local(2025, 9, 30, 20, 0), local(2025, 10, 9)),  # National Day holiday 1–8 Oct
    (local(2026, 2, 13, 9, 0), local(2026, 2, 14)),  # Friday → Saturday 14 Feb 2026, a make-up workday
])
def test_fault_report_revisit_due_next_working_morning(settings, db, reported, morning) -> None:
    """R-FAULT-REVISIT: next working morning 09:00–12:00 (Chinese calendar)."""
    assert is_workday(morning.date())
    add_report(db, at=reported, contact="13700000003")
    db.commit()
    run_pass(settings, db, now=reported + timedelta(minutes=1))
    db.commit()
    (task,) = _tasks(db, reason="revisit")
    assert task.not_before.astimezone(TZ) == morning.replace(hour=9)
    assert task.due_at.astimezone(TZ) == morning.replace(hour=12)
    assert task.number == "+8613700000003"
    with pytest.raises(CallbackError, match="not before"):  # too early to dial: refused before any AMI
        dial(settings, db, task.id, "8001", now=reported + timedelta(hours=1))
    record_revisit(db, task.id, fixed=True, satisfied=False, note="picture back, technician late",
                   now=morning.replace(hour=10))
    db.commit()
    assert (task.status, task.revisit_fixed, task.revisit_satisfied) == ("done", True, False)
    counts = revisit_counts(db, morning, morning + timedelta(days=1))
    assert (counts["tasks"], counts["done"], counts["on_time"], counts["fixed"], counts["satisfied"]) == (1, 1, 1, 1, 0)


def test_partial_ivr_report_is_a_missed_call_once_the_call_is_over(settings, db) -> None:
    t0 = local(2025, 11, 12, 10, 0)
    report = add_report(db, at=t0, status="incomplete", caller="13600000004", call_id="ivr-1")
    db.commit()
    run_pass(settings, db, now=t0 + timedelta(minutes=1))  # call may still be going on
    db.commit()
    assert _tasks(db) == []
    add_call(db, number="13600000004", disposition="ivr", at=t0, call_id="ivr-1")
    db.commit()
    run_pass(settings, db, now=t0 + timedelta(minutes=2))
    db.commit()
    (task,) = _tasks(db)
    assert (task.reason, task.number, task.fault_report_id, task.missed_calls) == (
        "missed", "+8613600000004", report.id, 1)
    assert not _tasks(db, reason="revisit")  # an unconfirmed report is not a repair to revisit


def test_a_report_left_incomplete_out_of_hours_is_called_back_after_opening(settings, db) -> None:
    """R-ANS-HOURS / R-MISSED-CALLBACK: nobody calls back at night; the callback is not dialled
    before the next opening (08:00) and due within callback_missed_due_min of it."""
    night = local(2025, 11, 12, 23, 10)
    add_report(db, at=night, status="incomplete", caller="13600000005", call_id="ivr-night")
    add_call(db, number="13600000005", disposition="ivr", at=night, call_id="ivr-night")
    db.commit()
    run_pass(settings, db, now=night + timedelta(minutes=20))
    db.commit()
    (task,) = _tasks(db)
    opens = local(2025, 11, 13, 8, 0)
    assert (task.not_before, task.due_at) == (opens, opens + timedelta(minutes=settings.callback_missed_due_min))


def test_a_missed_call_out_of_hours_is_called_back_in_time_counted_from_the_opening(settings, db) -> None:
    """R-MISSED-CALLBACK: the closure figure's callback_missed_due_min runs from when the task could
    first be worked — the next opening (its not_before) for a call missed at night, which nobody
    may dial before — not from the missed call; a call missed in hours is counted from the call."""
    from hotline.metrics import Ratio, callback_closure

    night, opens = local(2025, 11, 12, 23, 10), local(2025, 11, 13, 8, 0)
    day = local(2025, 11, 13, 10, 0)
    due = timedelta(minutes=settings.callback_missed_due_min)  # 15
    reached = {  # number → (missed at, reached at)
        "13800000011": (night, opens + timedelta(minutes=10)),  # in time
        "13800000012": (night, opens + timedelta(minutes=20)),  # late
        "13800000013": (day, day + timedelta(minutes=10)),  # in time, as before
        "13800000014": (day, day + timedelta(minutes=20)),  # late, as before
    }
    for number, (missed, _) in reached.items():
        add_call(db, number=number, disposition="abandoned", at=missed, wait=0.0)
    db.commit()
    run_pass(settings, db, now=day + timedelta(minutes=1))
    for task in _tasks(db, reason="missed"):
        missed, at = reached[dial_digits(task.number)]
        assert task.not_before == (opens if missed == night else None)
        assert task.due_at == (opens if missed == night else missed) + due
        attempt = CallbackAttempt(task=task, at=at, agent="8001", call_server="test", call_id=f"cb-{task.id}",
                                  outcome="pending")
        db.add(attempt)
        db.flush()
        apply_outcome(settings, db, attempt, "reached", at)
    db.commit()
    span = (night - timedelta(hours=1), day + timedelta(hours=1))
    counts = missed_callback_counts(db, settings, *span)
    assert (counts["tasks"], counts["reached"], counts["closed_within"]) == (4, 4, 2)
    assert callback_closure(db, settings, *span) == Ratio(2, 4)  # the panel's and wallboard's figure


def test_consultation_due_within_24_working_hours(settings, db) -> None:
    """R-CONSULT-24H: the clock stops on rest days and counts make-up workdays."""
    tz = settings.timezone
    assert add_working_hours(local(2025, 11, 12, 15), 24, tz) == local(2025, 11, 13, 15)
    assert add_working_hours(local(2025, 11, 14, 15), 24, tz) == local(2025, 11, 17, 15)  # over a weekend
    assert add_working_hours(local(2025, 9, 26, 15), 24, tz) == local(2025, 9, 28, 15)  # Sunday make-up day
    assert add_working_hours(local(2025, 11, 15, 10), 24, tz) == local(2025, 11, 18, 0)  # asked on a Saturday
    task = mark_consultation(db, settings, "138 0000 0005", agent="8002", note="套餐资费", now=local(2025, 11, 14, 15))
    db.commit()
    assert (task.reason, task.owner, task.due_at) == ("consult", "8002", local(2025, 11, 17, 15))
    assert [t.id for t in open_tasks(db, agent="8002")] == [task.id]
    assert open_tasks(db, agent="8003") == []
    with pytest.raises(CallbackError):
        mark_consultation(db, settings, "anonymous")


def test_attempt_outcomes_retry_spacing_and_limit(settings, db) -> None:
    t0 = local(2025, 11, 12, 10, 0)
    task = mark_consultation(db, settings, "13800000008", now=t0)
    db.commit()
    for i in range(settings.callback_max_attempts):
        at = t0 + timedelta(minutes=settings.callback_retry_min * i)
        attempt = CallbackAttempt(task=task, at=at, agent="8001", call_server="test", call_id=f"x{i}",
                                  outcome="pending")
        db.add(attempt)
        db.flush()
        apply_outcome(settings, db, attempt, "no_answer", at + timedelta(seconds=40))
        if i < settings.callback_max_attempts - 1:
            assert task.status == "open"
            assert task.next_attempt_at == at + timedelta(minutes=settings.callback_retry_min)
            with pytest.raises(CallbackError, match="next attempt"):
                dial(settings, db, task.id, "8001", now=at + timedelta(minutes=1))
    assert (task.status, task.closed_reason) == ("failed", "attempts")
    with pytest.raises(CallbackError):
        dial(settings, db, task.id, "8001", force=True)

    other = mark_consultation(db, settings, "13800000009", now=t0)
    db.add(CallbackAttempt(task=other, at=t0, agent="8001", call_server="test", call_id="y", outcome="pending"))
    db.flush()
    record_outcome(settings, db, other.attempts[0].id, "wrong_number", note="空号")
    assert (other.status, other.closed_reason) == ("failed", "wrong_number")


def test_a_task_out_of_attempts_sends_we_tried_to_call_you_back_once(settings, db) -> None:
    """Issue 15's "we tried to call you back" SMS: queued when the last attempt rang out, once."""
    from hotline.models.notifications import OutboxMessage

    t0 = local(2025, 11, 12, 10, 0)
    task = mark_consultation(db, settings, "13800000018", now=t0)
    db.commit()
    for i in range(settings.callback_max_attempts):
        at = t0 + timedelta(minutes=settings.callback_retry_min * i)
        attempt = CallbackAttempt(task=task, at=at, agent="8001", call_server="test", call_id=f"m{i}",
                                  outcome="pending")
        db.add(attempt)
        db.flush()
        assert db.query(OutboxMessage).count() == 0  # not while attempts remain
        apply_outcome(settings, db, attempt, "no_answer", at + timedelta(seconds=40))
    apply_outcome(settings, db, task.attempts[-1], "no_answer", t0 + timedelta(hours=2))  # said again: no second
    sms = db.query(OutboxMessage).all()
    assert [(m.to_number, m.template, m.task_id) for m in sms] == [("+8613800000018", "callback_missed", task.id)]
    assert settings.hotline_number in sms[0].text and "回电未能接通" in sms[0].text


def test_a_months_missed_tasks_are_counted_a_batch_at_a_time(settings, db) -> None:
    """#17: the supervisor page's month (and the panel's warm-up every minute) counts every missed
    task of the month; read whole, each was an ORM object at once — a transient that grows with the
    month. Streamed, what is held at once does not grow with the tasks."""
    import tracemalloc

    from hotline.callbacks import queries

    t0 = local(2025, 11, 3, 9, 0)
    n = 6 * queries.BATCH
    db.add_all(CallbackTask(reason="missed", number=f"+86138{i:08d}", created_at=t0 + timedelta(seconds=i),
                            due_at=t0 + timedelta(hours=1), missed_calls=1, status="done" if i % 2 else "open",
                            closed_reason="reached" if i % 2 else None,
                            closed_at=t0 + timedelta(seconds=i + 60) if i % 2 else None)
               for i in range(n))
    db.commit()
    span = (t0, t0 + timedelta(days=1))
    missed_callback_counts(db, settings, *span)  # the statement compiled and cached first
    tracemalloc.start()
    try:
        counts = missed_callback_counts(db, settings, *span)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counts == {"tasks": n, "reached": n // 2, "called_in": 0, "closed_within": n // 2, "open": n // 2,
                      "failed": 0, "missed_calls": n}
    # read whole, the n tasks were held at once (~1.5 KB each as ORM objects); a batch is a sixth of them
    assert peak < n * 500, peak
