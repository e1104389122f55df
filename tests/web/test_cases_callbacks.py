"""The callback task page (issue 14 §3; CLI-only before): an attempt's outcome, the revisit's
"fixed?" / "satisfied?" (R-FAULT-REVISIT: both, then the fault's closed case is 已回访), cancelling
(supervisors); who sees which task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from hotline import callbacks, cases
from hotline.callbacks.tasks import on_fault_report
from hotline.chanvars import ChanVar
from hotline.models.callbacks import CallbackAttempt, CallbackTask
from hotline.models.cases import Case
from hotline.timeutil import utcnow
from hotline.vocabulary import Role
from tests.hotline.callbacks.conftest import add_call, add_report
from tests.web.conftest import Panel, csrf_of

HOSTILE = '<script>alert("x")</script>'


def post(c: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return c.post(path, data={**(data or {}), "csrf_token": csrf_of(c, "/cases")})


def _revisit(panel: Panel) -> tuple[int, int]:
    """A repaired fault's closed case and its revisit task."""
    db = panel.db()
    at = utcnow() - timedelta(hours=3)
    report = add_report(db, at=at, contact="13700000003", call_id="f-1")
    call = add_call(db, number="13700000003", disposition="ivr", at=at, call_id="f-1")
    call.vars = {ChanVar.FAULT_REPORT: str(report.id), ChanVar.FAULT_TICKET: report.ticket}
    (case,) = cases.cases_from_call(db, panel.settings, call)
    cases.close_case(db, panel.settings, case.id, cases.Actor("boss", Role.SUPERVISOR), result="修好了")
    task = on_fault_report(db, panel.settings, report)
    assert task is not None
    db.commit()
    return case.id, task.id


def test_revisit_answers_from_the_panel(panel: Panel) -> None:
    case_id, task_id = _revisit(panel)
    agent = panel.client("agent1")
    page = agent.get(f"/callbacks/tasks/{task_id}").get_data(as_text=True)
    assert 'id="revisit-form"' in page and 'id="cancel-form"' not in page  # agents do not cancel
    assert post(agent, f"/callbacks/tasks/{task_id}/revisit", {"fixed": "yes", "note": HOSTILE}).status_code == 303
    task = panel.db().get(CallbackTask, task_id)
    assert task.revisit_fixed is True and task.status in ("open", "in_progress")  # one answer: not done
    assert panel.db().get(Case, case_id).status == "closed"
    page = agent.get(f"/callbacks/tasks/{task_id}").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    post(agent, f"/callbacks/tasks/{task_id}/revisit", {"fixed": "yes", "satisfied": "no"})
    task = panel.db().get(CallbackTask, task_id)
    assert (task.status, task.revisit_satisfied) == ("done", False)
    assert panel.db().get(Case, case_id).status == "revisited"  # 已回访


def test_outcome_and_cancel(panel: Panel) -> None:
    db = panel.db()
    task = callbacks.mark_consultation(db, panel.settings, "+8613800000009", agent="8001")
    db.add(CallbackAttempt(task_id=task.id, at=utcnow(), agent="8001", call_server="pbx1", call_id="cb-1",
                           outcome="no_answer"))
    db.commit()
    attempt = panel.db().query(CallbackAttempt).one()
    other, agent, boss, insp = (panel.client(u) for u in ("agent2", "agent1", "boss", "insp"))
    assert other.get(f"/callbacks/tasks/{task.id}").status_code == 404  # another agent's task
    assert post(other, f"/callbacks/attempts/{attempt.id}/outcome", {"outcome": "busy"}).status_code == 404
    assert insp.get(f"/callbacks/tasks/{task.id}").status_code == 403
    assert post(agent, f"/callbacks/attempts/{attempt.id}/outcome", {"outcome": "wrong_number"}).status_code == 303
    assert panel.db().get(CallbackAttempt, attempt.id).outcome == "wrong_number"
    post(agent, f"/callbacks/attempts/{attempt.id}/outcome", {"outcome": "nonsense"})
    assert "flash error" in agent.get(f"/callbacks/tasks/{task.id}").get_data(as_text=True)
    assert panel.db().get(CallbackTask, task.id).status == "failed"  # a wrong number ends the task
    db = panel.db()
    second = callbacks.mark_consultation(db, panel.settings, "+8613800000010", agent="8001")
    db.commit()
    assert post(agent, f"/callbacks/tasks/{second.id}/cancel").status_code == 403
    assert post(boss, f"/callbacks/tasks/{second.id}/cancel", {"note": "客户已到营业厅办理"}).status_code == 303
    assert panel.db().get(CallbackTask, second.id).status == "cancelled"
    post(boss, f"/callbacks/tasks/{second.id}/cancel")  # twice: refused with its reason
    assert "flash error" in boss.get(f"/callbacks/tasks/{second.id}").get_data(as_text=True)
    assert boss.get("/callbacks/tasks/999").status_code == 404
