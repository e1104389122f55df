"""Presence on the real private Asterisk (issue 13 §1): log in / out are QueueAdd / QueueRemove,
busy, break and after-call work are QueuePause with a reason, members survive a restart, and every
change is a desk_presence row (who, state, reason, from, until, by whom)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ami_listener.live import LiveView
from hotline.desk import members, presence
from hotline.desk.live import sync_all
from hotline.desk.presence import CallPhase
from hotline.desk.reapply import reapply
from hotline.desk.refusals import Refusal
from hotline.models import LiveState
from hotline.models.desk import PresenceChange
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import (
    desk_settings,
    dynamic_templates,
    eventually,
    quiet,
)
from tests.ivr.conftest import place_call
from tests.support.pbx import EventTap

pytestmark = pytest.mark.asterisk


def _logout_all(s: Settings, db: Session, ami: Ami) -> None:
    for agent in s.agents:
        presence.set_state(s, db, agent, P.LOGGED_OUT, ami=ami)
        members.remove(ami, s, agent)  # a member left by an earlier test's database


def test_login_logout_are_queue_membership(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    s = desk_pbx.settings
    _logout_all(s, db, ami)
    assert "8001" not in members.status(ami, s)
    r = presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami)
    assert r.ok and r.changed and r.presence.state == P.AVAILABLE
    m = members.status(ami, s)["8001"]
    assert (m.interface, m.dynamic, m.paused) == ("Local/8001@agents/n", True, False)
    again = presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami)
    assert again.ok and not again.changed  # a second tab's login changes nothing
    out = presence.set_state(s, db, "8001", P.LOGGED_OUT, ami=ami)
    assert out.ok and out.presence.state == P.LOGGED_OUT
    assert "8001" not in members.status(ami, s)
    rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001")
                      .order_by(PresenceChange.id)).all()
    assert [(r.previous, r.state, r.by) for r in rows] == [("logged_out", "available", "8001"),
                                                           ("available", "logged_out", "8001")]
    assert rows[0].ended_at == rows[1].started_at and rows[1].ended_at is None


def test_unknown_agent_and_reason_are_refused(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    s = desk_pbx.settings
    stranger = presence.set_state(s, db, "9999", P.AVAILABLE, ami=ami)
    assert "not an agent" in stranger.message and stranger.reason == Refusal.NOT_AN_AGENT
    r = presence.set_state(s, db, "8001", P.BREAK, "打游戏", ami=ami)
    assert not r.ok and "用餐" in r.message and r.reason == Refusal.BREAK_REASON
    phase = presence.set_state(s, db, "8001", P.TALKING, ami=ami)
    assert not phase.ok and phase.reason == Refusal.NOT_CHOSEN


def test_break_pauses_the_member_and_the_queue_rings_someone_else(desk_pbx: Asterisk, db: Session,
                                                                   ami: Ami) -> None:
    """R-ANS-4RINGS' queue goes on without 8001: on a break (小休, reason 用餐) it is paused with
    that reason, and a call rings 8002 only."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    _logout_all(s, db, ami)
    for agent in ("8001", "8002"):
        assert presence.set_state(s, db, agent, P.AVAILABLE, ami=ami).ok
    r = presence.set_state(s, db, "8001", P.BREAK, "用餐", ami=ami)
    assert r.ok and r.presence.reason == "用餐"
    m = members.status(ami, s)["8001"]
    assert m.paused and m.reason == "break:用餐"
    with EventTap(s) as tap:
        call = place_call(s, "13800000401", stay=6, __SIM_RING="1", __SIM_TALK="2")
        tap.wait_for(lambda e: e.name == "AgentConnect" and e.get("Linkedid") == call.call_id, 20)
        tap.wait_call_gone(call.call_id)
        rung = {e.get("MemberName") for e in tap.events("AgentCalled", Linkedid=call.call_id)}
    assert rung == {"8002"}
    back = presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami)
    assert back.ok and not members.status(ami, s)["8001"].paused
    _logout_all(s, db, ami)


def test_supervisor_forces_a_break_and_a_logout_audited(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    s = desk_pbx.settings
    _logout_all(s, db, ami)
    presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami)
    r = presence.force(s, db, "supervisor", "8003", P.BREAK, "会议", ami=ami)
    assert r.ok and members.status(ami, s)["8003"].paused
    presence.force(s, db, "supervisor", "8003", P.LOGGED_OUT, ami=ami)
    assert "8003" not in members.status(ami, s)
    rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8003", PresenceChange.forced)
                      .order_by(PresenceChange.id)).all()
    assert [(r.state, r.reason, r.by) for r in rows] == [("break", "会议", "supervisor"),
                                                        ("logged_out", None, "supervisor")]


