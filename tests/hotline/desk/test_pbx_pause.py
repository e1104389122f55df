"""The desk's presence follows a pause made on the PBX — a desk phone's pause key, another CTI's
QueuePause — (hotline.desk.pbx_follow.pbx_follows / follow_pbx, run by hotline.desk.live.sync): a
change newer than the stored row by more than the margin, not ours, that contradicts it. Until
6 December the desk said 示闲 while the queue no longer rang the agent, and the agent-time
figures counted that time available."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ami_listener.live import LiveView
from hotline.db import open_db
from hotline.desk import members, presence
from hotline.desk.live import sync_all
from hotline.desk.pbx_follow import PBX_MARGIN_S, pbx_follows
from hotline.desk.presence import PresenceView
from hotline.live_snapshot import AgentLive, LiveSnapshot, PauseChange
from hotline.metrics.agent_time import agent_time
from hotline.models.desk import PresenceChange
from hotline.pbx.ami import AmiError
from hotline.settings import load
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import capture
from tests.hotline.desk.conftest import set_snapshot
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
    set_snapshot(db, LiveSnapshot(agents=agents), T0)


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
        sync_all(s, db, T0 + timedelta(seconds=30.2), ami=ami)
        assert presence.current(db, s, "8001").state == P.LOGGED_OUT
        assert ami.sent == [("QueuePause", {"Queue": s.queue_name, "Interface": "Local/8001@agents/n",
                                            "Paused": "true", "Reason": members.LOGGED_OUT_REASON})]


def test_after_a_followed_change_no_margin_applies() -> None:
    """A row followed from the PBX is stamped with the PBX's clock: the phone's key pressed twice
    within the margin is followed twice."""
    cur = PresenceView("8001", P.BUSY, "phone", T0, presence.PBX)
    assert pbx_follows(cur, _change(PBX_MARGIN_S / 2, False, "phone"), BREAKS) == (P.AVAILABLE, None)
    assert pbx_follows(cur, _change(0.0, False, "phone"), BREAKS) is None  # the same change again


class RacingAmi(RecordingAmi):
    """The PBX with the scheduler's tick in the middle of a desk's action: an unpause (or a
    QueueAdd) is seen by the listener at once (the live snapshot) and the tick runs, in its own
    database session, ``tick_s`` after the action, before the desk's call returns. ``static``: the
    agents are static members (QueueAdd: "Already there", then an unpause)."""

    def __init__(self, sessions, s, at: datetime, tick_s: float, static: bool) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.sessions, self.s, self.at, self.tick_s, self.static = sessions, s, at, tick_s, static

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        super().action(name, variables, **fields)
        if name == "QueueAdd" and self.static:
            raise AmiError("AMI action QueueAdd: Unable to add interface: Already there")
        if (name, fields.get("Paused")) in (("QueuePause", "false"), ("QueueAdd", "false")):
            with self.sessions() as tick:
                _live(tick, {fields["MemberName"] if name == "QueueAdd" else "8001":
                             _idle(PauseChange(self.at.timestamp(), False))})
                tick.commit()
                sync_all(self.s, tick, self.at + timedelta(seconds=self.tick_s), ami=self)
                tick.commit()
        return {"Response": "Success"}


# the stored presence (since 10 s), the desk's action at T0, when the tick runs after the PBX's
# unpause, static members or not → the rows, in order
RACES = [
    ((P.BUSY, None), "available", 0.2, False, [("busy", "8001"), ("available", "8001")]),
    ((P.BREAK, "用餐"), "available", 0.2, False, [("break", "8001"), ("available", "8001")]),
    ((P.WRAP_UP, None), "end-wrapup", 0.2, False, [("wrap_up", "system"), ("available", "8001")]),
    ((P.BUSY, None), "available", 3.0, False, [("busy", "8001"), ("available", "8001")]),  # a slow row
    # a static member's log-in: its QueueAdd answers "Already there", an unpause follows; the tick
    # must not pause it back as an agent who logged out
    ((P.LOGGED_OUT, None), "available", 0.2, True, [("logged_out", "8001"), ("available", "8001")]),
    ((P.LOGGED_OUT, None), "available", 3.0, True, [("logged_out", "8001"), ("available", "8001")]),
]


@pytest.mark.parametrize(("stored", "action", "tick_s", "static", "rows"), RACES)
def test_the_desks_own_unpause_is_not_followed_whatever_the_tick_reads(
        tmp_path: Path, db_url: str, stored: tuple[P, str | None], action: str, tick_s: float, static: bool,
        rows: list[tuple[str, str]]) -> None:
    """The desk used to unpause the member and store its 示闲 row after: a tick in between read
    the row still 示忙 against the PBX's unpause, recorded 示闲 by ``pbx``, and the desk's own 示闲
    row came after it (two 示闲 rows; a static member's log-in was paused back as 下线). The row is
    now stored first: the tick reads 示闲 and follows nothing."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    before = T0 - timedelta(seconds=10)
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=before - timedelta(seconds=1), ami=RecordingAmi())
        if stored[0] == P.WRAP_UP:
            presence.record(db, s, "8001", P.WRAP_UP, before, by=presence.SYSTEM,
                             wrapup_until=T0 + timedelta(seconds=60))
        else:
            presence.set_state(s, db, "8001", stored[0], stored[1], now=before, ami=RecordingAmi())
        ami = RacingAmi(sessions, s, T0, tick_s, static)
        if action == "end-wrapup":
            result = presence.end_wrapup(s, db, "8001", now=T0, ami=ami)
        else:
            result = presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami)
        assert result.ok, result.message
        got = db.scalars(select(PresenceChange)
                         .where(PresenceChange.agent == "8001", PresenceChange.started_at >= before)
                         .order_by(PresenceChange.started_at, PresenceChange.id)).all()
        assert [(r.state, r.by) for r in got] == rows
        assert ("QueuePause", {"Queue": s.queue_name, "Interface": "Local/8001@agents/n", "Paused": "true",
                               "Reason": members.LOGGED_OUT_REASON}) not in ami.sent


