"""The scheduler's pass over the callbacks (scheduler/callbacks.py, run by scheduler/daemon.py):
complaint clocks, overdue handling and idempotence — on a real (temp SQLite) database with an
injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from hotline.callbacks import (
    complaint_clock_counts,
    create_complaint,
    mark_consultation,
    open_escalations,
    open_tasks,
    update_complaint,
)
from hotline.models import Call
from hotline.models.callbacks import CallbackSource, CallbackTask, Escalation, SchedulerState
from scheduler.daemon import Scheduler
from tests.hotline.callbacks.conftest import add_call, add_report, local


def _tasks(db, **where):
    q = select(CallbackTask)
    for k, v in where.items():
        q = q.where(getattr(CallbackTask, k) == v)
    return db.scalars(q.order_by(CallbackTask.id)).all()


@pytest.mark.parametrize("kind, late_clock, late_h", [("general", "complaint_solution", 24),
                                                      ("complex", "complaint_progress", 72)])
def test_complaint_clocks_escalate_each_deadline(settings, sessions, kind, late_clock, late_h) -> None:
    """R-COMPLAINT: contact within 2 h; solution within 24 h (general) or progress within 72 h
    (complex). Each missed clock is one escalation, however many passes run."""
    t0 = local(2025, 11, 12, 10, 0)
    with sessions() as db:
        c = create_complaint(db, settings, "13800000006", kind=kind, summary="乱收费", now=t0)
        db.commit()
        (task,) = _tasks(db, reason="complaint")
        assert task.due_at == t0 + timedelta(hours=2) and task.priority > 20
    sched = Scheduler(settings, sessions)

    def kinds():
        with sessions() as db:
            return sorted(e.kind for e in open_escalations(db))

    sched.once(now=t0 + timedelta(hours=1, minutes=59))
    assert kinds() == []
    sched.once(now=t0 + timedelta(hours=2, minutes=1))
    sched.once(now=t0 + timedelta(hours=2, minutes=2))
    assert kinds() == ["complaint_contact", "task_overdue"]
    with sessions() as db:
        update_complaint(db, c.id, contacted=True, now=t0 + timedelta(hours=3))
        db.commit()
        assert _tasks(db, reason="complaint")[0].status == "done"
    sched.once(now=t0 + timedelta(hours=23, minutes=59))
    assert late_clock not in kinds()
    sched.once(now=t0 + timedelta(hours=24, minutes=1))
    assert (late_clock in kinds()) is (late_h == 24)
    sched.once(now=t0 + timedelta(hours=72, minutes=1))
    sched.once(now=t0 + timedelta(hours=80))
    assert kinds() == sorted(["complaint_contact", "task_overdue", late_clock])
    with sessions() as db:
        counts = complaint_clock_counts(db, t0, t0 + timedelta(days=1), now=t0 + timedelta(hours=80))
    name = "solution" if kind == "general" else "progress"
    assert counts["contact"] == {"met": 0, "missed": 1, "pending": 0}
    assert counts[name] == {"met": 0, "missed": 1, "pending": 0}


def test_overdue_task_flagged_then_released_to_anyone(settings, sessions) -> None:
    """R-OVERDUE."""
    t0 = local(2025, 11, 12, 10, 0)
    with sessions() as db:
        task = mark_consultation(db, settings, "13800000007", agent="8001", now=t0)
        db.commit()
        due = task.due_at
    sched = Scheduler(settings, sessions)
    assert sched.once(now=due - timedelta(minutes=1)).overdue == 0
    rep = sched.once(now=due + timedelta(minutes=1))
    assert (rep.overdue, rep.released, rep.escalations) == (1, 0, [f"task_overdue task:{task.id}"])
    rep = sched.once(now=due + timedelta(minutes=settings.callback_overdue_release_min + 1))
    assert (rep.overdue, rep.released, rep.escalations) == (0, 1, [])
    with sessions() as db:
        t = db.get(CallbackTask, task.id)
        assert t.owner is None and t.overdue_at is not None and t.released_at is not None
        assert [x.id for x in open_tasks(db, agent="8003")] == [task.id]  # anyone's now


def test_a_pass_reads_only_the_overdue_tasks_with_something_left_to_do(settings, sessions) -> None:
    """R-OVERDUE, #17: overdue tasks already flagged and nobody's (a backlog nobody works) are not
    read again by every pass — they were, and the scheduler's memory grew with the backlog."""
    t0 = local(2025, 11, 12, 10, 0)
    with sessions() as db:
        backlog = [mark_consultation(db, settings, f"1380000{i:04d}", now=t0) for i in range(40)]
        owned = mark_consultation(db, settings, "13900000001", agent="8001", now=t0)
        db.commit()
        due, owned_id = max(t.due_at for t in [*backlog, owned]), owned.id
    sched = Scheduler(settings, sessions)
    assert sched.once(now=due + timedelta(minutes=1)).overdue == 41
    loaded: list[int] = []

    def on_load(target: CallbackTask, _ctx: object) -> None:
        loaded.append(target.id)
    event.listen(CallbackTask, "load", on_load)
    try:
        rep = sched.once(now=due + timedelta(minutes=2))  # nothing new: nothing to read
        assert (rep.overdue, rep.released, loaded) == (0, 0, [])
        rep = sched.once(now=due + timedelta(minutes=settings.callback_overdue_release_min + 1))
        assert (rep.released, loaded) == (1, [owned_id])  # the agent's, due for release: read, released
    finally:
        event.remove(CallbackTask, "load", on_load)


