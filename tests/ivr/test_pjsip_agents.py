"""Real SIP phones as agents (agent_technology = "pjsip", issue 5): each agent's phone is SIPp
registering with the agent's digest credentials (tests/support/sipphone.py) to a private Asterisk
of this module's own. Queue members are Local/<ext>@agents-phone/n with the phone as state
interface; once the phone answers, the dialplan plays the caller the late-answer apology if they
waited past 4 rings (R-ANS-LATE-APOLOGY, decided at the answer) and the agent's work number
(R-ANS-GREET), then joins caller and phone. The IVR is down here: callers go straight to the
queue (HOTLINE_IVR=skipped), which is what the plain-dialplan greeting must survive.

Call records are built by the listener's own pipeline from the AMI events of each batch."""

from __future__ import annotations

import re
import shutil
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ami_listener.builder import CallRecord
from hotline.callbacks import dial, mark_consultation
from hotline.callbacks.dialer import agent_interface
from hotline.db import open_db
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.rules import ring_rule
from hotline.settings import Settings
from tests.ami_listener.replay import replay_messages
from tests.ivr.conftest import PlacedCall, finish, place_call
from tests.support.pbx import EventTap, pbx_test_settings
from tests.support.sipphone import SipPhone

pytestmark = pytest.mark.asterisk

APOLOGY = ("hotline/late_apology",)


def greeting(ext: str) -> tuple[str, ...]:
    """The work-number announcement's files, as [hotline-agent-greet] plays them."""
    return ("hotline/work_number_prefix", *(f"digits/{d}" for d in ext), "hotline/work_number_suffix")


@pytest.fixture(scope="module")
def phone_pbx(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings,
              built_prompts: Any) -> Iterator[Asterisk]:
    """A second private Asterisk whose agents 8001 and 8002 are real SIP phones (1 s ring cycle:
    4 rings = 4 s; a member rings 6 s before the next is tried)."""
    s = pbx_test_settings(tmp_path_factory.mktemp("pjsip"), agent_technology="pjsip", agents=["8001", "8002"],
                          server_id="pjsip", queue_member_timeout_s=6)
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)  # the session's prompts, built once
    ast = Asterisk(s).start()
    yield ast
    ast.stop()


def seconds(s: Settings, *files: str) -> float:
    total = 0.0
    for f in files:
        with wave.open(str(s.sounds_dir / f"{f}.wav")) as w:
            total += w.getnframes() / w.getframerate()
    return total


def active_channels(ast: Asterisk, timeout: float = 3.0) -> int:
    """Channels still up once every call is over: 0, or orphans were left behind."""
    deadline = time.monotonic() + timeout
    while True:
        m = re.search(r"(\d+) active channel", ast.cli("core show channels count"))
        n = int(m.group(1)) if m else -1
        if n == 0 or time.monotonic() > deadline:
            return n
        time.sleep(0.1)


def record_of(s: Settings, tap: EventTap, call: PlacedCall) -> CallRecord:
    return replay_messages(list(tap.messages), s)[call.call_id]


def bridged_at(call: PlacedCall) -> float:
    """When the caller's side was bridged with the agent's queue leg."""
    return next(e.timestamp for e in call.named("BridgeEnter") if e.get("Uniqueid") == call.ivr_channel_id)


def varset(call: PlacedCall, name: str) -> Any:
    return next(e for e in call.named("VarSet") if e.get("Variable") == name)


def phone_busy(tap: EventTap, ext: str):  # -> Message
    return tap.wait_for(lambda m: m.name == "QueueMemberStatus" and m.get("MemberName") == ext
                        and m.get("Status") in ("2", "6", "7"), 15)


# --- quick answer + agent hangs up | late answer + caller hangs up: one concurrent batch -------

