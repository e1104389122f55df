"""Call controls and supervisor monitoring on the real private Asterisk (issue 13 §3, §4): each
control finds the agent's live call first and answers cleanly when it is not there; survey
ratings are credited to the sending agent (R-SURVEY); a standard phrase reaches the caller
(R-ANS-SILENT); the malicious flag lands on the call (R-ANS-HANGUP-LAST); monitoring creates a
ChanSpy channel and an audit row (R-PRIVACY). Call records are built by replaying the AMI events
through the listener's pipeline, as the other real-Asterisk tests do."""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import controls, members, presence
from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.desk.controls import Phrase
from hotline.desk.monitor import SPY_OPTIONS, MonitorMode, monitor
from hotline.desk.refusals import Refusal
from hotline.models.desk import DeskControl
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.ami_listener.replay import replay_messages
from tests.hotline.desk.audio import best_match
from tests.hotline.desk.conftest import answered_by, quiet
from tests.ivr.conftest import PlacedCall, finish, place_call
from tests.support.pbx import EventTap, rate_survey

pytestmark = pytest.mark.asterisk


def _admin(s: Settings, action: str, **fields: str) -> None:
    """MixMonitor of the caller's side (what the test listens to) is the admin's: the desk's AMI
    user may not record."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as admin:
        admin.action(action, **fields)

SUPERVISOR_PHONE = "Local/s@desk-sim-supervisor"  # a simulated supervisor's endpoint


def only(s: Settings, db: Session, ami: Ami, *agents: str) -> None:
    """Exactly ``agents`` are logged in."""
    for agent in s.agents:
        presence.set_state(s, db, agent, presence.P.LOGGED_OUT, ami=ami)
        members.remove(ami, s, agent)
    for agent in agents:
        assert presence.set_state(s, db, agent, presence.P.AVAILABLE, ami=ami).ok


def caller_channel(tap: EventTap, call: PlacedCall) -> str:
    """The simulated caller's own side (sim-caller): what reaches it is what the caller hears."""
    return tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.call_id, 5)["Channel"]


def greeted(tap: EventTap, call: PlacedCall) -> None:
    tap.wait_for(lambda m: m.name == "VarSet" and m.get("Linkedid") == call.call_id
                 and m.get("Variable") == "HOTLINE_WORKNUM_PLAYED", 20)


def prompt_s(s: Settings, prompt: str) -> float:
    with wave.open(str(s.sounds_dir / "hotline" / f"{prompt}.wav")) as w:
        return w.getnframes() / w.getframerate()


def played_out(tap: EventTap, player: str, timeout: float = 60.0) -> None:
    """Waits until the prompt player ``Local/s@<player>`` ([desk-phrase], [desk-worknum]) left the
    caller's bridge: its side there hangs up once the Playback is over, however late a loaded
    machine started it (a fixed wait for the prompt's length cut recordings short). A moment
    more for the last frames on their way to the caller: silence costs the comparison nothing."""
    tap.wait_for(lambda m: m.name == "Hangup" and (m.get("Channel") or "").startswith(f"Local/s@{player}-")
                 and (m.get("Channel") or "").endswith(";1"), timeout)
    time.sleep(1.0)


def audits(db: Session, call_id: str) -> list[tuple[str, str, str]]:
    rows = db.scalars(select(DeskControl).where(DeskControl.call_id == call_id).order_by(DeskControl.id))
    return [(r.actor, r.control, r.outcome) for r in rows]


def test_survey_after_a_transfer_is_credited_to_the_sending_agent(desk_pbx: Asterisk, db: Session,
                                                                   ami: Ami) -> None:
    """R-SURVEY: 8001 answers, transfers (blind) to 8002, 8002 sends the caller to the survey, the
    caller keys 1: the record has survey 1 and HOTLINE_SURVEY_AGENT = 8002, not the first agent."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000411", stay=60, __SIM_RING="1", __SIM_TALK="60")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        assert controls.transfer(s, db, "8001", call.call_id, "8002", ami=ami).ok
        answered_by(ami, "8002", call.call_id)
        # the call is 8002's now: 8001's desk gets a message, not a survey
        late = controls.send_to_survey(s, db, "8001", call.call_id, ami=ami)
        assert (late.outcome, late.message) == (ControlOutcome.NOT_YOURS, f"call {call.call_id} is not 8001's")
        r = controls.send_to_survey(s, db, "8002", call.call_id, ami=ami)
        assert r.ok, r.message
        rate_survey(tap, ami, caller_channel(tap, call), call.call_id, "1")  # the IVR is down: the dialplan asks
        finish(tap, call, 60)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.survey == 1
    assert rec.vars[ChanVar.SURVEY_AGENT] == "8002"
    assert (rec.agent, rec.final_agent) == ("8001", "8002")
    assert audits(db, call.call_id) == [("8001", "transfer", "done"), ("8001", "survey", "not_yours"),
                                        ("8002", "survey", "done")]


def _hears(s: Settings, ami: Ami, tap: EventTap, call: PlacedCall, tmp: Path, play: Callable[[], Any]) -> Path:
    """Records what the caller's side receives while ``play()`` runs; returns the recording."""
    chan = caller_channel(tap, call)
    path = tmp / f"caller-{call.call_id}.wav"
    _admin(s, "MixMonitor", Channel=chan, File=str(path))
    time.sleep(0.5)
    play()
    return path


