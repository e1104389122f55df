"""The presence follows the calls with no desk open (hotline.desk.live.sync_all, run by the
scheduler every desk_sync_interval_s): ringing → talking → 话后整理 → available once the wrap-up
time is up; an agent who chose a break is left alone (issue 13 §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.db import open_db
from hotline.desk import presence
from hotline.desk.live import sync_all
from hotline.live_snapshot import AgentLive, LiveSnapshot
from hotline.settings import Settings, load
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


def _outbound(state: AgentState, call_id: str | None) -> AgentLive:
    """8001 on its own dial (外呼 / 回拨), as the listener shows it (``AgentLive.outbound``)."""
    return AgentLive(state, T0.timestamp(), call_id, "hotline", outbound=call_id is not None)


def _wrap_up_after_l1(s: Settings, db: Session, ami: RecordingAmi, at_s: int) -> None:
    """8001 available, talks on L1 from T0 + 1 s, and is in 话后整理 after it at T0 + ``at_s``."""
    presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
    _live(db, {"8001": AgentLive(AgentState.TALKING, T0.timestamp(), "L1", "hotline")})
    sync_all(s, db, T0 + timedelta(seconds=1), ami=ami)
    _live(db, {"8001": AgentLive(AgentState.IDLE, T0.timestamp(), None, "hotline")})
    sync_all(s, db, T0 + timedelta(seconds=at_s), ami=ami)


def test_a_callback_during_wrap_up_rings_and_talks_at_once(tmp_path: Path, db_url: str) -> None:
    """回拨 from 话后整理 (wrap-up 60 s): 外呼中 and 通话中 at once, not once the wrap-up's time is
    up (until 7 December); the member stays paused meanwhile (no queue call rings a seat on the
    phone, R-ANS-4RINGS); the callback's end starts its own wrap-up. A queue call's report
    during 话后整理 moves nothing (the queue rings no paused member)."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url, desk_wrapup_s=60)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        _wrap_up_after_l1(s, db, ami, 30)
        assert (presence.current(db, s, "8001").state, presence.current(db, s, "8001").call_id) == (P.WRAP_UP, "L1")
        _live(db, {"8001": AgentLive(AgentState.RINGING, T0.timestamp(), "L9", "hotline")})  # no dial of its own
        sync_all(s, db, T0 + timedelta(seconds=31), ami=ami)
        assert presence.current(db, s, "8001").state == P.WRAP_UP
        sent = len(ami.sent)
        _live(db, {"8001": _outbound(AgentState.RINGING, "cb-1")})
        sync_all(s, db, T0 + timedelta(seconds=32), ami=ami)
        ringing = presence.current(db, s, "8001")
        assert (ringing.state, ringing.call_id) == (P.RINGING, "cb-1")
        _live(db, {"8001": _outbound(AgentState.TALKING, "cb-1")})
        sync_all(s, db, T0 + timedelta(seconds=35), ami=ami)
        assert (presence.current(db, s, "8001").state, presence.current(db, s, "8001").call_id) == (P.TALKING, "cb-1")
        assert ami.sent[sent:] == []  # still paused for the wrap-up: nothing unpaused it
        _live(db, {"8001": _outbound(AgentState.IDLE, None)})
        sync_all(s, db, T0 + timedelta(seconds=95), ami=ami)
        wrap = presence.current(db, s, "8001")
        assert (wrap.state, wrap.call_id, wrap.wrapup_until) == (P.WRAP_UP, "cb-1", T0 + timedelta(seconds=155))


def test_a_callback_from_wrap_up_nobody_answers_goes_back_to_that_wrap_up(tmp_path: Path, db_url: str) -> None:
    """未接通: the wrap-up the dial interrupted goes on until its own end; a dial that rang past
    that end leaves the agent available, the member unpaused."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url, desk_wrapup_s=60)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        _wrap_up_after_l1(s, db, ami, 10)  # wrap-up until T0 + 70 s
        for call_id, ends in (("cb-1", 40), ("cb-2", 80)):
            _live(db, {"8001": _outbound(AgentState.RINGING, call_id)})
            sync_all(s, db, T0 + timedelta(seconds=ends - 20), ami=ami)
            assert presence.current(db, s, "8001").state == P.RINGING
            _live(db, {"8001": _outbound(AgentState.IDLE, None)})
            sent = len(ami.sent)
            sync_all(s, db, T0 + timedelta(seconds=ends), ami=ami)
            after = presence.current(db, s, "8001")
            if call_id == "cb-1":
                assert (after.state, after.call_id, after.wrapup_until) == (P.WRAP_UP, "L1", T0 + timedelta(seconds=70))
                assert ami.sent[sent:] == []
        assert (after.state, after.call_id) == (P.AVAILABLE, None)
        assert ami.sent[sent:] == [("QueuePause", {"Queue": s.queue_name, "Interface": "Local/8001@agents/n",
                                                  "Paused": "false"})]
