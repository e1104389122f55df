"""The desk's presence follows a pause made on the PBX — a desk phone's pause key, another CTI's
QueuePause — (hotline.desk.presence.pbx_follows / follow_pbx, run by hotline.desk.live.sync): a
change newer than the stored row by more than the margin, not ours, that contradicts it. Until
6 December the desk said 示闲 while the queue no longer rang the agent, and the agent-time
figures counted that time available."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.db import open_db
from hotline.desk import members, presence
from hotline.desk.live import sync_all
from hotline.desk.presence import PBX_MARGIN_S, PresenceView, pbx_follows
from hotline.live_snapshot import AgentLive, LiveSnapshot, PauseChange
from hotline.metrics.agent_time import agent_time
from hotline.models import LiveState
from hotline.models.desk import PresenceChange
from hotline.settings import load
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
BREAKS = ["用餐", "培训", "会议", "其他"]
LATER = 10.0  # seconds after the stored row: well past the margin
HOSTILE = "<script>x</script>" + "忙" * 500


def _change(after_s: float, paused: bool, reason: str = "") -> PauseChange:
    return PauseChange(T0.timestamp() + after_s, paused, reason)


# stored state (and reason), the PBX's change (seconds after the row, paused, reason) → result
TABLE = [
    # paused elsewhere while 示闲: 示忙 keeping the text, or 小休 with a break reason
    ((P.AVAILABLE, None), (LATER, True, "crm"), (P.BUSY, "crm")),
    ((P.AVAILABLE, None), (LATER, True, "phone"), (P.BUSY, "phone")),
    ((P.AVAILABLE, None), (LATER, True, ""), (P.BUSY, None)),
    ((P.AVAILABLE, None), (LATER, True, "培训"), (P.BREAK, "培训")),
    ((P.AVAILABLE, None), (LATER, True, HOSTILE), (P.BUSY, HOSTILE[:presence.REASON_MAX])),
    # unpaused elsewhere while paused: 示闲 (a wrap-up ends)
    ((P.BUSY, None), (LATER, False, ""), (P.AVAILABLE, None)),
    ((P.BREAK, "用餐"), (LATER, False, "phone"), (P.AVAILABLE, None)),
    ((P.WRAP_UP, None), (LATER, False, ""), (P.AVAILABLE, None)),
    # our own pauses are not followed, whatever the stored state says
    ((P.AVAILABLE, None), (LATER, True, "busy"), None),
    ((P.AVAILABLE, None), (LATER, True, "wrap-up"), None),
    ((P.AVAILABLE, None), (LATER, True, "break:用餐"), None),
    ((P.AVAILABLE, None), (LATER, True, members.LOGGED_OUT_REASON), None),
    # no contradiction: nothing to do
    ((P.AVAILABLE, None), (LATER, False, ""), None),
    ((P.BUSY, None), (LATER, True, "crm"), None),
    ((P.BREAK, "用餐"), (LATER, True, "crm"), None),
    # within the margin, or older than the row: the row stands
    ((P.AVAILABLE, None), (PBX_MARGIN_S, True, "crm"), None),
    ((P.BUSY, None), (PBX_MARGIN_S - 0.5, False, ""), None),
    ((P.BUSY, None), (-LATER, False, ""), None),
    ((P.AVAILABLE, None), (PBX_MARGIN_S + 0.5, True, "crm"), (P.BUSY, "crm")),
    # the calls own ringing and talking, the login owns 下线
    ((P.RINGING, None), (LATER, True, "crm"), None),
    ((P.TALKING, None), (LATER, True, "crm"), None),
    ((P.TALKING, None), (LATER, False, ""), None),
    ((P.LOGGED_OUT, None), (LATER, False, "phone"), None),
    ((P.LOGGED_OUT, None), (LATER, True, "crm"), None),
]


@pytest.mark.parametrize(("stored", "change", "result"), TABLE)
def test_the_follow_rule(stored: tuple[P, str | None], change: tuple[float, bool, str],
                         result: tuple[P, str | None] | None) -> None:
    cur = PresenceView("8001", stored[0], stored[1], T0, "8001")
    assert pbx_follows(cur, _change(*change), BREAKS) == result


def test_no_change_seen_or_no_stored_row_moves_nothing() -> None:
    assert pbx_follows(PresenceView("8001", P.AVAILABLE, None, T0), None, BREAKS) is None
    assert pbx_follows(PresenceView("8001", P.LOGGED_OUT), _change(LATER, True, "crm"), BREAKS) is None


def _live(db, agents: dict[str, AgentLive]) -> None:  # type: ignore[no-untyped-def]
    row = db.get(LiveState, "pbx1")
    data = LiveSnapshot(agents=agents).to_dict()
    if row is None:
        db.add(LiveState(server="pbx1", updated_at=T0, data=data))
    else:
        row.data = data
    db.flush()


def _idle(pause: PauseChange | None) -> AgentLive:
    state = AgentState.PAUSED if pause is not None and pause.paused else AgentState.IDLE
    return AgentLive(state, T0.timestamp(), None, "hotline", pause=pause)


def test_the_scheduler_follows_a_foreign_pause_and_unpause_without_any_ami(tmp_path: Path, db_url: str) -> None:
    """A CTI pauses 8001 at 09:00:30 and unpauses it at 09:10:30 (local time): the stored presence
    is 示忙 by the PBX from the PBX's own time, then 示闲; the agent-time figures count the 600 s
    as busy, not available. No AMI action: the PBX is in that state already."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
        sent = len(ami.sent)
        _live(db, {"8001": _idle(_change(30, True, "crm-busy"))})
        assert sync_all(s, db, T0 + timedelta(seconds=31), ami=ami) == 1
        view = presence.current(db, s, "8001")
        assert (view.state, view.by, view.reason, view.since) == (P.BUSY, presence.PBX, "crm-busy",
                                                                   T0 + timedelta(seconds=30))
        assert sync_all(s, db, T0 + timedelta(seconds=32), ami=ami) == 0  # followed once
        _live(db, {"8001": _idle(_change(630, False))})
        sync_all(s, db, T0 + timedelta(seconds=631), ami=ami)
        assert (presence.current(db, s, "8001").state, presence.current(db, s, "8001").by) == (P.AVAILABLE,
                                                                                               presence.PBX)
        assert len(ami.sent) == sent
        _team, per = agent_time(db, s, T0, T0 + timedelta(seconds=700), now=T0 + timedelta(seconds=700))
        assert (per["8001"].busy_s, per["8001"].available_s) == (600.0, 100.0)
        rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001")
                          .order_by(PresenceChange.id)).all()
        assert [(r.state, r.by) for r in rows] == [("available", "8001"), ("busy", "pbx"), ("available", "pbx")]


