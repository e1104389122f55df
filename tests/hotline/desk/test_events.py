"""Queue events → presence (hotline.desk.events), with a recording stand-in for AMI: a ringall
call rings two agents, one answers (the other stops ringing); an abandoned ring; events about
no agent of this hotline change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.db import open_db
from hotline.desk import events, presence
from hotline.desk.presence import CallPhase
from hotline.settings import load
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def ev(member: str, call: str = "L1") -> dict[str, str | None]:
    return {"MemberName": member, "Linkedid": call, "Queue": "hotline"}


def test_call_phase() -> None:
    assert events.call_phase("AgentCalled", ev("8001")) == ("8001", CallPhase.RINGING, "L1")
    assert events.call_phase("AgentComplete", ev("8001")) == ("8001", CallPhase.ENDED, "L1")
    assert events.call_phase("Newchannel", ev("8001")) is None
    assert events.call_phase("AgentConnect", {"Linkedid": "L1"}) is None


def test_ringall_answer_abandon_and_strangers(tmp_path: Path, db_url: str) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="e", database_url=db_url)
    _engine, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        for agent in ("8001", "8002", "8003"):
            presence.login(s, db, agent, now=T0, ami=ami)
        for agent in ("8001", "8002"):
            events.feed(s, db, "AgentCalled", ev(agent), T0 + timedelta(seconds=1), ami=ami)
        events.feed(s, db, "AgentConnect", ev("8002"), T0 + timedelta(seconds=3), ami=ami)
        assert [presence.current(db, s, a).state for a in ("8001", "8002")] == [P.AVAILABLE, P.TALKING]
        events.feed(s, db, "AgentCalled", ev("8003", "L2"), T0 + timedelta(seconds=4), ami=ami)
        assert events.feed(s, db, "QueueCallerAbandon", {"Linkedid": "L2"}, T0 + timedelta(seconds=6),
                           ami=ami) == ["8003"]
        assert presence.current(db, s, "8003").state == P.AVAILABLE
        assert events.feed(s, db, "AgentCalled", ev("9999", "L3"), T0, ami=ami) is None
        r = events.feed(s, db, "AgentComplete", ev("8002"), T0 + timedelta(seconds=63), ami=ami)
        assert isinstance(r, presence.PresenceResult) and r.presence.state == P.WRAP_UP
