"""The live listener on the real Asterisk: mixed calls at once, each recorded once and right."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from ami_listener.simulate import SimCall, originate
from hotline.db import open_db
from hotline.models import AgentSession, Call, LiveState
from hotline.pbx.process import Asterisk

pytestmark = pytest.mark.asterisk

EXTRA = [f"80{i}" for i in range(10, 32)]  # enough free agents that no caller waits for another
# shape: every agent of the call (mode, ring, talk); the caller stays `stay` seconds
SHAPES = {
    "quick": (("answer", 1, 2), 30),
    "late": (("answer", 5, 1), 30),  # 5 s > 4 rings × 1 s: R-ANS-4RINGS violated
    "caller_first": (("answer", 1, 30), 4),
    "abandon": (("noanswer", 0, 0), 3),
}


def _plan() -> list[tuple[str, SimCall]]:
    plan = []
    kinds = ["quick", "late", "caller_first", "abandon"] * 6  # 24 calls
    for i, kind in enumerate(kinds[:22]):
        (mode, ring, talk), stay = SHAPES[kind]
        agents = {ext: (mode, ring, talk) for ext in ["8001", "8002", "8003", *EXTRA]}
        plan.append((kind, SimCall(f"live-{i:02d}-{time.time_ns() % 10**8}", f"1390000{i:04d}",
                                   f"来电{i}<b>", stay, agents)))
    return plan


# `make test-postgres` runs it too: real Asterisk → listener → PostgreSQL, 22 calls at once
@pytest.mark.postgres_e2e
def test_live_listener_records_every_call_once(pbx: Asterisk, db_url: str) -> None:
    s = pbx.settings.replace(database_url=db_url)
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        with pbx.ami() as ami:
            for ext in EXTRA:
                ami.action("QueueAdd", Queue=s.queue_name, Interface=f"Local/{ext}@agents/n", MemberName=ext)
            plan = _plan()
            for _, call in plan:
                originate(ami, s, call)
        _, sessions = open_db(s)
        deadline = time.monotonic() + 45
        ids = {c.call_id for _, c in plan}
        while time.monotonic() < deadline:
            with sessions() as db:
                got = {c.call_id: c for c in db.scalars(select(Call).where(Call.call_id.in_(ids)))}
            if len(got) == len(ids):
                break
            time.sleep(0.5)
        with pbx.ami() as ami:
            for ext in EXTRA:
                ami.action("QueueRemove", Queue=s.queue_name, Interface=f"Local/{ext}@agents/n")
        time.sleep(1)
    finally:
        listener.stop()

    assert set(got) == ids, f"missing: {ids - set(got)}"
    with sessions() as db:
        assert len(db.scalars(select(Call).where(Call.call_id.in_(ids))).all()) == len(ids)  # once each
        for kind, call in plan:
            c = db.scalars(select(Call).where(Call.call_id == call.call_id)).one()
            assert c.caller_number == call.caller_number and c.caller_name == call.caller_name
            assert c.direction == "inbound" and not c.incomplete and c.queue == s.queue_name
            assert c.started_at is not None and c.ended_at is not None
            if kind == "abandon":
                assert (c.disposition, c.hangup_first, c.agent) == ("abandoned", "caller", None), kind
                assert 2.5 <= c.wait_seconds <= 4
                continue
            assert c.disposition == "answered" and c.agent is not None, (kind, c.disposition)
            ring = SHAPES[kind][0][1]
            assert abs(c.ring_seconds - ring) < 0.4, (kind, c.ring_seconds)
            assert c.within_4_rings is (kind != "late")
            assert c.recording and Path(c.recording).name.startswith(call.call_id)
            if kind == "caller_first":
                assert c.hangup_first == "caller" and 2 <= c.talk_seconds <= 3.5
            else:
                assert c.hangup_first == "agent"
        sessions_rows = db.scalars(select(AgentSession).where(AgentSession.agent.in_(EXTRA))).all()
        assert {r.agent for r in sessions_rows} == set(EXTRA)
        assert all(r.logout_at is not None for r in sessions_rows)
        live = db.get(LiveState, s.server_id)
        assert live is not None and "8001" in live.data["agents"]
