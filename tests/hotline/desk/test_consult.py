"""Attended transfer from the desk on the real private Asterisk (issue 13 §3): 8001 consults 8002
with the caller on hold, then completes — the caller hears 8002's work number (R-ANS-GREET), which
the consultation did not play to 8001 — or cancels back to the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.chanvars import ChanVar
from hotline.desk import consult, controls
from hotline.desk.calls import ControlOutcome
from hotline.desk.live import live_of
from hotline.desk.refusals import Refusal
from hotline.live_snapshot import AgentLive
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from hotline.vocabulary import CONSULTATION_GIVEN_UP
from tests.ami_listener.replay import replay_messages
from tests.captures.phone_keys import KeyPhone
from tests.hotline.desk.audio import best_match
from tests.hotline.desk.conftest import answered_by, eventually, listening, quiet
from tests.hotline.desk.test_controls import (
    _admin,
    audits,
    caller_channel,
    greeted,
    only,
    played_out,
    prompt_s,
    queued_caller,
)
from tests.ivr.conftest import PlacedCall, finish, place_call
from tests.ivr.test_pjsip_agents import phone_pbx, worknum_legs
from tests.support.pbx import EventTap
from tests.support.sipphone import SipPhone

__all__ = ["phone_pbx"]  # the SIP-phone Asterisk fixture, shared with tests/ivr/test_pjsip_agents.py

pytestmark = pytest.mark.asterisk


def _greeting(s: consult.Settings, ext: str) -> list[Path]:
    """The work-number announcement's files as [desk-worknum] plays them."""
    return [s.sounds_dir / "hotline" / "work_number_prefix.wav", *(s.sounds_dir / "digits" / f"{d}.wav" for d in ext),
            s.sounds_dir / "hotline" / "work_number_suffix.wav"]


def _consulting(ami: Ami, s: consult.Settings, agent: str, call_id: str) -> bool:
    found = consult.calls.find(ami, agent, call_id)
    return isinstance(found, consult.AgentCall) and consult._consultation(ami, s, found) is not None


def greeting_said(tap: EventTap) -> None:
    """Waits until the completion's greeting was said: its player ([desk-worknum]) leaves the
    caller's bridge after prefix, digits and suffix."""
    played_out(tap, "desk-worknum")


def completed_recording_the_caller(s: consult.Settings, db: Session, ami: Ami, tap: EventTap, call: PlacedCall,
                                   path: Path) -> None:
    """The desk's 完成转接 of 8001's consultation with 8002, the caller's channel recorded to
    ``path`` until 8002's work number was said to it (R-ANS-GREET)."""
    chan = caller_channel(tap, call)
    _admin(s, "MixMonitor", Channel=chan, File=str(path))
    time.sleep(0.5)
    done = consult.complete(s, db, "8001", call.call_id, ami=ami)
    assert done.ok and done.message == f"call {call.call_id} transferred to 8002", done.message
    answered_by(ami, "8002", call.call_id)
    greeting_said(tap)
    _admin(s, "StopMixMonitor", Channel=chan)


def heard_8002(s: consult.Settings, path: Path, where: str) -> None:
    """The recording at ``path`` is 8002's work number (R-ANS-GREET), not 8001's."""
    heard, _ = best_match(path, _greeting(s, "8002"))
    other, _ = best_match(path, _greeting(s, "8001"))
    print(f"{where}: work number heard {heard:.3f}, 8001's {other:.3f}")
    assert heard > 0.9 and heard > other, (heard, other)


def test_attended_transfer_greets_the_caller_with_the_targets_work_number(
        desk_pbx: Asterisk, db: Session, ami: Ami, tmp_path: Path) -> None:
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000421", stay=60, __SIM_RING="1", __SIM_TALK="60")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        played_before = len([m for m in tap.events("VarSet", Linkedid=call.call_id)
                             if m.get("Variable") == ChanVar.WORKNUM_PLAYED])
        r = consult.start(s, db, "8001", call.call_id, "8002", ami=ami)
        assert r.ok, r.message
        eventually(lambda: _consulting(ami, s, "8001", call.call_id), 15, "8002 answering the consultation")
        time.sleep(1.5)  # the consultation: 8002 is not greeted here (HOTLINE_CONSULT)
        again = consult.start(s, db, "8001", call.call_id, "8002", ami=ami)
        assert not again.ok and "consulting already" in again.message and again.reason == Refusal.CONSULTING_ALREADY
        path = tmp_path / "caller-after-transfer.wav"
        completed_recording_the_caller(s, db, ami, tap, call, path)
        assert controls.hang_up(s, db, "8002", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    played = [m for m in tap.events("VarSet", Linkedid=call.call_id) if m.get("Variable") == ChanVar.WORKNUM_PLAYED]
    assert len(played) == played_before, "the consultation greeted the consulting agent"
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("attended", "8001", "8002")], rec.transfers
    assert (rec.agent, rec.final_agent) == ("8001", "8002")
    assert rec.vars[ChanVar.TRANSFER_WORKNUM] == "8002"
    # the desk's consultation holds the caller (Atxfer: a Hold on 8001's leg) until the completion,
    # 2 s of sleeps after the consultation was answered at the least
    assert rec.holds == 1 and rec.hold_seconds is not None and rec.hold_seconds >= 2.0, (rec.holds, rec.hold_seconds)
    heard_8002(s, path, "desk")
    assert audits(db, call.call_id) == [("8001", "consult", "done"), ("8001", "consult", "refused"),
                                        ("8001", "consult_complete", "done"), ("8002", "hangup", "done")]


