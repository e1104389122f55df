"""Toll fraud through callbacks (issue 19): a number outside the dialling policy — keyed as
00…# in the IVR, premium-rate, or a foreign caller id — makes a task held for a supervisor, and
no path dials it before approval; daily caps bound every number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline.callbacks import CallbackError, dial, mark_consultation
from hotline.callbacks.dialer import apply_outcome
from hotline.callbacks.tasks import HELD, approve_task, create_task, on_answered_call, on_missed_call
from hotline.models.callbacks import CallbackTask
from scheduler.callbacks import run_pass
from tests.hotline.callbacks.conftest import add_call, add_report, local

T0 = local(2025, 11, 12, 10, 0)


class RecordingAmi:
    """Stands in for the AMI session: what would have been dialled."""

    def __init__(self) -> None:
        self.originates: list[dict[str, Any]] = []

    def originate(self, channel: str, **kw: Any) -> dict[str, str]:
        self.originates.append({"channel": channel, **kw})
        return {"Message": "Originate successfully queued"}


def _task(db, **where) -> CallbackTask:
    q = select(CallbackTask)
    for k, v in where.items():
        q = q.where(getattr(CallbackTask, k) == v)
    return db.scalars(q).one()


@pytest.mark.parametrize("keyed,why", [("00447400123456#", "region GB"), ("16812345", "premium_rate"),
                                       ("008613800000001", None)])
def test_number_keyed_in_the_ivr_outside_the_policy_is_never_dialled(settings, db, keyed: str,
                                                                     why: str | None) -> None:
    """Press 1 (fault), 2 (another number), key it, hang up: the partial report's missed-call task."""
    keyed = keyed.rstrip("#")
    add_report(db, at=T0, status="incomplete", caller="13600000004", contact=keyed, call_id="ivr-1")
    add_call(db, number="13600000004", disposition="ivr", at=T0, call_id="ivr-1")
    db.commit()
    run_pass(settings, db, now=T0 + timedelta(minutes=20))
    db.commit()
    task = _task(db, reason="missed")
    ami = RecordingAmi()
    if why is None:  # +86 138… keyed with the international prefix: a domestic mobile, allowed
        assert task.status == "open" and "keyed_differs" in (task.note or "")
        dial(settings, db, task.id, "8001", ami=ami, now=T0 + timedelta(minutes=21))
        assert len(ami.originates) == 1
        return
    assert task.status == HELD and why in task.note and "needs supervisor approval" in task.note
    with pytest.raises(CallbackError, match="held"):
        dial(settings, db, task.id, "8001", ami=ami, force=True, now=T0 + timedelta(minutes=21))
    assert ami.originates == []
    assert not task.attempts


def test_foreign_caller_id_missed_call_is_held_and_counts_its_repeats(settings, db) -> None:
    for i in range(2):
        on_missed_call(db, settings, add_call(db, number="+447400123456", disposition="abandoned",
                                              at=T0 + timedelta(minutes=i)))
    db.commit()
    task = _task(db)  # one task, not one per abandon
    assert (task.status, task.missed_calls) == (HELD, 2)
    # R-ONE-CALL: the number calls again and is answered: nothing left to approve
    on_answered_call(db, settings, add_call(db, number="+447400123456", disposition="answered",
                                            at=T0 + timedelta(minutes=5), talk=30))
    assert (task.status, task.closed_reason) == ("done", "answered_call")


def test_task_outside_the_policy_made_any_other_way_is_not_dialled(settings, db) -> None:
    """A task written before the policy (or without settings) is checked again when dialled."""
    task = create_task(db, reason="consult", number="+8616812345", number_raw="16812345", created_at=T0,
                       due_at=T0 + timedelta(hours=1))
    db.commit()
    assert task.status == "open"
    ami = RecordingAmi()
    with pytest.raises(CallbackError, match=r"needs supervisor approval .*premium_rate"):
        dial(settings, db, task.id, "8001", ami=ami, force=True, now=T0)
    assert ami.originates == [] and task.status == HELD and not task.attempts


def test_supervisor_approval_lets_a_held_task_be_dialled(settings, db) -> None:
    task = mark_consultation(db, settings, "0044 7400 123456", now=T0)
    db.commit()
    assert task.status == HELD
    with pytest.raises(CallbackError, match="not held"):
        approve_task(db, mark_consultation(db, settings, "13800000001", now=T0).id, by="boss")
    approve_task(db, task.id, by="boss", now=T0)
    db.commit()
    ami = RecordingAmi()
    dial(settings, db, task.id, "8001", ami=ami, now=T0 + timedelta(minutes=1))
    assert [o["exten"] for o in ami.originates] == ["00447400123456"]
    assert "approved by boss" in task.note


def test_daily_caps_per_number_and_in_all(settings, db) -> None:
    s = settings.replace(dial_max_per_number_day=2, dial_max_per_day=3)
    ami = RecordingAmi()
    first = mark_consultation(db, s, "13800000001", now=T0)
    other = mark_consultation(db, s, "13800000002", now=T0)
    db.commit()
    for i in range(2):
        attempt = dial(s, db, first.id, "8001", ami=ami, force=True, now=T0 + timedelta(minutes=i))
        apply_outcome(s, db, attempt, "no_answer", T0 + timedelta(minutes=i, seconds=30))
    with pytest.raises(CallbackError,
                       match=r"2 dials of \+8613800000001 today already \(setting dial_max_per_number_day\)"):
        dial(s, db, first.id, "8001", ami=ami, force=True, now=T0 + timedelta(minutes=5))
    attempt = dial(s, db, other.id, "8001", ami=ami, force=True, now=T0 + timedelta(minutes=6))
    apply_outcome(s, db, attempt, "no_answer", T0 + timedelta(minutes=7))
    with pytest.raises(CallbackError, match=r"3 dials today already \(setting dial_max_per_day\)"):
        dial(s, db, other.id, "8001", ami=ami, force=True, now=T0 + timedelta(minutes=8))
    assert len(ami.originates) == 3
    # the next local day the caps start again
    dial(s, db, first.id, "8001", ami=ami, force=True, now=local(2025, 11, 13, 9, 0))
    assert len(ami.originates) == 4


def test_cli_lists_held_tasks_and_approves_them(tmp_path, monkeypatch, capsys) -> None:
    from hotline.cli import main

    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["callbacks", "consult", "0044 7400 123456"]) == 0
    capsys.readouterr()
    assert main(["callbacks", "held"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("1\tconsult\t+447400123456\tneeds supervisor approval: region GB")
    assert main(["callbacks", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # not offered to agents
    assert main(["callbacks", "dial", "1", "--agent", "8001"]) == 1
    assert "is held" in capsys.readouterr().err
    assert main(["callbacks", "approve", "1", "--by", "supervisor1"]) == 0
    assert main(["callbacks", "approve", "1", "--by", "supervisor1"]) == 1  # once
    assert main(["callbacks", "held"]) == 0
    assert capsys.readouterr().out == ""