def test_scheduler_is_idempotent_and_survives_restart(settings, sessions) -> None:
    t0 = local(2025, 11, 14, 16, 0)
    with sessions() as db:
        for i in range(3):
            add_call(db, number=f"1380000010{i}", disposition="abandoned", at=t0 + timedelta(minutes=i))
        add_report(db, at=t0, contact="13700000010")
        add_report(db, at=t0, status="incomplete", caller="13700000011")
        create_complaint(db, settings, "13700000012", now=t0)
        db.commit()
    now = t0 + timedelta(hours=30)  # Saturday: all but the revisit (due Monday) overdue; complaint clocks out

    def snapshot():
        with sessions() as db:
            return tuple(db.scalar(select(func.count()).select_from(m)) for m in
                         (CallbackTask, CallbackSource, Escalation))

    Scheduler(settings, sessions).once(now=now)
    first = snapshot()
    assert first[0] == 3 + 1 + 1 + 1 and first[2] == 5 + 2  # 5 overdue tasks, complaint contact + solution
    Scheduler(settings, sessions).once(now=now)  # a second pass, as after a restart
    assert snapshot() == first
    with sessions() as db:  # even with its watermarks lost, nothing is made twice
        db.execute(SchedulerState.__table__.delete())
        db.commit()
    Scheduler(settings, sessions).once(now=now + timedelta(minutes=1))
    assert snapshot() == first


def _missed_tasks(sessions) -> list[str]:
    with sessions() as db:
        return sorted(t.number for t in _tasks(db, reason="missed"))


def test_a_call_rebuilt_in_place_still_makes_its_task(settings, sessions) -> None:
    """#19: a record rebuilt in place keeps its id; an id watermark never saw it again. R-MISSED-CALLBACK."""
    t0 = local(2025, 11, 17, 10, 0)
    with sessions() as db:
        call = add_call(db, number="13800000201", disposition="unknown", at=t0)
        add_call(db, number="13800000202", disposition="answered", at=t0 + timedelta(seconds=5), talk=30)
        db.commit()
        pk = call.id
    Scheduler(settings, sessions).once(now=t0 + timedelta(minutes=1))
    assert _missed_tasks(sessions) == []
    # the listener's rebuild (or backfill) writes the same row again, now complete, an hour later
    with sessions() as db:
        row = db.get(Call, pk)
        row.disposition, row.incomplete, row.built_at = "abandoned", False, t0 + timedelta(hours=1)
        db.commit()
    Scheduler(settings, sessions).once(now=t0 + timedelta(hours=1, minutes=1))
    assert _missed_tasks(sessions) == ["+8613800000201"]
    Scheduler(settings, sessions).once(now=t0 + timedelta(hours=1, minutes=2))
    with sessions() as db:
        (task,) = _tasks(db, reason="missed")
        assert task.missed_calls == 1, "re-read in the overlap, never counted twice"