def test_a_cancelled_consultation_goes_back_to_the_caller(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000422", stay=40, __SIM_RING="1", __SIM_TALK="40")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        idle = consult.complete(s, db, "8001", call.call_id, ami=ami)
        assert idle.outcome == ControlOutcome.REFUSED and "not consulting" in idle.message
        assert idle.reason == Refusal.NOT_CONSULTING
        assert consult.start(s, db, "8001", call.call_id, "8002", ami=ami).ok
        eventually(lambda: _consulting(ami, s, "8001", call.call_id), 15, "8002 answering the consultation")
        r = consult.cancel(s, db, "8001", call.call_id, ami=ami)
        assert r.ok, r.message
        caller = queued_caller(tap, call)

        def back_with_caller() -> bool:  # the hang-up of the consultation settles in a moment
            return answered_by(ami, "8001", call.call_id).caller_channel == caller

        eventually(back_with_caller, 10, "8001 bridged with the caller again")
        eventually(lambda: not _consulting(ami, s, "8001", call.call_id), 5, "the consultation gone")
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.final_agent == "8001" and ChanVar.TRANSFER_WORKNUM not in rec.vars and rec.transferred_out is None
    # listed as a consultation given up (咨询后取消), no transfer (capture queue_consult_cancelled)
    assert [(t.kind, t.from_agent, t.to, t.result) for t in rec.transfers] == [
        ("attended", "8001", "8002", CONSULTATION_GIVEN_UP)], rec.transfers
    # one hold, from the Atxfer's Hold on 8001's leg to its Unhold when 8001 is back with the caller
    (hold,), (unhold,) = tap.events("Hold", Linkedid=call.call_id), tap.events("Unhold", Linkedid=call.call_id)
    assert hold.get("Channel") == unhold.get("Channel")
    assert rec.holds == 1 and abs((rec.hold_seconds or 0.0) - ((unhold.timestamp or 0) - (hold.timestamp or 0))) < 0.001
    assert consult.start(s, db, "8001", call.call_id, "8001", ami=ami).outcome == ControlOutcome.REFUSED


def test_attended_transfer_between_sip_phones(phone_pbx: Asterisk, db: Session, tmp_path: Path) -> None:
    """The same with real SIP phones as agents (the member's leg is Local/<ext>@agents-phone): 8002
    answers the consultation ungreeted, the completed transfer is 8002's, and the caller hears
    8002's work number."""
    s = phone_pbx.settings
    with EventTap(s) as tap, Ami.from_settings(s, role=AmiRole.DESK) as ami, \
            SipPhone(s, "8001", answer_after=0.8, talk=None, tmp_dir=tmp_path), \
            SipPhone(s, "8002", answer_after=0.8, talk=None, tmp_dir=tmp_path):
        call = place_call(s, "13800000423", stay=40)
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        assert consult.start(s, db, "8001", call.call_id, "8002", ami=ami).ok
        eventually(lambda: _consulting(ami, s, "8001", call.call_id), 15, "8002 answering the consultation")
        time.sleep(1.0)
        path = tmp_path / "caller-after-phone-transfer.wav"
        completed_recording_the_caller(s, db, ami, tap, call, path)
        assert controls.hang_up(s, db, "8002", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert sorted(worknum_legs(call)) == ["8001"], "the consultation greeted no one"
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("attended", "8001", "8002")], rec.transfers
    assert (rec.agent, rec.final_agent) == ("8001", "8002")
    assert rec.vars[ChanVar.TRANSFER_WORKNUM] == "8002"
    heard_8002(s, path, "phones")


def test_a_bare_ami_atxfer_greets_the_caller_not_the_consulting_agent(
        desk_pbx: Asterisk, db: Session, ami: Ami, tmp_path: Path) -> None:
    """An attended transfer made outside the desk (AMI Atxfer, as a phone's *2 feature code does
    it): the consultation is a Local/<ext>@agents-transfer channel with TRANSFERERNAME set, so
    [agents-transfer-consult] marks it HOTLINE_CONSULT and 8002 does not greet 8001; once 8001
    hangs up (the completion), ``consult.greet_completed`` — the scheduler's step — plays 8002's
    work number to the caller, once (R-ANS-GREET)."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000424", stay=60, __SIM_RING="1", __SIM_TALK="60")
        leg = answered_by(ami, "8001", call.call_id).agent_channel
        greeted(tap, call)
        played_before = len([m for m in tap.events("VarSet", Linkedid=call.call_id)
                             if m.get("Variable") == ChanVar.WORKNUM_PLAYED])
        ami.action("Atxfer", Channel=leg, Context="agents-transfer", Exten="8002")
        marked = tap.wait_for(lambda m: m.name == "VarSet" and m.get("Variable") == f"__{ChanVar.CONSULT.value}"
                              and m.get("Value") == "8002", 15)
        assert marked["Channel"].startswith("Local/8002@agents-transfer-"), marked["Channel"]
        eventually(lambda: _consulting(ami, s, "8001", call.call_id), 15, "8002 answering the consultation")
        assert consult.greet_completed(s, ami) == []  # still consulting: nobody to greet yet
        # 8002 answered (SIM_RING 1 s) and a greeting would have started and set its variable by now
        answer_at = time.monotonic()
        eventually(lambda: time.monotonic() - answer_at > 0.3 + prompt_s(s, "work_number_prefix") + 1.0, 10,
                   "the time a greeting takes to start and set its variable")
        played = [m for m in tap.events("VarSet", Linkedid=call.call_id) if m.get("Variable") == ChanVar.WORKNUM_PLAYED]
        assert len(played) == played_before, "the consultation greeted the consulting agent"
        chan = caller_channel(tap, call)
        path = tmp_path / "caller-after-atxfer.wav"
        _admin(s, "MixMonitor", Channel=chan, File=str(path))
        ami.action("Hangup", Channel=leg)  # the consulting agent leaves: atxferdropcall = no completes it
        greeted_calls = eventually(lambda: consult.greet_completed(s, ami), 15, "the completed transfer")
        assert greeted_calls == [call.call_id]
        assert consult.greet_completed(s, ami) == []  # once
        greeting_said(tap)
        _admin(s, "StopMixMonitor", Channel=chan)
        assert controls.hang_up(s, db, "8002", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("attended", "8001", "8002")], rec.transfers
    assert rec.vars[ChanVar.TRANSFER_WORKNUM] == "8002"
    heard_8002(s, path, "bare Atxfer")


def test_a_consultation_is_cancelled_while_the_target_still_rings(desk_pbx: Asterisk, db: Session, ami: Ami) -> None:
    """取消咨询 before 8002 answers: Asterisk bridges the ringing consultation with 8001's leg at
    once, so the desk finds and hangs it up as an answered one; 8001 is back with the caller."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    only(s, db, ami, "8001")
    with EventTap(s) as tap:
        call = place_call(s, "13800000425", stay=40, __SIM_RING="1", __SIM_RING_8002="30", __SIM_TALK="40")
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)
        assert consult.start(s, db, "8001", call.call_id, "8002", ami=ami).ok

        def ringing() -> bool:
            return any(c.name.startswith("Local/8002@agents-transfer-") and c.name.endswith(";1")
                       and c.state == "Ringing" for c in consult.calls.channels(ami))

        eventually(ringing, 15, "8002 ringing for the consultation")
        r = consult.cancel(s, db, "8001", call.call_id, ami=ami)
        assert r.ok and r.message.startswith("consultation with 8002 ended"), r.message
        caller = queued_caller(tap, call)
        eventually(lambda: answered_by(ami, "8001", call.call_id).caller_channel == caller, 15,
                   "8001 bridged with the caller again")
        eventually(lambda: not _consulting(ami, s, "8001", call.call_id), 10, "the consultation gone")
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call, 30)
    assert audits(db, call.call_id)[-2:] == [("8001", "consult_cancel", "done"), ("8001", "hangup", "done")]