@pytest.fixture(scope="module")
def answered(phone_pbx: Asterisk, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    s = phone_pbx.settings
    tmp = tmp_path_factory.mktemp("phones")
    with EventTap(s) as tap, \
            SipPhone(s, "8001", answer_after=0.8, talk=6.0, tmp_dir=tmp) as quick, \
            SipPhone(s, "8002", answer_after=4.5, talk=None, tmp_dir=tmp) as late:
        q = place_call(s, "13800000301", stay=30)
        phone_busy(tap, "8001")  # 8001 rings for q: the next caller goes to 8002 (linear queue)
        l_stay = 14.5
        l = place_call(s, "13800000302", stay=l_stay)
        finish(tap, q, 60)
        finish(tap, l, 60)
        out = {"q": q, "l": l, "q_rec": record_of(s, tap, q), "l_rec": record_of(s, tap, l), "l_stay": l_stay,
               "channels": active_channels(phone_pbx)}
        out["quick_steps"], out["late_steps"] = quick.steps(), late.steps()
    return out


def test_quick_answer_plays_work_number_only(phone_pbx: Asterisk, answered: dict[str, Any]) -> None:
    s = phone_pbx.settings
    q, rec = answered["q"], answered["q_rec"]
    v = q.vars()
    assert v.get("HOTLINE_IVR") == "skipped"  # no IVR: straight to the queue
    assert v.get("HOTLINE_WORKNUM_PLAYED") == "1", v  # R-ANS-GREET
    assert "HOTLINE_LATE_APOLOGY" not in v, v  # R-ANS-LATE-APOLOGY: answered within 4 rings
    # the caller was bridged while the whole announcement played
    assert varset(q, "HOTLINE_WORKNUM_PLAYED").timestamp - bridged_at(q) >= seconds(s, *greeting("8001")) - 0.05
    assert rec.vars.get("HOTLINE_WORKNUM_PLAYED") == "1" and "HOTLINE_LATE_APOLOGY" not in rec.vars
    assert (rec.disposition, rec.agent, rec.final_agent, rec.queue) == ("answered", "8001", "8001", s.queue_name)
    assert [(a.agent, a.result) for a in rec.attempts] == [("8001", "answered")]
    # 0.8 s, not 1 s: SIP adds milliseconds, and 1.008 s would be a second ring
    assert abs(rec.ring_seconds - 0.8) < 0.2 and rec.rings == 1 and rec.within_4_rings is True
    assert not rec.incomplete and rec.recording


def test_late_answer_plays_apology_then_work_number(phone_pbx: Asterisk, answered: dict[str, Any]) -> None:
    s = phone_pbx.settings
    call, rec = answered["l"], answered["l_rec"]
    v = call.vars()
    assert v.get("HOTLINE_LATE_APOLOGY") == "1" and v.get("HOTLINE_WORKNUM_PLAYED") == "1", v
    apology, worknum = varset(call, "HOTLINE_LATE_APOLOGY"), varset(call, "HOTLINE_WORKNUM_PLAYED")
    assert apology.timestamp - bridged_at(call) >= seconds(s, *APOLOGY) - 0.05
    assert worknum.timestamp - apology.timestamp >= seconds(s, *greeting("8002")) - 0.05
    assert (rec.disposition, rec.agent) == ("answered", "8002")
    assert [(a.agent, a.result) for a in rec.attempts] == [("8002", "answered")]
    assert abs(rec.ring_seconds - 4.5) < 0.3 and rec.within_4_rings is False  # R-ANS-4RINGS
    assert rec.vars.get("HOTLINE_LATE_APOLOGY") == "1" and rec.vars.get("HOTLINE_WORKNUM_PLAYED") == "1"


def test_hang_up_by_either_side_ends_everything(answered: dict[str, Any]) -> None:
    q_rec, l_rec = answered["q_rec"], answered["l_rec"]
    # 8001's phone sends BYE 6 s after answering (greeting included): R-ANS-HANGUP-LAST
    assert q_rec.hangup_first == "agent" and abs(q_rec.talk_seconds - 6.0) < 0.5, q_rec.talk_seconds
    assert answered["quick_steps"] == ["registered", "invite", "answered", "bye-sent"]
    # the caller leaves first: Asterisk hangs up 8002's phone
    assert l_rec.hangup_first == "caller"
    assert abs(l_rec.talk_seconds - (answered["l_stay"] - l_rec.wait_seconds)) < 0.5, l_rec.talk_seconds
    assert answered["late_steps"] == ["registered", "invite", "answered", "bye-received"]
    assert answered["channels"] == 0, "orphan channels left behind"


# --- a phone that does not answer; the caller leaving during the greeting ----------------------

def test_unanswered_phone_rolls_over_and_caller_leaving_mid_greeting_hangs_up_phone(
        phone_pbx: Asterisk, tmp_path: Path) -> None:
    s = phone_pbx.settings
    with EventTap(s) as tap, \
            SipPhone(s, "8001", answer_after=None, tmp_dir=tmp_path) as away, \
            SipPhone(s, "8002", answer_after=1.0, talk=None, tmp_dir=tmp_path) as there:
        # 8001 rings 6 s, 1 s retry, 8002 answers after 1 s; the caller leaves 2.5 s later,
        # in the middle of the apology (waited 8 s > 4 rings)
        call = finish(tap, place_call(s, "13800000303", stay=10.5), 60)
        rec = record_of(s, tap, call)
        channels = active_channels(phone_pbx)
        away_steps, there_steps = away.steps(), there.steps()
    assert [(a.agent, a.result) for a in rec.attempts] == [("8001", "no_answer"), ("8002", "answered")]
    assert (rec.disposition, rec.agent, rec.hangup_first) == ("answered", "8002", "caller")
    assert abs(rec.ring_seconds - 1.0) < 0.3 and abs(rec.attempts[0].ring_seconds - 6.0) < 0.5
    assert "HOTLINE_WORKNUM_PLAYED" not in call.vars(), "the caller left before the work number"
    assert away_steps == ["registered", "invite", "cancelled"]
    assert there_steps == ["registered", "invite", "answered", "bye-received"], "the phone was left up"
    assert channels == 0, "orphan channels left behind"


# --- callbacks still dial the phone itself ------------------------------------------------------

def test_callback_rings_the_phone_directly(phone_pbx: Asterisk, db_url: str, tmp_path: Path) -> None:
    s = phone_pbx.settings.replace(database_url=db_url)
    assert agent_interface(s, "8002") == "PJSIP/8002"
    _, sessions = open_db(s)
    with EventTap(s) as tap, SipPhone(s, "8002", answer_after=0.5, talk=None, tmp_dir=tmp_path) as phone:
        with sessions() as db, Ami.from_settings(s) as ami:
            task = mark_consultation(db, s, "13900000031", agent="8002")
            db.commit()
            attempt = dial(s, db, task.id, "8002", ami=ami, variables={
                "__SIM_CUSTOMER": "answer", "__SIM_CUSTOMER_RING": "0.5", "__SIM_CUSTOMER_TALK": "2"})
            call_id = attempt.call_id
        evs = tap.wait_call_gone(call_id, 30)
        rec = replay_messages(list(tap.messages), s)[call_id]
        steps = phone.steps()
        channels = active_channels(phone_pbx)
    assert any(e.name == "Newchannel" and (e.get("Channel") or "").startswith("PJSIP/8002-") for e in evs)
    assert (rec.direction, rec.disposition, rec.agent, rec.dialed) == ("outbound", "answered", "8002", "13900000031")
    # the customer talks 2 s after Answer(), which waits up to 0.5 s for media SIPp does not send
    assert rec.hangup_first == "caller" and 1.8 <= rec.talk_seconds <= 2.8, rec.talk_seconds
    assert rec.vars.get("HOTLINE_TASK_ID") == str(task.id)
    assert "HOTLINE_WORKNUM_PLAYED" not in rec.vars  # the greeting is for inbound callers only
    assert steps == ["registered", "invite", "answered", "bye-received"]
    assert channels == 0


# --- a caller transferred to a phone agent; a busy phone ----------------------------------------

def worknum_legs(call: PlacedCall) -> dict[str, Any]:
    """HOTLINE_WORKNUM_PLAYED=1 by the agent whose [agents-phone] leg set it: one a greeting
    (the variable is per channel, so a second announcement on the call is a second VarSet)."""
    out = {}
    for e in call.named("VarSet"):
        m = re.match(r"Local/(\d+)@agents-phone-", e.get("Channel") or "")
        if e.get("Variable") == "HOTLINE_WORKNUM_PLAYED" and e.get("Value") == "1" and m:
            out[m.group(1)] = e
    return out


def test_blind_transfer_to_phone_agent_plays_its_work_number(phone_pbx: Asterisk, tmp_path: Path) -> None:
    """agents-transfer reaches a phone agent through [agents-phone], as the queue does: the
    transferred caller hears 8002's work number (R-ANS-GREET) before talking to 8002."""
    s = phone_pbx.settings
    # 8002 hangs up once its greeting had time to play, plus 1.5 s of talk (room for an apology
    # too: were one wrongly played, the assertion on it below must be what fails)
    talk_8002 = 0.3 + seconds(s, *APOLOGY) + seconds(s, *greeting("8002")) + 1.5
    with EventTap(s) as tap, \
            SipPhone(s, "8001", answer_after=0.8, talk=None, tmp_dir=tmp_path) as first, \
            SipPhone(s, "8002", answer_after=0.8, talk=talk_8002, tmp_dir=tmp_path) as second:
        call = place_call(s, "13800000304", stay=40)
        # 8001 answers, the caller hears 8001's work number, then 8001 hands the caller to 8002
        tap.wait_for(lambda m: m.name == "VarSet" and m.get("Linkedid") == call.call_id
                     and m.get("Variable") == "HOTLINE_WORKNUM_PLAYED", 20)
        leg = tap.wait_for(lambda m: m.name == "AgentConnect" and m.get("Linkedid") == call.call_id, 5)
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("BlindTransfer", Channel=leg["DestChannel"], Context="agents-transfer", Exten="8002")
        finish(tap, call, 60)
        rec = record_of(s, tap, call)
        channels = active_channels(phone_pbx)
        first_steps, second_steps = first.steps(), second.steps()
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("blind", "8001", "8002")]
    assert (rec.disposition, rec.agent, rec.final_agent) == ("answered", "8001", "8002")
    legs = worknum_legs(call)
    assert sorted(legs) == ["8001", "8002"], "one work-number announcement per agent"
    # 8002's announcement played in full after 8002 answered (what the caller was bridged with)
    answered_8002 = next(e.timestamp for e in call.named("DialEnd") if e.get("DialStatus") == "ANSWER"
                         and (e.get("DestChannel") or "").startswith("Local/8002@agents-phone-"))
    assert legs["8002"].timestamp - answered_8002 >= seconds(s, *greeting("8002")) - 0.05
    assert legs["8002"].timestamp > legs["8001"].timestamp
    assert rec.vars.get("HOTLINE_WORKNUM_PLAYED") == "1"
    # R-ANS-LATE-APOLOGY: 8002 answered 0.8 s after the transfer, so no apology — although by then
    # the caller had been on the line for more than 4 rings' worth since first queued
    assert legs["8002"].timestamp - call.named("QueueCallerJoin")[0].timestamp > ring_rule(s).threshold_s
    assert not [e for e in call.named("VarSet") if e.get("Variable") == "HOTLINE_LATE_APOLOGY"]
    assert rec.hangup_first == "agent"  # 8002's phone sent the BYE
    assert first_steps == ["registered", "invite", "answered", "bye-received"], "8001 was left up"
    assert second_steps == ["registered", "invite", "answered", "bye-sent"]
    assert channels == 0, "orphan channels left behind"