def test_a_foreign_unpause_right_after_the_desks_own_change_is_still_followed(tmp_path: Path, db_url: str) -> None:
    """The desk's 示忙 stored at T0; a CTI unpauses the member 2 s later: 示闲 by the PBX."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0 - timedelta(seconds=30), ami=RecordingAmi())
        presence.set_state(s, db, "8001", P.BUSY, now=T0, ami=RecordingAmi())
        _live(db, {"8001": _idle(_change(PBX_MARGIN_S + 1, False))})
        sync_all(s, db, T0 + timedelta(seconds=PBX_MARGIN_S + 1.2), ami=RecordingAmi())
        view = presence.current(db, s, "8001")
        assert (view.state, view.by) == (P.AVAILABLE, presence.PBX)


def test_a_change_the_pbx_refuses_leaves_no_row(tmp_path: Path, db_url: str) -> None:
    """The row is stored before the AMI action: a refusal takes it back."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)

    class Refusing(RecordingAmi):
        def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
            raise AmiError("AMI action QueuePause: Interface not found")

    with sessions() as db:
        presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi())
        result = presence.set_state(s, db, "8001", P.BUSY, now=T0 + timedelta(seconds=5), ami=Refusing())
        assert not result.ok and result.presence.state == P.AVAILABLE
        view = presence.current(db, s, "8001")
        assert (view.state, view.since) == (P.AVAILABLE, T0)
        rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001")).all()
        assert [(r.state, r.ended_at) for r in rows] == [("available", None)]


def test_a_real_autopause_makes_an_available_agent_busy() -> None:
    """An operator's queue with ``autopause`` pauses a member that let a call ring out (capture
    foreign_cti_autopause, Asterisk 16.28: reason ``Auto-Pause``): the listener's live view keeps
    that change and the desk follows it — 示忙 with Asterisk's reason, as 未接自动示忙."""
    view = LiveView()
    for msg in capture("foreign_cti_autopause"):
        view.feed(msg)
    pause = view.snapshot(0.0).agents["Alice"].pause
    assert pause is not None and (pause.paused, pause.reason) == (True, "Auto-Pause")
    before = datetime.fromtimestamp(pause.at - 60, UTC)
    assert pbx_follows(PresenceView("Alice", P.AVAILABLE, None, before, "Alice"), pause, BREAKS) == \
        (P.BUSY, "Auto-Pause")


class _SlowAmi(RecordingAmi):
    """Takes its actions after ``delay_s``, logging each to ``log`` as the PBX would apply them."""

    def __init__(self, log: list[tuple[str, str]], delay_s: float, started: threading.Event) -> None:
        super().__init__()
        self.log, self.delay_s, self.started = log, delay_s, started

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        self.started.set()
        time.sleep(self.delay_s)
        self.log.append((name, fields.get("Paused", "")))
        return super().action(name, variables, **fields)


def test_two_changes_at_once_reach_the_pbx_in_the_order_they_are_stored(tmp_path: Path, db_url: str) -> None:
    """A desk page reloaded: the old softphone's "unregistered" makes the agent 示忙 while the new
    one's "registered" lifts it. Both at once used to store in one order and reach the PBX in the
    other (the slow pause after the quick unpause): the desk said 示闲, the queue no longer rang
    the agent. ``presence.serial`` has the second wait for the first's PBX action."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    _, sessions = open_db(s)
    with sessions() as db:
        assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi()).ok
    pbx: list[tuple[str, str]] = []
    started = threading.Event()

    def unregistered() -> None:
        with sessions() as db:
            assert presence.set_state(s, db, "8001", P.BUSY, by="softphone", ami=_SlowAmi(pbx, 0.5, started)).ok
    slow = threading.Thread(target=unregistered)
    slow.start()
    assert started.wait(5)  # its row is stored, its pause on the way
    with sessions() as db:
        with presence.serial(s, db, "8001"):  # as web.softphone.follow_registration reads and decides
            cur = presence.current(db, s, "8001")
            assert (cur.state, cur.by) == (P.BUSY, "softphone")
            assert presence.set_state(s, db, "8001", P.AVAILABLE, by="softphone",
                                      ami=_SlowAmi(pbx, 0.0, threading.Event())).ok
    slow.join(5)
    with sessions() as db:
        assert presence.current(db, s, "8001").state == P.AVAILABLE
    assert pbx == [("QueuePause", "true"), ("QueuePause", "false")]  # the PBX's last word: unpaused
