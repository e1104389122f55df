"""The scheduler draws each finished day's QA sample (R-QA, hotline/qa_sample.py) shortly after
midnight, once, and the days it missed while down (bounded), across restarts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hotline.models import QaSample
from hotline.models.callbacks import SchedulerState
from hotline.qa_sample import CATCH_UP_DAYS
from scheduler.daemon import QA_SAMPLE_STATE, Scheduler
from tests.hotline.callbacks.conftest import add_call, local


def _answered(db, at, agent: str = "8001") -> None:
    add_call(db, number="13800000001", disposition="answered", at=at).agent = agent


def _days(sessions) -> dict[date, int]:
    with sessions() as db:
        out: dict[date, int] = {}
        for day in db.scalars(select(QaSample.day)):
            out[day] = out.get(day, 0) + 1
        return out


def test_yesterday_is_drawn_once_after_midnight(settings, sessions) -> None:
    s = settings.replace(qa_sample_per_agent=2)
    with sessions.begin() as db:
        for h in (9, 10, 11):
            _answered(db, local(2026, 11, 3, h))
        _answered(db, local(2026, 11, 3, 23, 50), agent="8002")
        _answered(db, local(2026, 11, 4, 0, 20))  # today's: not drawn with yesterday
        db.add(SchedulerState(name=QA_SAMPLE_STATE, value={"day": "2026-11-02"}, updated_at=local(2026, 11, 3)))
    sched = Scheduler(s, sessions)
    assert sched.qa_sample_if_due(now=local(2026, 11, 4, 0, 10)) == {}  # the day's last calls still being stored
    assert sched.qa_sample_if_due(now=local(2026, 11, 4, 0, 40)) == {date(2026, 11, 3): 3}
    assert _days(sessions) == {date(2026, 11, 3): 3}
    assert sched.qa_sample_if_due(now=local(2026, 11, 4, 9)) == {}
    assert Scheduler(s, sessions).qa_sample_if_due(now=local(2026, 11, 4, 23)) == {}, "a restart draws nothing again"
    with sessions() as db:
        assert db.get(SchedulerState, QA_SAMPLE_STATE).value == {"day": "2026-11-03"}


def test_days_missed_while_down_are_caught_up_bounded(settings, sessions) -> None:
    s = settings.replace(qa_sample_per_agent=1)
    with sessions.begin() as db:
        for k in range(1, 12):
            _answered(db, local(2026, 11, 20, 10) - timedelta(days=k))
        db.add(SchedulerState(name=QA_SAMPLE_STATE, value={"day": "2026-11-16"}, updated_at=local(2026, 11, 17)))
    # down from the 17th until the 20th: the 17th, 18th and 19th
    assert Scheduler(s, sessions).qa_sample_if_due(now=local(2026, 11, 20, 8)) == {
        date(2026, 11, 17): 1, date(2026, 11, 18): 1, date(2026, 11, 19): 1}
    with sessions.begin() as db:
        db.delete(db.get(SchedulerState, QA_SAMPLE_STATE))
    # the first start (no day drawn on record): the last CATCH_UP_DAYS days, those drawn adding nothing
    added = Scheduler(s, sessions).qa_sample_if_due(now=local(2026, 11, 20, 8))
    assert len(added) == CATCH_UP_DAYS and sum(added.values()) == CATCH_UP_DAYS - 3
    assert len(_days(sessions)) == CATCH_UP_DAYS
