"""Callbacks on the real Asterisk, with the real listener in-process on its own SQLite database:
a missed caller gets a task that closes itself when they call again and are answered; dialled
tasks ring the agent first, then the customer, and each attempt gets its call and outcome."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from hotline.callbacks import dial, mark_consultation
from hotline.db import open_db
from hotline.models import Call
from hotline.models.callbacks import CallbackAttempt, CallbackTask
from hotline.pbx.process import Asterisk
from scheduler.daemon import Scheduler

pytestmark = pytest.mark.asterisk
AGENTS = ("8001", "8002", "8003")


def _inbound(ami, s, number: str, stay: float, mode: str, ring: float = 0.5, talk: float = 1.0) -> str:
    call_id = f"cbl-{uuid.uuid4().hex[:10]}"
    variables = {"SIM_STAY": str(stay)}
    for ext in AGENTS:
        variables.update({f"__SIM_MODE_{ext}": mode, f"__SIM_RING_{ext}": str(ring), f"__SIM_TALK_{ext}": str(talk)})
    ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                  callerid=f'"回访测试" <{number}>', channel_id=call_id, variables=variables, timeout_s=30)
    return call_id


def _wait_calls(sessions, call_ids: set[str], timeout: float = 30) -> dict[str, Call]:
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            got = {c.call_id: c for c in db.scalars(select(Call).where(Call.call_id.in_(call_ids)))}
        if len(got) == len(call_ids) or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def _sim(agent: str, mode: str, talk: float, customer: str, customer_talk: float = 2) -> dict[str, str]:
    """What the simulated agent and customer will do (see [agents] and [sim-customer])."""
    return {f"SIM_MODE_{agent}": mode, f"SIM_RING_{agent}": "0.5", f"SIM_TALK_{agent}": str(talk),
            "__SIM_CUSTOMER": customer, "__SIM_CUSTOMER_RING": "0.5", "__SIM_CUSTOMER_TALK": str(customer_talk)}


# `make test-postgres` runs it too: the callbacks' tasks and attempts on PostgreSQL, real calls
@pytest.mark.postgres_e2e
def test_missed_call_task_closes_itself_and_dialled_attempts_get_their_outcome(pbx: Asterisk, db_url: str) -> None:
    s = pbx.settings.replace(database_url=db_url, callback_reached_min_talk_s=1.0,
                             callback_agent_ring_s=2)
    _, sessions = open_db(s)
    sched = Scheduler(s, sessions)
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        with sessions() as db:  # three tasks to dial, one per outcome
            reached, unanswered, agent_away = (mark_consultation(db, s, n, agent="8002").id for n in
                                               ("13900000011", "13900000012", "13900000013"))
            db.commit()
        missed_number = "13800000021"
        with pbx.ami() as ami:
            # R-MISSED-CALLBACK: nobody answers, the caller gives up after 2 s
            abandoned = _inbound(ami, s, missed_number, stay=2, mode="noanswer")
            with sessions() as db:
                attempts = {
                    "reached": dial(s, db, reached, "8002", variables=_sim("8002", "answer", 6, "answer", 2), ami=ami),
                    "no_answer": dial(s, db, unanswered, "8003", variables=_sim("8003", "answer", 3, "noanswer"),
                                      ami=ami),
                    "agent_no_answer": dial(s, db, agent_away, "8001", variables=_sim("8001", "noanswer", 3, "answer"),
                                            ami=ami),
                }
                call_ids = {k: a.call_id for k, a in attempts.items()}
                assert all(db.get(CallbackTask, t).status == "in_progress" for t in (reached, unanswered, agent_away))

        assert abandoned in _wait_calls(sessions, {abandoned}), "abandoned call not recorded"
        sched.once()
        with sessions() as db:
            (task,) = db.scalars(select(CallbackTask).where(CallbackTask.reason == "missed")).all()
            assert (task.number, task.status, task.call_id, task.missed_calls) == (
                "+8613800000021", "open", abandoned, 1)
            missed_task = task.id

        # the same number calls again and is answered: the task closes itself (R-ONE-CALL)
        with pbx.ami() as ami:
            answered = _inbound(ami, s, missed_number, stay=4, mode="answer", ring=0.5, talk=1)
        got = _wait_calls(sessions, {answered, *call_ids.values()})
        assert set(got) == {answered, *call_ids.values()}, "call records missing"
        assert got[answered].disposition == "answered"
        sched.once()
    finally:
        listener.stop()

    with sessions() as db:
        task = db.get(CallbackTask, missed_task)
        assert (task.status, task.closed_reason, task.closed_call_id) == ("done", "answered_call", answered)
        for kind, call_id in call_ids.items():
            call = db.scalars(select(Call).where(Call.call_id == call_id)).one()
            attempt = db.scalars(select(CallbackAttempt).where(CallbackAttempt.call_id == call_id)).one()
            assert call.direction == "outbound" and call.vars.get("HOTLINE_TASK_ID") == str(attempt.task_id)
            assert call.vars.get("HOTLINE_AGENT") == attempt.agent == call.agent
            assert attempt.outcome == kind, (kind, call.disposition, call.talk_seconds, attempt.note)
            assert attempt.reconciled_at is not None
        done = db.get(CallbackTask, reached)
        assert (done.status, done.closed_reason, done.closed_call_id) == ("done", "reached", call_ids["reached"])
        assert 1.0 <= done.attempts[0].talk_seconds <= 3.5
        retry = db.get(CallbackTask, unanswered)
        assert retry.status == "open" and retry.next_attempt_at is not None  # counted: retry in 30 min
        away = db.get(CallbackTask, agent_away)
        assert away.status == "open" and away.next_attempt_at is None  # the customer was never dialled
