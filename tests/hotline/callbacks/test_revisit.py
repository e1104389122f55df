"""R-FAULT-REVISIT: a revisit is done when the customer was reached AND answered "fixed?" and
"satisfied?"; a reached callback without the answers is not a done revisit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.callbacks import record_revisit, revisit_counts
from hotline.callbacks.dialer import apply_outcome
from hotline.callbacks.tasks import create_task
from hotline.metrics import Ratio, revisit_done
from hotline.models.callbacks import CallbackAttempt, CallbackTask
from hotline.settings import Settings
from tests.hotline.callbacks.conftest import local

T0 = local(2025, 11, 17, 9, 0)
DUE = T0 + timedelta(hours=3)


def _revisit(db: Session, number: str) -> CallbackTask:
    return create_task(db, reason="revisit", number=number, number_raw=None, created_at=T0 - timedelta(hours=12),
                       due_at=DUE, not_before=T0)


def _reached(settings: Settings, db: Session, task: CallbackTask) -> None:
    attempt = CallbackAttempt(task_id=task.id, at=T0 + timedelta(minutes=5), agent="8001", call_server="test",
                              call_id=f"cb-{task.id}", outcome="pending", answered_at=T0 + timedelta(minutes=5))
    task.attempts.append(attempt)
    db.flush()
    apply_outcome(settings, db, attempt, "reached", T0 + timedelta(minutes=10))


def test_a_reached_revisit_without_answers_is_not_done(settings: Settings, db: Session) -> None:
    task = _revisit(db, "+8613700000031")
    _reached(settings, db, task)
    db.commit()
    counts = revisit_counts(db, T0, T0 + timedelta(days=1), now=DUE + timedelta(hours=1))
    assert (counts["tasks"], counts["done"], counts["unanswered"]) == (1, 0, 1)
    assert revisit_done(db, T0, T0 + timedelta(days=1), now=DUE + timedelta(hours=1)) == Ratio(0, 1)
    # the agent records the answers afterwards: now it is a done revisit
    record_revisit(db, task.id, fixed=True, satisfied=True, now=T0 + timedelta(minutes=15))
    db.commit()
    counts = revisit_counts(db, T0, T0 + timedelta(days=1), now=DUE + timedelta(hours=1))
    assert (counts["done"], counts["unanswered"], counts["on_time"]) == (1, 0, 1)
    assert revisit_done(db, T0, T0 + timedelta(days=1), now=DUE + timedelta(hours=1)) == Ratio(1, 1)


def test_one_answer_keeps_the_revisit_open(settings: Settings, db: Session) -> None:
    task = _revisit(db, "+8613700000032")
    record_revisit(db, task.id, fixed=True, satisfied=None, now=T0 + timedelta(minutes=15))
    db.commit()
    assert (task.status, task.revisit_fixed, task.revisit_satisfied) == ("open", True, None)
    counts = revisit_counts(db, T0, T0 + timedelta(days=1), now=DUE + timedelta(hours=1))
    assert (counts["done"], counts["open"], counts["overdue"]) == (0, 1, 1)
    record_revisit(db, task.id, fixed=True, satisfied=False, now=T0 + timedelta(minutes=20))
    db.commit()
    assert task.status == "done" and task.closed_reason == "revisited"