def test_after_call_work_pauses_then_resumes(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    """话后整理: an answered call that ends pauses the agent for desk_wrapup_s (2 s here); 继续整理
    extends it; the scheduler's sync ends it once its time is up; 返回接听 ends it early."""
    s = desk_pbx.settings
    _logout_all(s, db, ami)
    presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami)
    t0 = datetime.now(UTC)
    assert presence.on_call_event(s, db, "8001", CallPhase.RINGING, "c-1", t0, ami=ami).presence.state == P.RINGING
    assert presence.on_call_event(s, db, "8001", CallPhase.ANSWERED, "c-1", t0, ami=ami).presence.state == P.TALKING
    # another call's end does not end this one
    assert presence.on_call_event(s, db, "8001", CallPhase.ENDED, "c-other", t0, ami=ami).presence.state == P.TALKING
    end = t0 + timedelta(seconds=30)
    r = presence.on_call_event(s, db, "8001", CallPhase.ENDED, "c-1", end, ami=ami)
    assert r.presence.state == P.WRAP_UP and r.presence.wrapup_left_s(end) == 2.0
    m = members.status(ami, s)["8001"]
    assert m.paused and m.reason == "wrap-up"
    assert sync_all(s, db, end + timedelta(seconds=1), ami=ami) == 0
    ext = presence.extend_wrapup(s, db, "8001", now=end + timedelta(seconds=1))
    assert ext.ok and ext.presence.wrapup_until == end + timedelta(seconds=4)
    assert sync_all(s, db, end + timedelta(seconds=3), ami=ami) == 0
    assert sync_all(s, db, end + timedelta(seconds=4), ami=ami) == 1
    done = presence.current(db, s, "8001")
    assert (done.state, done.by) == (P.AVAILABLE, "system")
    assert not members.status(ami, s)["8001"].paused
    # a second call, ended early by the agent (返回接听)
    presence.on_call_event(s, db, "8001", CallPhase.ANSWERED, "c-2", end, ami=ami)
    presence.on_call_event(s, db, "8001", CallPhase.ENDED, "c-2", end + timedelta(seconds=10), ami=ami)
    assert members.status(ami, s)["8001"].paused
    early = presence.end_wrapup(s, db, "8001", now=end + timedelta(seconds=11), ami=ami)
    assert early.ok and early.presence.state == P.AVAILABLE and not members.status(ami, s)["8001"].paused
    assert not presence.end_wrapup(s, db, "8001", ami=ami).ok  # not in wrap-up any more: a message
    # a ring that is not answered: available again, no wrap-up
    presence.on_call_event(s, db, "8001", CallPhase.RINGING, "c-3", end, ami=ami)
    assert presence.on_call_event(s, db, "8001", CallPhase.ENDED, "c-3", end, ami=ami).presence.state == P.AVAILABLE
    _logout_all(s, db, ami)


