"""The SL alert's since as a stored fact (hotline.sl_alert_since): one row per local day, written
when the alert begins or ends; two processes storing at once end with the first one stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline import sl_alert_since
from hotline.models.callbacks import SchedulerState
from hotline.settings import Settings
from tests.hotline.callbacks.conftest import TZ, db, sessions, settings

__all__ = ["db", "sessions", "settings"]
NOON = datetime(2026, 12, 6, 12, 0, tzinfo=TZ).timestamp()


def names(db: Session) -> list[str]:
    return sorted(db.scalars(select(SchedulerState.name)))


def test_stored_read_and_cleared(db: Session, settings: Settings) -> None:
    assert sl_alert_since.read(db, settings, NOON) is None
    assert sl_alert_since.keep(db, settings, NOON, NOON) == NOON
    assert sl_alert_since.read(db, settings, NOON + 600) == NOON
    assert names(db) == ["sl_under_since:2026-12-06"]  # the operator's local day
    assert sl_alert_since.keep(db, settings, NOON + 900, None) is None
    assert sl_alert_since.read(db, settings, NOON + 900) is None and names(db) == []


def test_two_processes_storing_at_once_end_with_the_first_one(sessions: sessionmaker[Session],
                                                              settings: Settings) -> None:
    with sessions() as a, sessions() as b:
        # both judged SL under before either stored: each brings its own moment
        assert sl_alert_since.read(a, settings, NOON) is None and sl_alert_since.read(b, settings, NOON) is None
        assert sl_alert_since.keep(a, settings, NOON, NOON) == NOON
        assert sl_alert_since.keep(b, settings, NOON + 0.5, NOON + 0.5) == NOON  # collided: the first stands
        assert sl_alert_since.read(b, settings, NOON + 1) == NOON
    with sessions() as c:
        assert names(c) == ["sl_under_since:2026-12-06"]


def test_a_since_of_yesterday_is_not_todays(db: Session, settings: Settings) -> None:
    late = datetime(2026, 12, 6, 23, 50, tzinfo=TZ).timestamp()
    after_midnight = datetime(2026, 12, 7, 0, 5, tzinfo=TZ).timestamp()
    sl_alert_since.keep(db, settings, late, late)
    assert sl_alert_since.read(db, settings, after_midnight) is None
    assert sl_alert_since.keep(db, settings, after_midnight, after_midnight) == after_midnight
    assert names(db) == ["sl_under_since:2026-12-07"]  # yesterday's row, never cleared, went with the write
    assert sl_alert_since.read(db, settings, after_midnight + 60) == after_midnight


def test_two_processes_storing_in_the_same_instant_end_with_one_since(sessions: sessionmaker[Session],
                                                                      settings: Settings) -> None:
    """The same race on two connections released together: whichever commits first, both answer
    its since and one row stands (PostgreSQL blocks the second insert until the first commits)."""
    import threading

    start = threading.Barrier(2)
    answers: dict[float, float | None] = {}

    def judge(moment: float) -> None:
        with sessions() as db:
            start.wait()
            answers[moment] = sl_alert_since.keep(db, settings, moment, moment)

    threads = [threading.Thread(target=judge, args=(NOON + k / 10,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(answers.values())) == 1 and next(iter(answers.values())) in answers
    with sessions() as db:
        assert sl_alert_since.read(db, settings, NOON + 1) == next(iter(answers.values()))
        assert names(db) == ["sl_under_since:2026-12-06"]
