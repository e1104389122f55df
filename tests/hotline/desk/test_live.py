"""The presence follows the calls with no desk open (hotline.desk.live.sync_all, run by the
scheduler every desk_sync_interval_s): ringing → talking → 话后整理 → available once the wrap-up
time is up; an agent who chose a break is left alone (issue 13 §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.db import open_db
from hotline.desk import presence
from hotline.desk.live import sync_all
from hotline.live_snapshot import AgentLive, LiveSnapshot
from hotline.settings import load
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.hotline.desk.conftest import set_snapshot
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _live(db, agents: dict[str, AgentLive]) -> None:
    set_snapshot(db, LiveSnapshot(agents=agents), T0)


def test_presence_follows_the_live_calls_without_a_desk(tmp_path: Path, db_url: str) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url, desk_wrapup_s=15)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        for agent in ("8001", "8002"):
            presence.set_state(s, db, agent, P.AVAILABLE, now=T0, ami=ami)
        presence.set_state(s, db, "8002", P.BREAK, "培训", now=T0, ami=ami)
        ringing = AgentLive(AgentState.RINGING, T0.timestamp(), "L1", "hotline")
        _live(db, {"8001": ringing, "8002": ringing})
        assert sync_all(s, db, T0 + timedelta(seconds=1), ami=ami) == 1
        assert presence.current(db, s, "8001").state == P.RINGING
        _live(db, {"8001": AgentLive(AgentState.TALKING, T0.timestamp(), "L1", "hotline")})
        sync_all(s, db, T0 + timedelta(seconds=3), ami=ami)
        assert presence.current(db, s, "8001").state == P.TALKING
        _live(db, {"8001": AgentLive(AgentState.IDLE, T0.timestamp(), None, "hotline")})
        sync_all(s, db, T0 + timedelta(seconds=60), ami=ami)
        assert presence.current(db, s, "8001").state == P.WRAP_UP
        assert ("QueuePause", {"Queue": s.queue_name, "Interface": "Local/8001@agents/n", "Paused": "true",
                               "Reason": "wrap-up"}) in ami.sent
        sync_all(s, db, T0 + timedelta(seconds=70), ami=ami)
        assert presence.current(db, s, "8001").state == P.WRAP_UP  # 15 s not up yet
        sync_all(s, db, T0 + timedelta(seconds=76), ami=ami)
        assert presence.current(db, s, "8001").state == P.AVAILABLE
        assert presence.current(db, s, "8002").state == P.BREAK  # a person's choice stays


def test_a_ringall_answer_an_abandon_and_a_stranger(tmp_path: Path, db_url: str) -> None:
    """Two agents ring for one call and one answers: the other is available again; a caller who
    leaves while 8003 rings leaves 8003 available; an agent of no hotline of ours changes nothing."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        for agent in ("8001", "8002", "8003"):
            presence.set_state(s, db, agent, P.AVAILABLE, now=T0, ami=ami)
        ringing = AgentLive(AgentState.RINGING, T0.timestamp(), "L1", "hotline")
        _live(db, {"8001": ringing, "8002": ringing})
        assert sync_all(s, db, T0 + timedelta(seconds=1), ami=ami) == 2
        idle = AgentLive(AgentState.IDLE, T0.timestamp(), None, "hotline")
        _live(db, {"8001": idle, "8002": AgentLive(AgentState.TALKING, T0.timestamp(), "L1", "hotline"),
                   "8003": AgentLive(AgentState.RINGING, T0.timestamp(), "L2", "hotline"),
                   "9999": AgentLive(AgentState.RINGING, T0.timestamp(), "L3", "hotline")})
        sync_all(s, db, T0 + timedelta(seconds=3), ami=ami)
        assert [presence.current(db, s, a).state for a in ("8001", "8002", "8003")] == [
            P.AVAILABLE, P.TALKING, P.RINGING]
        _live(db, {"8002": AgentLive(AgentState.TALKING, T0.timestamp(), "L1", "hotline"), "8003": idle})
        sync_all(s, db, T0 + timedelta(seconds=6), ami=ami)  # L2's caller left: no wrap-up for a ring
        assert presence.current(db, s, "8003").state == P.AVAILABLE
        assert presence.current(db, s, "9999").state == P.LOGGED_OUT