def test_a_standard_phrase_reaches_the_caller(desk_pbx: Asterisk, db: Session, ami: Ami, tmp_path: Path) -> None:
    """R-ANS-SILENT: 8001 plays silent_caller; a player joins the call's bridge, and the caller's
    side receives that prompt's audio (its loudness envelope is found in the caller's recording),
    not please_repeat's. The call goes on after it."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000412", stay=40, __SIM_RING="1", __SIM_TALK="40")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        results: list[ControlResult] = []
        path = _hears(s, ami, tap, call, tmp_path, lambda: results.append(
            controls.play_phrase(s, db, "8001", call.call_id, Phrase.SILENT_CALLER, ami=ami)))
        assert results[0].ok, results[0].message
        player = tap.wait_for(lambda m: m.name == "BridgeEnter" and (m.get("Channel") or "").startswith(
            "Local/s@desk-phrase-"), 10)
        played_out(tap, "desk-phrase")
        _admin(s, "StopMixMonitor", Channel=caller_channel(tap, call))
        # the player has left; the call goes on, still 8001's
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    caller_in = next(m for m in tap.events("BridgeEnter", Linkedid=call.call_id)
                     if m.get("Channel") == queued_caller(tap, call))
    assert player["BridgeUniqueid"] == caller_in["BridgeUniqueid"], "the player joined the caller's bridge"
    assert (rec.disposition, rec.agent, rec.hangup_first) == ("answered", "8001", "agent")
    heard, _at = best_match(path, s.sounds_dir / "hotline" / "silent_caller.wav")
    other, _ = best_match(path, s.sounds_dir / "hotline" / "please_repeat.wav")
    assert heard > 0.9, (heard, other)
    assert other < heard - 0.1, (heard, other)
    assert audits(db, call.call_id) == [("8001", "phrase", "done"), ("8001", "hangup", "done")]


def queued_caller(tap: EventTap, call: PlacedCall) -> str:
    """The caller's channel in the queue (the from-pstn side)."""
    return tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.ivr_channel_id, 5)["Channel"]


def test_malicious_flag_warns_the_caller_and_flags_the_call(desk_pbx: Asterisk, db: Session, ami: Ami,
                                                           tmp_path: Path) -> None:
    """R-ANS-HANGUP-LAST's exception: the caller hears the warning, the call carries
    HOTLINE_MALICIOUS = the agent, then the agent hangs up."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000413", stay=40, __SIM_RING="1", __SIM_TALK="40")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        results: list[ControlResult] = []
        path = _hears(s, ami, tap, call, tmp_path, lambda: results.append(
            controls.flag_malicious(s, db, "8001", call.call_id, ami=ami)))
        assert results[0].ok, results[0].message
        played_out(tap, "desk-phrase")
        _admin(s, "StopMixMonitor", Channel=caller_channel(tap, call))
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.vars[ChanVar.MALICIOUS] == "8001"
    assert rec.disposition == "answered" and rec.agent == "8001"
    heard, _ = best_match(path, s.sounds_dir / "hotline" / "malicious_warning.wav")
    assert heard > 0.9
    assert audits(db, call.call_id) == [("8001", "malicious", "done"), ("8001", "hangup", "done")]


def test_supervisor_monitoring_spies_on_the_agent_and_is_audited(desk_pbx: Asterisk, db: Session,
                                                                 ami: Ami) -> None:
    """监听 / 耳语 / 强插 ring the supervisor's endpoint, which spies on 8001's leg with ChanSpy q /
    w / B; 强拆 ends the call. Every use is a desk_controls row (R-PRIVACY)."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000414", stay=40, __SIM_RING="1", __SIM_TALK="40")
        leg = answered_by(ami, "8001", call.call_id)
        spies: list[str] = []
        for mode in (MonitorMode.LISTEN, MonitorMode.WHISPER, MonitorMode.BARGE):
            r = monitor(s, db, "supervisor", "8001", call.call_id, mode, SUPERVISOR_PHONE, ami=ami)
            assert r.ok, r.message
            start = tap.wait_for(lambda m: m.name == "ChanSpyStart" and m.get("SpyerChannel") not in spies, 10)
            spies.append(start["SpyerChannel"])
            assert start["SpyeeChannel"] == leg.agent_channel
            assert start["SpyerChannel"].startswith("Local/s@desk-sim-supervisor-")
            spyer = next(e for e in ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
                         if e.get("Channel") == start["SpyerChannel"])
            assert (spyer["Application"], spyer["ApplicationData"]) == (
                "ChanSpy", f"{leg.agent_channel},{SPY_OPTIONS[mode]}")
        r = monitor(s, db, "supervisor", "8001", call.call_id, MonitorMode.FORCE_HANGUP, SUPERVISOR_PHONE, ami=ami)
        assert r.ok, r.message
        finish(tap, call, 20)
        records = replay_messages(list(tap.messages), s)
        rec = records[call.call_id]
    # the spies' own channels make no call records: only the caller's call is there
    assert list(records) == [call.call_id], {k: r.vars for k, r in records.items()}
    assert rec.vars[ChanVar.FORCED_HANGUP] == "supervisor"
    assert audits(db, call.call_id) == [("supervisor", m, "done")
                                        for m in ("listen", "whisper", "barge", "force_hangup")]
    row = db.scalars(select(DeskControl).where(DeskControl.control == "listen")).one()
    assert (row.agent, row.detail) == ("8001", SUPERVISOR_PHONE)


