"""The scheduler daemon (scheduler/daemon.py) runs the retention purge once a day (#19): after
retention_purge_hour local time, once per local day, also across restarts."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from hotline.models import Call
from hotline.models.callbacks import SchedulerState
from scheduler.daemon import PURGE_STATE, Scheduler
from tests.hotline.callbacks.conftest import add_call, local


def _calls(sessions) -> list[str]:
    with sessions() as db:
        return sorted(db.scalars(select(Call.call_id)))


def test_purge_runs_once_a_day_after_its_hour(settings, sessions) -> None:
    s = settings.replace(retention_calls_days=400, retention_purge_hour=3)
    day = local(2025, 11, 20)
    with sessions.begin() as db:
        add_call(db, number="13800000001", disposition="answered", at=day - timedelta(days=500), call_id="ancient")
        add_call(db, number="13800000002", disposition="answered", at=day - timedelta(days=5), call_id="recent")
    sched = Scheduler(s, sessions)
    assert sched.purge_if_due(now=day + timedelta(hours=2, minutes=59)) is None
    assert _calls(sessions) == ["ancient", "recent"]
    rep = sched.purge_if_due(now=day + timedelta(hours=3, minutes=1))
    assert rep is not None and rep.calls == 1 and _calls(sessions) == ["recent"]
    with sessions.begin() as db:  # a call that grows old later the same day waits for tomorrow
        add_call(db, number="13800000003", disposition="answered", at=day - timedelta(days=450), call_id="old-2")
    assert Scheduler(s, sessions).purge_if_due(now=day + timedelta(hours=20)) is None, "a restart does not purge twice"
    assert _calls(sessions) == ["old-2", "recent"]
    rep = Scheduler(s, sessions).purge_if_due(now=day + timedelta(days=1, hours=3))
    assert rep is not None and _calls(sessions) == ["recent"]


def test_the_daemon_loop_purges(settings, sessions) -> None:
    s = settings.replace(retention_calls_days=400, retention_purge_hour=0, callback_scheduler_interval_s=0.05)
    with sessions.begin() as db:
        add_call(db, number="13800000001", disposition="answered", at=local(2000, 1, 1), call_id="ancient")
    sched = Scheduler(s, sessions)
    t = threading.Thread(target=sched.run, daemon=True)
    t.start()
    try:
        for _ in range(200):
            with sessions() as db:
                if db.get(SchedulerState, PURGE_STATE) is not None:
                    break
            sched.stop_event.wait(0.05)
    finally:
        sched.stop_event.set()
        t.join(10)
    assert _calls(sessions) == []


def test_each_pass_runs_the_work_orders_clocks(settings, sessions) -> None:
    """R-FAULT-DISPATCH: an order nobody accepted within field_unaccepted_escalate_min reaches a
    supervisor from the daemon's pass, once."""
    from hotline.field import on_report_confirmed
    from hotline.models.callbacks import Escalation
    from tests.hotline.field.conftest import report, tech

    s = settings.replace(districts=["东城"], field_unaccepted_escalate_min=15, sms_provider="none")
    t0 = local(2026, 12, 7, 10, 0)
    with sessions.begin() as db:
        tech(db, s, "tech-east", ["东城"], at=t0)
        order = on_report_confirmed(db, s, report(db, t0).id, t0, district="东城")
        assert order.status == "dispatched"
    sched = Scheduler(s, sessions)
    sched.once(now=t0 + timedelta(minutes=10))
    with sessions() as db:
        assert db.scalars(select(Escalation)).all() == []
    for _ in range(2):
        sched.once(now=t0 + timedelta(minutes=16))
    with sessions() as db:
        assert [e.kind for e in db.scalars(select(Escalation))] == ["order_unaccepted"]