def test_ids_committed_out_of_order_are_not_skipped(settings, sessions) -> None:
    """#19: two servers on one PostgreSQL: server B's call got the smaller id but committed after
    server A's call had been read — within the watermark's overlap it still makes its task."""
    t0 = local(2025, 11, 17, 11, 0)
    with sessions() as db:
        add_call(db, number="13800000301", disposition="abandoned", at=t0, call_id="a-late-commit-2",
                 server="pbx-a").id = 1000
        db.commit()
    Scheduler(settings, sessions).once(now=t0 + timedelta(seconds=30))
    assert _missed_tasks(sessions) == ["+8613800000301"]
    with sessions() as db:  # built 20 s before the other, committed after the pass: a smaller id
        late = add_call(db, number="13800000302", disposition="timeout", at=t0 - timedelta(seconds=20),
                        call_id="b-early-id-1", server="pbx-b")
        db.flush()
        late.id = 999
        db.commit()
    Scheduler(settings, sessions).once(now=t0 + timedelta(seconds=60))
    assert _missed_tasks(sessions) == ["+8613800000301", "+8613800000302"]


def test_one_process_feeds_a_call_once_unless_it_is_built_again_or_commits_late(settings, sessions) -> None:
    """#17: the re-read of the overlap behind the watermark fed every call of the last 600 s again
    on every pass (2 600 calls and ~2 s of CPU a pass at the fleet soak's rate); the daemon's passes
    now skip the calls they fed — not one rebuilt in place (a new build time), nor one that
    committed late behind the watermark (R-MISSED-CALLBACK: each still makes its task)."""
    t0 = local(2025, 11, 17, 12, 0)
    with sessions() as db:
        rebuilt = add_call(db, number="13800000501", disposition="unknown", at=t0).id
        for i in range(3):
            add_call(db, number=f"1380000051{i}", disposition="answered", at=t0 + timedelta(seconds=i), talk=30)
        db.commit()
    sch = Scheduler(settings, sessions)
    assert sch.once(now=t0 + timedelta(minutes=1)).calls == 4
    assert sch.once(now=t0 + timedelta(minutes=2)).calls == 0, "the overlap's calls were fed already"
    with sessions() as db:
        row = db.get(Call, rebuilt)
        row.disposition, row.incomplete, row.built_at = "abandoned", False, t0 + timedelta(minutes=3)
        db.commit()
    assert sch.once(now=t0 + timedelta(minutes=4)).calls == 1
    with sessions() as db:  # built before the watermark (t0 + 3 min), committed after that pass
        add_call(db, number="13800000502", disposition="timeout", at=t0 + timedelta(seconds=90), call_id="late")
        db.commit()
    assert sch.once(now=t0 + timedelta(minutes=5)).calls == 1
    assert _missed_tasks(sessions) == ["+8613800000501", "+8613800000502"]
    assert sch.once(now=t0 + timedelta(minutes=6)).calls == 0
    assert Scheduler(settings, sessions).once(now=t0 + timedelta(minutes=7)).calls == 5, \
        "a new process re-reads the overlap whole"
    with sessions() as db:
        assert [t.missed_calls for t in _tasks(db, reason="missed")] == [1, 1], "never counted twice"


def test_a_call_of_days_ago_rebuilt_makes_its_task_by_the_next_sweep(settings, sessions) -> None:
    """A pass reads calls started within scheduler_started_lookback_h (indexed); once a local day a
    sweep reads every record built since the last sweep, whenever its call started."""
    t0 = local(2025, 11, 17, 10, 0)
    with sessions() as db:
        pk = add_call(db, number="13800000401", disposition="unknown", at=t0 - timedelta(days=3)).id
        db.commit()
    Scheduler(settings, sessions).once(now=t0)
    with sessions() as db:  # `hotline listener rebuild` over a window three days back
        row = db.get(Call, pk)
        row.disposition, row.built_at = "abandoned", t0 + timedelta(hours=1)
        db.commit()
    Scheduler(settings, sessions).once(now=t0 + timedelta(hours=1, minutes=1))
    Scheduler(settings, sessions).once(now=local(2025, 11, 18, 0, 1))
    assert _missed_tasks(sessions) == ["+8613800000401"]


