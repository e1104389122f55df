"""A dial the callback rules refuse says why as every core refusal does (a ``DomainError``: its
English template, the particulars as params the panel names — a time, a limit, a status), its
English text for logs and the CLI: every rule of ``hotline.callbacks.dial`` in turn (the rules
themselves: test_rules.py, test_toll_fraud.py), and each refusal is logged."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.callbacks import CallbackError, DialRefused, cancel_task, dial, mark_consultation
from hotline.callbacks.dialer import apply_outcome
from hotline.callbacks.tasks import create_task
from hotline.errors import DomainError
from hotline.models.callbacks import CallbackAttempt
from hotline.pbx.ami import AmiError
from hotline.settings import Settings
from tests.hotline.callbacks.conftest import local

T0 = local(2025, 11, 12, 10, 0)


class Ami:
    """Stands in for the AMI session: records the originates, or fails them like a PBX that refuses."""

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.originates = fail, 0

    def originate(self, channel: str, **kw: Any) -> dict[str, str]:
        if self.fail:
            raise AmiError("Originate failed")
        self.originates += 1
        return {"Message": "Originate successfully queued"}


def _refused(s: Settings, db: Session, task_id: int, agent: str = "8001", **kw: Any) -> DialRefused:
    with pytest.raises(DialRefused) as got:
        dial(s, db, task_id, agent, now=kw.pop("now", T0), ami=kw.pop("ami", Ami()), **kw)
    assert isinstance(got.value, CallbackError)  # every caller that caught CallbackError still does
    assert isinstance(got.value, DomainError) and str(got.value) == got.value.template % got.value.params
    return got.value


def test_each_rule_refuses_with_its_template_and_particulars(settings: Settings, db: Session,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hotline.callbacks.dialer")
    r = _refused(settings, db, 99999)
    assert (r.template, r.params) == ("no callback task %(id)s", {"id": 99999})
    task = mark_consultation(db, settings, "13800000001", now=T0)
    db.commit()
    r = _refused(settings, db, task.id, agent="80x1")
    assert str(r) == "agent must be an extension number, not '80x1'"
    assert f"task {task.id}: dial by 80x1 refused: agent must be an extension number" in caplog.text

    pending = CallbackAttempt(task=task, at=T0, agent="8001", call_server="test", call_id="p", outcome="pending")
    db.add(pending)
    db.flush()
    assert str(_refused(settings, db, task.id)) == f"task {task.id} has a call in progress"
    apply_outcome(settings, db, pending, "no_answer", T0 + timedelta(seconds=30))
    r = _refused(settings, db, task.id, now=T0 + timedelta(minutes=1))
    assert r.params["at"] == T0 + timedelta(minutes=settings.callback_retry_min)  # a time (the panel's to show)
    assert str(r) == f"task {task.id}: next attempt not before 2025-11-12 10:30:00+08:00"  # the operator's zone

    later = create_task(db, reason="revisit", number="+8613800000002", number_raw=None, created_at=T0,
                        due_at=T0 + timedelta(days=1), not_before=T0 + timedelta(hours=23))
    r = _refused(settings, db, later.id)
    assert (r.template, r.params["at"]) == ("task %(id)s: not before %(at)s", T0 + timedelta(hours=23))

    spent = mark_consultation(db, settings, "13800000003", now=T0)
    for i in range(settings.callback_max_attempts):
        db.add(CallbackAttempt(task=spent, at=T0 - timedelta(days=2, hours=i), agent="8001", call_server="test",
                               call_id=f"x{i}", outcome="no_answer"))
    db.flush()
    r = _refused(settings, db, spent.id, force=True)
    assert (str(r), r.params["limit"]) == (f"task {spent.id} has had its {settings.callback_max_attempts} attempts",
                                           settings.callback_max_attempts)

    cancel_task(db, spent.id, now=T0)
    r = _refused(settings, db, spent.id)
    assert (str(r), r.params["status"]) == (f"task {spent.id} is cancelled", "cancelled")


def test_policy_caps_and_the_pbx_refuse_with_their_particulars(settings: Settings, db: Session,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hotline.callbacks.dialer")
    premium = create_task(db, reason="consult", number="+8616812345", number_raw="16812345", created_at=T0,
                          due_at=T0 + timedelta(hours=1))
    db.commit()
    r = _refused(settings, db, premium.id, force=True)  # found now: held from now on
    assert str(r).startswith(f"task {premium.id}: +8616812345 needs supervisor approval (")
    r = _refused(settings, db, premium.id, force=True)
    assert str(r) == f"task {premium.id} is held: +8616812345 needs supervisor approval"

    s = settings.replace(dial_max_per_number_day=1, dial_max_per_day=2)
    first, other = (mark_consultation(db, s, n, now=T0) for n in ("13800000011", "13800000012"))
    db.commit()
    apply_outcome(s, db, dial(s, db, first.id, "8001", ami=Ami(), force=True, now=T0), "no_answer", T0)
    r = _refused(s, db, first.id, force=True)
    assert (str(r), r.params["limit"]) == (
        f"task {first.id}: 1 dials of +8613800000011 today already (setting dial_max_per_number_day)", 1)
    apply_outcome(s, db, dial(s, db, other.id, "8001", ami=Ami(), force=True, now=T0), "no_answer", T0)
    r = _refused(s, db, other.id, force=True)
    assert (str(r), r.params["limit"]) == (f"task {other.id}: 2 dials today already (setting dial_max_per_day)", 2)

    third = mark_consultation(db, settings, "13800000013", now=T0)
    db.commit()
    r = _refused(settings, db, third.id, ami=Ami(fail=True))
    assert str(r) == f"task {third.id}: could not dial: Originate failed"
    # the failed attempt's note keeps the form older rows hold
    assert [a.note for a in third.attempts] == ["originate: Originate failed"]
    assert f"task {third.id}: dial by 8001 refused: task {third.id}: could not dial" in caplog.text
    assert f"dial by 8001 refused: task {other.id}: 2 dials today already" in caplog.text