def test_busy_during_a_call_stays_busy_after_it(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    s = desk_pbx.settings
    _logout_all(s, db, ami)
    presence.set_state(s, db, "8002", P.AVAILABLE, ami=ami)
    now = datetime.now(UTC)
    presence.on_call_event(s, db, "8002", CallPhase.ANSWERED, "c-9", now, ami=ami)
    assert not presence.set_state(s, db, "8002", P.AVAILABLE, ami=ami).ok  # on a call
    assert presence.set_state(s, db, "8002", P.BUSY, ami=ami).ok
    assert presence.on_call_event(s, db, "8002", CallPhase.ENDED, "c-9", now, ami=ami).presence.state == P.BUSY
    assert members.status(ami, s)["8002"].reason == "busy"
    _logout_all(s, db, ami)


def test_members_survive_an_asterisk_restart(tmp_path: Path, pbx_settings: Settings, built_prompts: Any,
                                             db: Session) -> None:
    """persistentmembers (queues.conf): the desk's dynamic members and their pause come back after
    Asterisk restarts; reapply() then has nothing to change."""
    s = desk_settings(tmp_path / "var")
    ast = Asterisk(s, dynamic_templates(tmp_path)).start()
    try:
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami)
            presence.set_state(s, db, "8002", P.AVAILABLE, ami=ami)
            presence.set_state(s, db, "8002", P.BREAK, "培训", ami=ami)
            presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami)
            presence.set_state(s, db, "8003", P.LOGGED_OUT, ami=ami)
        ast.stop()
        ast.start()
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            live = eventually(lambda: members.status(ami, s) or None, 5, "queue members")
            assert {a: live[a].paused for a in live} == {"8001": False, "8002": True}
            assert reapply(s, db, ami=ami) == []
            # a PBX that lost them (its astdb gone): reapply puts them back as stored
            members.remove(ami, s, "8001")
            members.remove(ami, s, "8002")
            assert sorted(reapply(s, db, ami=ami)) == ["8001", "8002"]
            live = members.status(ami, s)
            assert {a: live[a].paused for a in live} == {"8001": False, "8002": True}
            # 8003 logged out at the desk, added again behind its back (another CTI): the queue
            # would ring an agent the desk shows 下线 — reapply takes it out
            members.add(ami, s, "8003")
            assert reapply(s, db, ami=ami) == ["8003"]
            assert sorted(members.status(ami, s)) == ["8001", "8002"]
    finally:
        ast.stop()


def _follow(s: Settings, db: Session, ami: Ami, view: LiveView, tap: EventTap) -> None:
    """The tap's events taken as in production: the listener's live view, its snapshot written at
    each agent's change (``live_push``), and the scheduler's sync of every agent after it."""
    for m in list(tap.messages):
        if m.kind != "event":
            continue
        view.feed(m)
        if not view.urgent:
            continue
        at = m.timestamp or time.time()
        data = view.snapshot(at).to_dict()
        row = db.get(LiveState, s.server_id)
        if row is None:
            db.add(LiveState(server=s.server_id, updated_at=datetime.now(UTC), data=data))
        else:
            row.data = data
        db.flush()
        sync_all(s, db, datetime.fromtimestamp(at, UTC), ami=ami)


def test_real_calls_drive_ringing_talking_and_after_call_work(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    """A real queue call answered by 8001, its events taken by the listener's live view and the
    scheduler's sync: 8001 rang, talked, and is in 话后整理 — paused, so the next call rings 8002;
    once the scheduler's sync ends it, 8001 is rung again."""
    s = desk_pbx.settings.replace(desk_wrapup_s=60)
    quiet(desk_pbx)
    _logout_all(s, db, ami)
    for agent in ("8001", "8002"):
        presence.set_state(s, db, agent, P.AVAILABLE, ami=ami)

    view = LiveView()

    def call(caller: str) -> tuple[str, set[str | None]]:
        with EventTap(s) as tap:
            placed = place_call(s, caller, stay=5, __SIM_RING="1", __SIM_TALK="1")
            tap.wait_call_gone(placed.call_id)
            answered = {e.get("MemberName") for e in tap.events("AgentConnect", Linkedid=placed.call_id)}
            for agent in answered:
                # the queue's last word can trail the hang-ups, and may come without the caller's
                # fields (no Linkedid: ASTERISK-NOTES), so it is the member's
                tap.wait_for(lambda m, a=agent: m.name == "AgentComplete" and m.get("MemberName") == a, 15)
            _follow(s, db, ami, view, tap)
            return placed.call_id, answered

    first, answered = call("13800000421")
    assert answered == {"8001"}
    rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001", PresenceChange.call_id == first)
                      .order_by(PresenceChange.id)).all()
    assert [r.state for r in rows] == ["ringing", "talking", "wrap_up"]
    assert members.status(ami, s)["8001"].reason == "wrap-up"
    _second, answered = call("13800000422")
    assert answered == {"8002"}, "8001 is in after-call work: the queue rang 8002"
    wrap = presence.current(db, s, "8001")
    assert wrap.state == P.WRAP_UP and wrap.wrapup_until is not None
    assert sync_all(s, db, wrap.wrapup_until, ami=ami) == 1  # 8002's wrap-up, begun later, goes on
    assert presence.current(db, s, "8001").state == P.AVAILABLE
    assert not members.status(ami, s)["8001"].paused
    presence.end_wrapup(s, db, "8002", ami=ami)  # 8002's own wrap-up after the second call
    _third, answered = call("13800000423")
    assert answered == {"8001"}
    _logout_all(s, db, ami)