def _phone_consulting(sessions: sessionmaker[Session], agent: str, call_id: str) -> AgentLive | None:
    """The agent as the listener's snapshot shows it, once a consultation of ``call_id`` is under
    way there (``consult.under_way``)."""
    with sessions() as db:
        live, _call, _gap = live_of(db, agent)
    return live if live is not None and live.call_id == call_id and consult.under_way(live) else None


@dataclass
class _PhoneConsultation:
    s: Settings
    sessions: sessionmaker[Session]
    db: Session
    ami: Ami
    tap: EventTap
    call: PlacedCall
    live: AgentLive  # 8001 as the listener's snapshot shows it, consulting


@contextmanager
def _consulting_on_the_phone(phone_pbx: Asterisk, tmp_path: Path, caller: str,
                             stay: float) -> Iterator[_PhoneConsultation]:
    """A caller answered by 8001's phone, which presses *2 and 8002 while a real listener writes the
    live snapshot; from the moment the desk shows that consultation under way."""
    with listening(phone_pbx, tmp_path / "listener.db") as (s, sessions), EventTap(s) as tap, \
            Ami.from_settings(s, role=AmiRole.DESK) as ami, \
            KeyPhone(s, "8001", answer_after=0.8, talk=None, keys="*2,8002", keys_after=4.0, tmp_dir=tmp_path), \
            SipPhone(s, "8002", answer_after=0.8, talk=None, tmp_dir=tmp_path), sessions() as db:
        call = place_call(s, caller, stay=stay)
        answered_by(ami, "8001", call.call_id)
        live = eventually(lambda: _phone_consulting(sessions, "8001", call.call_id), 25,
                          "the phone's consultation under way on the desk")
        yield _PhoneConsultation(s, sessions, db, ami, tap, call, live)