def test_controls_on_a_wrong_or_ended_call_answer_cleanly(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    """Another agent's call, a call still ringing, an ended call, a call that never was, a wrong
    target or phrase: each control answers with a message and is stored, never raises."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    every = [
        lambda a, c: controls.transfer(s, db, a, c, "8003", ami=ami),
        lambda a, c: controls.transfer(s, db, a, c, controls.QUEUE, ami=ami),
        lambda a, c: controls.send_to_survey(s, db, a, c, ami=ami),
        lambda a, c: controls.play_phrase(s, db, a, c, Phrase.PLEASE_REPEAT, ami=ami),
        lambda a, c: controls.flag_malicious(s, db, a, c, ami=ami),
        lambda a, c: controls.hang_up(s, db, a, c, ami=ami),
        lambda a, c: monitor(s, db, "supervisor", a, c, MonitorMode.LISTEN, SUPERVISOR_PHONE, ami=ami),
    ]
    with EventTap(s) as tap:
        call = place_call(s, "13800000415", stay=12, __SIM_RING="3", __SIM_TALK="3")
        tap.wait_for(lambda m: m.name == "AgentCalled" and m.get("Linkedid") == call.call_id, 10)
        ringing = [f("8001", call.call_id) for f in every]
        assert {r.outcome for r in ringing} == {ControlOutcome.NOT_ANSWERED}, [r.message for r in ringing]
        assert {r.reason for r in ringing} == {Refusal.NOT_ANSWERED}
        answered_by(ami, "8001", call.call_id)
        others = [f("8002", call.call_id) for f in every]
        assert {r.outcome for r in others} == {ControlOutcome.NOT_YOURS}
        assert others[0].message == f"call {call.call_id} is not 8002's"
        assert {r.reason for r in others} == {Refusal.NOT_YOURS}
        bad = [controls.transfer(s, db, "8001", call.call_id, "9999", ami=ami),
               controls.transfer(s, db, "8001", call.call_id, "8001", ami=ami),
               controls.play_phrase(s, db, "8001", call.call_id, "welcome", ami=ami)]
        assert {r.outcome for r in bad} == {ControlOutcome.REFUSED}
        assert "not a standard phrase" in bad[2].message
        assert [r.reason for r in bad] == [Refusal.NOT_ANOTHER_AGENT, Refusal.NOT_ANOTHER_AGENT, Refusal.NOT_A_PHRASE]
        finish(tap, call)
    ended = [f("8001", call.call_id) for f in every]
    assert {(r.outcome, r.message) for r in ended} == {(ControlOutcome.CALL_ENDED, f"call {call.call_id} has ended")}
    assert {r.reason for r in ended} == {Refusal.CALL_ENDED}
    never = controls.hang_up(s, db, "8001", "no-such-call", ami=ami)
    assert never.outcome == ControlOutcome.CALL_ENDED and not never.ok
    assert len(audits(db, call.call_id)) == 3 * len(every) + len(bad)


def test_a_pbx_that_cannot_be_reached_is_a_message(desk_pbx: Asterisk, db: Session) -> None:
    s = desk_pbx.settings.replace(ami_port=1)
    r = controls.hang_up(s, db, "8001", "c-1")
    assert r.outcome == ControlOutcome.REFUSED and "cannot be reached" in r.message
    assert r.reason == Refusal.PBX_UNREACHABLE