def test_busy_phone_rolls_over_at_once(phone_pbx: Asterisk, tmp_path: Path) -> None:
    """A phone answering 486 Busy Here: the queue rings the next member at once (not after the
    member timeout) and the record's attempt for the busy agent says busy."""
    s = phone_pbx.settings
    with EventTap(s) as tap, \
            SipPhone(s, "8001", busy=True, tmp_dir=tmp_path) as busy, \
            SipPhone(s, "8002", answer_after=0.8, talk=None, tmp_dir=tmp_path) as there:
        call = finish(tap, place_call(s, "13800000305", stay=8), 60)
        rec = record_of(s, tap, call)
        channels = active_channels(phone_pbx)
        busy_steps, there_steps = busy.steps(), there.steps()
    assert [(a.agent, a.result) for a in rec.attempts] == [("8001", "busy"), ("8002", "answered")]
    assert (rec.disposition, rec.agent, rec.final_agent, rec.hangup_first) == ("answered", "8002", "8002", "caller")
    assert rec.attempts[0].ring_seconds < 0.5 and rec.wait_seconds < s.queue_member_timeout_s, rec.wait_seconds
    assert busy_steps == ["registered", "invite", "busy"]
    assert there_steps == ["registered", "invite", "answered", "bye-received"]
    assert channels == 0, "orphan channels left behind"