def test_a_break_reason_from_the_pbx_is_a_break_and_a_call_is_left_alone(tmp_path: Path, db_url: str) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        for agent in ("8001", "8002"):
            presence.set_state(s, db, agent, P.AVAILABLE, now=T0, ami=ami)
        talking = AgentLive(AgentState.TALKING, T0.timestamp(), "L1", "hotline", pause=_change(20, True, "crm"))
        _live(db, {"8001": _idle(_change(20, True, "用餐")), "8002": talking})
        sync_all(s, db, T0 + timedelta(seconds=21), ami=ami)
        assert (presence.current(db, s, "8001").state, presence.current(db, s, "8001").reason) == (P.BREAK, "用餐")
        # 8002 answers a call: talking, then 话后整理 with our own pause; the CTI's pause made during the
        # call (older than the wrap-up's row) is not followed afterwards
        assert presence.current(db, s, "8002").state == P.TALKING
        _live(db, {"8001": _idle(_change(20, True, "用餐")), "8002": _idle(_change(20, True, "crm"))})
        sync_all(s, db, T0 + timedelta(seconds=40), ami=ami)
        assert presence.current(db, s, "8002").state == P.WRAP_UP


def test_a_logged_out_static_member_unpaused_on_the_pbx_is_paused_back(tmp_path: Path, db_url: str) -> None:
    """签出 of a static member pauses it (it cannot leave the queue); the phone's pause key or a CTI
    unpausing it must not have the queue ring an agent who logged out: paused back, still 下线."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
        presence.set_state(s, db, "8001", P.LOGGED_OUT, now=T0, ami=ami)
        ami.sent.clear()
        _live(db, {"8001": _idle(_change(30, False, "phone"))})
        sync_all(s, db, T0 + timedelta(seconds=30.5), ami=ami)
        assert ami.sent == []  # a log-in at the desk in flight unpauses before its row is stored
        sync_all(s, db, T0 + timedelta(seconds=32), ami=ami)
        assert presence.current(db, s, "8001").state == P.LOGGED_OUT
        assert ami.sent == [("QueuePause", {"Queue": s.queue_name, "Interface": "Local/8001@agents/n",
                                            "Paused": "true", "Reason": members.LOGGED_OUT_REASON})]


def test_after_a_followed_change_no_margin_applies() -> None:
    """A row followed from the PBX is stamped with the PBX's clock: the phone's key pressed twice
    within the margin is followed twice."""
    cur = PresenceView("8001", P.BUSY, "phone", T0, presence.PBX)
    assert pbx_follows(cur, _change(PBX_MARGIN_S / 2, False, "phone"), BREAKS) == (P.AVAILABLE, None)
    assert pbx_follows(cur, _change(0.0, False, "phone"), BREAKS) is None  # the same change again