def test_the_pass_turns_out_of_hours_matters_and_fault_reports_into_cases(settings, sessions) -> None:
    """#14: HOTLINE_CALLBACK=1 (the IVR promised an out-of-hours callback, R-ANS-HOURS) was read by
    nobody; the pass makes the consultation case with its callback task (R-CONSULT-24H), and a
    confirmed fault report its repair case — once, however often the pass runs."""
    from hotline.chanvars import ChanVar
    from hotline.models.cases import Case

    night = local(2025, 11, 12, 23, 30)
    with sessions() as db:
        call = add_call(db, number="13800000077", disposition="ivr", at=night, call_id="oh-1")
        call.vars = {ChanVar.OUT_OF_HOURS: "1", ChanVar.MENU: "consult", ChanVar.CALLBACK: "1", ChanVar.IVR: "done"}
        add_report(db, at=night, contact="13700000078")
        db.commit()
    for _ in range(2):
        Scheduler(settings, sessions).once(now=night + timedelta(minutes=5))
    with sessions() as db:
        kinds = sorted((c.kind, c.source) for c in db.scalars(select(Case)))
        consult_tasks = _tasks(db, reason="consult")
    assert kinds == [("consult", "ivr"), ("repair", "ivr")]
    assert len(consult_tasks) == 1


@pytest.mark.parametrize("menu", ["agent", "none", "fault"])
def test_an_out_of_hours_request_for_an_agent_is_a_missed_call_called_back_after_opening(
        settings, sessions, menu) -> None:
    """R-ANS-HOURS / R-MISSED-CALLBACK: out of hours 0 (人工服务), no choice, or a fault report the
    keys ran out on asked for a person, not a consultation: no consultation case, a missed-call
    task saying so, not dialled before the next opening (08:00) and due within
    callback_missed_due_min of it (as a missed call in hours is of the call)."""
    from hotline.callbacks.tasks import AGENT_ASKED_NOTE
    from hotline.chanvars import ChanVar
    from hotline.models.cases import Case

    night = local(2025, 11, 12, 23, 30)
    with sessions() as db:
        call = add_call(db, number="13800000079", disposition="ivr", at=night, call_id="oh-agent")
        call.vars = {ChanVar.OUT_OF_HOURS: "1", ChanVar.MENU: menu, ChanVar.CALLBACK: "1", ChanVar.IVR: "done"}
        db.commit()
    for _ in range(2):
        Scheduler(settings, sessions).once(now=night + timedelta(minutes=5))
    opens = local(2025, 11, 13, 8, 0)
    with sessions() as db:
        assert db.scalars(select(Case)).all() == []
        (task,) = db.scalars(select(CallbackTask))
        assert (task.reason, task.number, task.missed_calls, task.note) == (
            "missed", "+8613800000079", 1, AGENT_ASKED_NOTE)
        assert (task.not_before, task.due_at) == (opens, opens + timedelta(minutes=settings.callback_missed_due_min))


def test_a_complaint_case_gets_its_receipt_by_sms_once(settings, sessions) -> None:
    """R-COMPLAINT: the customer gets a receipt with the acceptance time and the feedback deadline,
    through the outbox, once; when it has gone, the case says so."""
    from hotline.cases import Actor, CaseInput, open_case
    from hotline.models.cases import Case
    from hotline.models.notifications import OutboxMessage
    from hotline.notifications import send_due
    from hotline.notifications.provider import Outcome, SendResult
    from hotline.vocabulary import Role

    class Gateway:
        name = "test"

        def __init__(self) -> None:
            self.texts: list[str] = []

        def send(self, sms) -> SendResult:
            self.texts.append(sms.text)
            return SendResult(Outcome.ACCEPTED, "k-1")

    t0 = local(2025, 11, 12, 10, 0)
    with sessions.begin() as db:
        case = open_case(db, settings, Actor("8001", Role.AGENT),
                         CaseInput(kind="complaint", category=None, number="13800000088",
                                   description="套餐到期自动续费"), now=t0)
        case_id = case.id
    for _ in range(2):
        Scheduler(settings, sessions).once(now=t0 + timedelta(minutes=1))
    with sessions() as db:
        (msg,) = db.scalars(select(OutboxMessage))
        assert (msg.to_number, msg.template, msg.case_id) == ("+8613800000088", "complaint_receipt", case_id)
        assert "11月12日10:00" in msg.text and f"编号{case_id}" in msg.text
        gateway = Gateway()
        assert send_due(db, settings, t0 + timedelta(minutes=2), provider=gateway).sent == 1
    Scheduler(settings, sessions).once(now=t0 + timedelta(minutes=3))
    with sessions() as db:
        assert db.get(Case, case_id).receipt_sent_at is not None
        assert len(db.scalars(select(OutboxMessage)).all()) == 1
    assert len(gateway.texts) == 1