def test_a_consultation_begun_on_the_phone_is_the_desks_to_complete(phone_pbx: Asterisk, tmp_path: Path) -> None:
    """8001's phone presses *2 and 8002 (features.conf's atxfer, SIP INFO keys) while a real listener
    writes the live snapshot: its digits dial [agents-transfer] (the leg's TRANSFER_CONTEXT), so
    8002 answers ungreeted, the desk shows the consultation under way (完成转接 / 取消咨询) and its
    完成转接 hands the caller to 8002, who is announced to the caller (R-ANS-GREET). Until
    7 December the digits rang 8002's phone through [agents-phone]: 8002's greeting went to 8001,
    and the desk saw no consultation."""
    with _consulting_on_the_phone(phone_pbx, tmp_path, "13800000426", 60) as c:
        s, sessions, db, ami, tap, call = c.s, c.sessions, c.db, c.ami, c.tap, c.call
        assert c.live.consulting == "8002"
        eventually(lambda: _consulting(ami, s, "8001", call.call_id), 15, "8002 answering the consultation")
        time.sleep(1.0)
        path = tmp_path / "caller-after-phone-consultation.wav"
        completed_recording_the_caller(s, db, ami, tap, call, path)
        eventually(lambda: _phone_consulting(sessions, "8001", call.call_id) is None, 10, "the consultation over")
        assert consult.greet_completed(s, ami) == []  # the desk's completion greeted the caller already
        assert controls.hang_up(s, db, "8002", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert sorted(worknum_legs(call)) == ["8001"], "the consultation greeted the consulting agent"
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("attended", "8001", "8002")], rec.transfers
    assert rec.vars[ChanVar.TRANSFER_WORKNUM] == "8002"
    heard_8002(s, path, "phone's *2")


def test_a_consultation_begun_on_the_phone_is_cancelled_from_the_desk(phone_pbx: Asterisk, tmp_path: Path) -> None:
    """取消咨询 of a consultation begun with the phone's *2: 8001 is back with the caller, and the
    desk no longer shows a consultation (the snapshot's ``consulting`` gone with its channel)."""
    with _consulting_on_the_phone(phone_pbx, tmp_path, "13800000427", 40) as c:
        s, sessions, db, ami, tap, call = c.s, c.sessions, c.db, c.ami, c.tap, c.call
        r = consult.cancel(s, db, "8001", call.call_id, ami=ami)
        assert r.ok and r.message.startswith("consultation with 8002 ended"), r.message
        caller = queued_caller(tap, call)
        eventually(lambda: answered_by(ami, "8001", call.call_id).caller_channel == caller, 15,
                   "8001 bridged with the caller again")
        eventually(lambda: _phone_consulting(sessions, "8001", call.call_id) is None, 10, "the consultation over")
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.final_agent == "8001" and rec.transferred_out is None
    assert [(t.kind, t.from_agent, t.to, t.result) for t in rec.transfers] == [
        ("attended", "8001", "8002", CONSULTATION_GIVEN_UP)], rec.transfers
