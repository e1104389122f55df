"""The live snapshot (``live_state.data``): the listener writes it, the wallboard reads it, with
the one dataclass; rows written by older listeners or damaged by hand still read."""

from __future__ import annotations

import json

from hotline.live_snapshot import PAUSE_REASON_MAX, AgentLive, LiveSnapshot, PauseChange, WaitingCaller
from hotline.vocabulary import AgentState


def test_round_trip_through_json() -> None:
    snap = LiveSnapshot({"hotline": [WaitingCaller("1.1", "13800000001", "王伟", 100.5)]},
                        {"8001": AgentLive(AgentState.TALKING, 99.0, "1.0", "hotline")}, gap=True, updated=101.0)
    data = json.loads(json.dumps(snap.to_dict()))
    assert data == {"queues": {"hotline": {"waiting": [{"call_id": "1.1", "caller_number": "13800000001",
                                                        "caller_name": "王伟", "since": 100.5}]}},
                    "agents": {"8001": {"state": "talking", "since": 99.0, "call_id": "1.0", "queue": "hotline"}},
                    "gap": True, "updated": 101.0}
    assert LiveSnapshot.from_dict(data) == snap


def test_old_and_damaged_rows_still_read() -> None:
    # ISO times (older rows and the test factory), an unknown state, entries of the wrong type
    snap = LiveSnapshot.from_dict({
        "queues": {"hotline": {"waiting": [{"since": "2026-01-01T00:00:30"}, "garbage"]},
                   "other": "garbage", "third": {"waiting": "garbage"}},
        "agents": {"8001": {"state": "weird"}, "8002": "garbage", "8003": {"state": "paused", "since": 5}},
        "gap": 1})
    assert [w.since for w in snap.queues["hotline"]] == [1767225630.0, None]
    assert snap.queues["other"] == [] and snap.queues["third"] == []
    assert snap.agents["8001"].state == AgentState.UNAVAILABLE
    assert snap.agents["8002"].state == AgentState.UNAVAILABLE
    assert snap.agents["8003"] == AgentLive(AgentState.PAUSED, 5.0, None, None)
    assert snap.gap is True and snap.updated is None
    nothings: list[object] = [None, "garbage", [], {"queues": "garbage", "agents": None}]
    for nothing in nothings:
        assert LiveSnapshot.from_dict(nothing) == LiveSnapshot()


def test_an_internal_call_mark_round_trips_and_older_rows_read_without_it() -> None:
    """AgentLive.internal (内部通话 on the wallboard, issue #12) is written only when set."""
    snap = LiveSnapshot({}, {"8001": AgentLive(AgentState.TALKING, 1.0, None, "q", internal=True),
                             "8002": AgentLive(AgentState.IDLE, 1.0, None, "q")})
    d = snap.to_dict()
    assert d["agents"]["8001"]["internal"] is True and "internal" not in d["agents"]["8002"]
    assert LiveSnapshot.from_dict(d) == snap
    odd = LiveSnapshot.from_dict({"agents": {"8001": {"state": "talking", "internal": "yes"}}})
    assert odd.agents["8001"].internal is False  # only a JSON true marks it


def test_the_pbx_pause_change_round_trips_and_older_rows_read_without_it() -> None:
    a = AgentLive(AgentState.PAUSED, 99.0, None, "hotline", pause=PauseChange(98.5, True, "crm"))
    data = json.loads(json.dumps(LiveSnapshot(agents={"8001": a}).to_dict()))
    assert data["agents"]["8001"]["pause"] == {"at": 98.5, "paused": True, "reason": "crm"}
    assert LiveSnapshot.from_dict(data).agents["8001"] == a
    assert "pause" not in AgentLive(AgentState.IDLE, 1.0).to_dict()  # absent when unset
    old = {"agents": {"8001": {"state": "idle", "since": 1.0, "call_id": None, "queue": "hotline"}}}
    assert LiveSnapshot.from_dict(old).agents["8001"].pause is None


def test_a_damaged_or_hostile_pause_change_reads_safely() -> None:
    agents = {"1": {"state": "paused", "pause": "garbage"}, "2": {"state": "paused", "pause": {"paused": True}},
              "3": {"state": "paused", "pause": {"at": 5, "paused": "yes"}},
              "4": {"state": "paused", "pause": {"at": 5, "paused": True, "reason": "x" * 100_000}},
              "5": {"state": "paused", "pause": {"at": "2026-12-06T00:00:00", "paused": False, "reason": None}}}
    snap = LiveSnapshot.from_dict({"agents": agents})
    assert [snap.agents[k].pause for k in "123"] == [None, None, None]
    assert snap.agents["4"].pause == PauseChange(5.0, True, "x" * PAUSE_REASON_MAX)
    assert snap.agents["5"].pause == PauseChange(1796515200.0, False, "")
