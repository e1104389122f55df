"""The desk's presence follows a member added to or removed from its queue on the PBX — an
operator's ``queue remove member``, another CTI's QueueAdd / QueueRemove — (hotline.desk.pbx_follow
.member_follows / follow_pbx, run by hotline.desk.live.sync): removed while logged in → 下线,
added while 下线 → 示闲 (or 示忙 / 小休 when added paused), by the PBX, from the event's time, no
AMI action. Until 6 December the desk kept saying 示闲 (and the agent-time figures counted it
available) while the queue no longer rang the agent, and 下线 while it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.live import LiveView
from ami_listener.reader import Message
from hotline.db import open_db
from hotline.desk import presence
from hotline.desk.live import agent_in, sync_all
from hotline.desk.pbx_follow import PBX_MARGIN_S, member_follows
from hotline.desk.presence import CallPhase, PresenceView
from hotline.live_snapshot import AgentLive, LiveSnapshot, MemberChange, PauseChange
from hotline.metrics.agent_time import agent_time
from hotline.models.desk import PresenceChange
from hotline.settings import load
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import capture
from tests.hotline.desk.conftest import set_snapshot
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
BREAKS = ["用餐", "培训", "会议", "其他"]
LATER = 10.0  # seconds after the stored row: well past the margin


def _added(after_s: float, paused: bool = False, reason: str = "") -> MemberChange:
    return MemberChange(T0.timestamp() + after_s, True, paused, reason)


def _removed(after_s: float) -> MemberChange:
    return MemberChange(T0.timestamp() + after_s, False)


# stored state (and reason), the PBX's change → result
TABLE = [
    # removed elsewhere while logged in, whatever the state: 下线
    ((P.AVAILABLE, None), _removed(LATER), (P.LOGGED_OUT, None)),
    ((P.BUSY, "crm"), _removed(LATER), (P.LOGGED_OUT, None)),
    ((P.BREAK, "用餐"), _removed(LATER), (P.LOGGED_OUT, None)),
    ((P.WRAP_UP, None), _removed(LATER), (P.LOGGED_OUT, None)),
    # mid-call: the queue rings the agent no more; the call goes on
    ((P.RINGING, None), _removed(LATER), (P.LOGGED_OUT, None)),
    ((P.TALKING, None), _removed(LATER), (P.LOGGED_OUT, None)),
    # added elsewhere while 下线: 示闲; added paused, as a pause while 示闲 reads its reason
    ((P.LOGGED_OUT, None), _added(LATER), (P.AVAILABLE, None)),
    ((P.LOGGED_OUT, None), _added(LATER, True), (P.BUSY, None)),  # Asterisk 16.28's QueueAdd: no reason
    ((P.LOGGED_OUT, None), _added(LATER, True, "crm"), (P.BUSY, "crm")),
    ((P.LOGGED_OUT, None), _added(LATER, True, "培训"), (P.BREAK, "培训")),
    ((P.LOGGED_OUT, None), _added(LATER, True, "x" * 200), (P.BUSY, "x" * presence.REASON_MAX)),
    # no contradiction (the desk's own log-in / log-out, its row stored first): nothing to do
    ((P.AVAILABLE, None), _added(LATER), None),
    ((P.BUSY, None), _added(LATER, True), None),
    ((P.LOGGED_OUT, None), _removed(LATER), None),
    # within the margin, or older than the row: the row stands
    ((P.AVAILABLE, None), _removed(PBX_MARGIN_S), None),
    ((P.AVAILABLE, None), _removed(-LATER), None),
    ((P.LOGGED_OUT, None), _added(PBX_MARGIN_S - 0.5), None),
    ((P.LOGGED_OUT, None), _added(PBX_MARGIN_S + 0.5), (P.AVAILABLE, None)),
]


@pytest.mark.parametrize(("stored", "change", "result"), TABLE)
def test_the_member_rule(stored: tuple[P, str | None], change: MemberChange,
                         result: tuple[P, str | None] | None) -> None:
    cur = PresenceView("8001", stored[0], stored[1], T0, "8001")
    assert member_follows(cur, change, BREAKS) == result


def test_no_change_seen_or_no_stored_row_moves_nothing() -> None:
    assert member_follows(PresenceView("8001", P.AVAILABLE, None, T0), None, BREAKS) is None
    assert member_follows(PresenceView("8001", P.LOGGED_OUT), _added(LATER), BREAKS) is None


def test_after_a_followed_change_no_margin_applies() -> None:
    """Removed and added back within a second on the PBX: both followed (the row carries the PBX's time)."""
    cur = PresenceView("8001", P.LOGGED_OUT, None, T0, presence.PBX)
    assert member_follows(cur, _added(PBX_MARGIN_S / 2), BREAKS) == (P.AVAILABLE, None)


def test_a_real_cti_adding_and_removing_a_member() -> None:
    """Capture foreign_cti_members (Asterisk 16.28): another CTI adds 8003 to ``cti`` paused (the
    reason it gives is dropped), then to ``second``, removes it from ``cti``, adds it back, removes
    it from both. The listener's snapshot keeps each add / remove per queue, across the JSON the
    desk reads back; a member of two queues removed from one stays on the wallboard; the desk,
    whose queue is ``cti``, goes 示忙, 下线, 示闲, 下线."""
    view = LiveView()
    seen: list[tuple[str, str, bool, tuple[P, str | None] | None]] = []
    cur = PresenceView("8003", P.LOGGED_OUT, None, datetime.fromtimestamp(0, UTC), "8003")
    for msg in capture("foreign_cti_members"):
        view.feed(msg)
        if msg.name not in ("QueueMemberAdded", "QueueMemberRemoved") or msg.headers.get("MemberName") != "8003":
            continue
        snap = LiveSnapshot.from_dict(view.snapshot(0.0).to_dict())
        added = msg.name == "QueueMemberAdded"
        assert snap.members["8003"][msg.headers["Queue"]] == MemberChange(
            msg.timestamp or 0.0, added, added and msg.headers.get("Paused") == "1")
        live, _call, _gap = agent_in([snap], "8003", "cti")
        assert live is not None and live.member == snap.members["8003"]["cti"]
        to = member_follows(cur, live.member, BREAKS)
        if to is not None:
            cur = PresenceView("8003", to[0], to[1], datetime.fromtimestamp(live.member.at, UTC), presence.PBX)
        seen.append((msg.name, msg.headers["Queue"], "8003" in snap.agents, to))
    assert seen == [("QueueMemberAdded", "cti", True, (P.BUSY, None)),
                    ("QueueMemberAdded", "second", True, None),
                    ("QueueMemberRemoved", "cti", True, (P.LOGGED_OUT, None)),  # still in second
                    ("QueueMemberAdded", "cti", True, (P.AVAILABLE, None)),
                    ("QueueMemberRemoved", "cti", True, (P.LOGGED_OUT, None)),
                    ("QueueMemberRemoved", "second", False, None)]  # 下线 already


def test_a_reconnects_rebuild_is_no_add() -> None:
    """After a reconnect the listener rebuilds its view from QueueStatus: its members are a state,
    not an add (``reapply`` puts the stored presence back on them), and what was kept before is
    forgotten with the rest of the view."""
    view = LiveView()
    view.feed(Message({"Event": "QueueMemberRemoved", "Timestamp": "5.0", "Queue": "hotline",
                       "MemberName": "8002"}, b""))
    assert view.snapshot(6.0).members["8002"]["hotline"] == MemberChange(5.0, False)
    view.rebuild([{"Event": "QueueMember", "Queue": "hotline", "Name": "8001", "Status": "1", "Paused": "0"}], [],
                  10.0)
    snap = view.snapshot(11.0)
    assert "8001" in snap.agents and snap.members == {}
    assert agent_in([snap], "8001", "hotline")[0] == snap.agents["8001"]  # no member change on it


def test_a_damaged_members_entry_is_left_out() -> None:
    """A ``live_state`` row damaged by hand (or written by a hostile listener) never breaks a
    read: an entry one could not act on is left out, the others kept, a reason cut."""
    snap = LiveSnapshot.from_dict({"members": {
        "8001": {"hotline": {"at": "x", "added": True}, "other": {"at": 5, "added": False}},
        "8002": "junk", "8003": {"hotline": {"at": 1, "added": "yes"}},
        "8004": {"hotline": {"at": 2, "added": True, "paused": True, "reason": "忙" * 500}}}})
    assert snap.members == {"8001": {"other": MemberChange(5.0, False)},
                            "8004": {"hotline": MemberChange(2.0, True, True, "忙" * 128)}}


def _live(db, snap: LiveSnapshot) -> None:  # type: ignore[no-untyped-def]
    set_snapshot(db, snap, T0)


def _rows(db) -> list[tuple[str, str, datetime]]:  # type: ignore[no-untyped-def]
    got = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001").order_by(PresenceChange.id)).all()
    return [(r.state, r.by, r.started_at.replace(tzinfo=UTC)) for r in got]


def test_the_scheduler_follows_a_removal_and_an_add_without_any_ami(tmp_path: Path, db_url: str) -> None:
    """An operator removes 8001 from the desk's queue at +30 s and a CTI adds it back paused with
    a break reason at +630 s: 下线 by the PBX from the PBX's time, then 小休; the agent-time figures
    count the 600 s logged out, not available. No AMI action: the PBX is in that state already."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
        sent = len(ami.sent)
        _live(db, LiveSnapshot(members={"8001": {s.queue_name: _removed(30)}}))  # gone from every queue
        assert sync_all(s, db, T0 + timedelta(seconds=31), ami=ami) == 1
        assert sync_all(s, db, T0 + timedelta(seconds=32), ami=ami) == 0  # followed once
        member = _added(630, True, "用餐")
        _live(db, LiveSnapshot(agents={"8001": AgentLive(AgentState.PAUSED, member.at, queue=s.queue_name)},
                               members={"8001": {s.queue_name: member}}))
        sync_all(s, db, T0 + timedelta(seconds=631), ami=ami)
        assert len(ami.sent) == sent
        assert _rows(db) == [("available", "8001", T0), ("logged_out", "pbx", T0 + timedelta(seconds=30)),
                             ("break", "pbx", T0 + timedelta(seconds=630))]
        assert presence.current(db, s, "8001").reason == "用餐"
        _team, per = agent_time(db, s, T0, T0 + timedelta(seconds=700), now=T0 + timedelta(seconds=700))
        assert (per["8001"].available_s, per["8001"].logged_in_s) == (30.0, 100.0)


def test_a_removal_from_another_queue_is_not_a_log_out(tmp_path: Path, db_url: str) -> None:
    """8001 is a member of the desk's queue and of an operator's other one: removed from the
    other, it still takes the desk's calls — 示闲 stands."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi())
        _live(db, LiveSnapshot(agents={"8001": AgentLive(AgentState.IDLE, T0.timestamp(), queue=s.queue_name)},
                               members={"8001": {"sales": _removed(30), s.queue_name: _added(-5)}}))
        assert sync_all(s, db, T0 + timedelta(seconds=31), ami=RecordingAmi()) == 0
        assert presence.current(db, s, "8001").state == P.AVAILABLE


def test_removed_mid_call_is_logged_out_with_no_wrap_up(tmp_path: Path, db_url: str) -> None:
    """A removal during a call is a log-out the queue acts on (no next call rings the agent): 下线
    at once. The listener forgets a removed member, so the call looks over; a wrap-up would pause
    a member that is no more (the PBX refuses: the presence stuck in 通话中, retried every tick)."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
        assert presence.on_call_event(s, db, "8001", CallPhase.ANSWERED, "L1", T0 + timedelta(seconds=5)).ok
        ami.sent.clear()
        _live(db, LiveSnapshot(members={"8001": {s.queue_name: _removed(20)}}))
        sync_all(s, db, T0 + timedelta(seconds=21), ami=ami)
        sync_all(s, db, T0 + timedelta(seconds=22), ami=ami)
        assert [r[:2] for r in _rows(db)] == [("available", "8001"), ("talking", "system"), ("logged_out", "pbx")]
        assert ami.sent == []


def test_a_pause_and_a_log_out_on_the_pbx_are_followed_in_their_order(tmp_path: Path, db_url: str) -> None:
    """A CTI pauses 8001 at +20 s and an operator removes it at +30 s, both seen at one tick:
    示忙 from +20, 下线 from +30. The other way round (removed, then a pause of the member it
    left: only a static member's), 下线 stays."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi())
        paused = AgentLive(AgentState.PAUSED, T0.timestamp(), queue=s.queue_name,
                           pause=PauseChange(T0.timestamp() + 20, True, "crm"))
        _live(db, LiveSnapshot(agents={"8001": paused}, members={"8001": {s.queue_name: _removed(30)}}))
        sync_all(s, db, T0 + timedelta(seconds=31), ami=RecordingAmi())
        assert _rows(db)[1:] == [("busy", "pbx", T0 + timedelta(seconds=20)),
                                 ("logged_out", "pbx", T0 + timedelta(seconds=30))]
        paused = AgentLive(AgentState.PAUSED, T0.timestamp(), queue=s.queue_name,
                           pause=PauseChange(T0.timestamp() + 50, True, "crm"))
        _live(db, LiveSnapshot(agents={"8001": paused}, members={"8001": {s.queue_name: _removed(30)}}))
        sync_all(s, db, T0 + timedelta(seconds=51), ami=RecordingAmi())
        assert presence.current(db, s, "8001").state == P.LOGGED_OUT


def test_a_member_added_unpaused_while_out_is_not_paused_back(tmp_path: Path, db_url: str) -> None:
    """下线, then on the PBX an unpause (+10 s) and an add (+12 s): the agent is logged in there —
    示闲, and the unpause is not paused back as a logged-out agent's (``_keep_logged_out``)."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0 - timedelta(seconds=5), ami=ami)
        presence.set_state(s, db, "8001", P.LOGGED_OUT, now=T0, ami=ami)
        ami.sent.clear()
        live = AgentLive(AgentState.IDLE, T0.timestamp(), queue=s.queue_name,
                         pause=PauseChange(T0.timestamp() + 10, False, "phone"))
        _live(db, LiveSnapshot(agents={"8001": live}, members={"8001": {s.queue_name: _added(12)}}))
        sync_all(s, db, T0 + timedelta(seconds=13), ami=ami)
        view = presence.current(db, s, "8001")
        assert (view.state, view.by, ami.sent) == (P.AVAILABLE, presence.PBX, [])
