"""The desk's call controls and the supervisor's monitoring with WebRTC agents (issue #16: "the
queue rings the agent's WebRTC endpoint like any other member; … transfers, survey and monitoring
of the desk issue all work with it"), in the real browser against the real Asterisk: agent 8001's
desk (/desk, which holds the softphone) answers a queue call in the page, then

- transfers it blind (转接) to agent 8002, whose own softphone rings, answers, is greeted by its
  work number (R-ANS-GREET) and talks (RTP both ways); or consults 8002 first (咨询转接) and
  completes the transfer from the desk;
- holds the caller (保持, the page's re-INVITE: Asterisk's Hold and music on hold, 保持中 back on
  the desk from the listener, a second tab of the desk showing it and retrieving it: 取回, Unhold;
  the record counts the hold and its time);
- sends the caller to the survey (转满意度): the caller keys 2, the call's record holds the rating,
  credited to 8001 (R-SURVEY);
- is listened in on by a supervisor from the wallboard (监听, ChanSpy): the supervisor's phone
  hears the agent's browser microphone (the fake 1 kHz tone) and the call's page lists the listen
  (R-PRIVACY).

The listener runs in-process so the desk pops and the call's record is written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from hotline.chanvars import ChanVar
from hotline.desk.calls import AgentCall, channels, find
from hotline.desk.monitor import MonitorMode, monitor
from hotline.models import Call
from hotline.models.desk import DeskControl
from hotline.pbx.ami import Ami, AmiRole
from hotline.settings import Settings
from tests.hotline.desk.conftest import eventually
from tests.ivr.conftest import PlacedCall, finish, place_call
from tests.support.pbx import EventTap, rate_survey
from tests.support.softphone import read_mono, tone_share
from tests.web.browser import login, shot, wait_js
from tests.web.softphone_rig import Rig, open_rig, registered, rtp_received, wait_rtp
from web.context import session_factory

pytestmark = [pytest.mark.asterisk, pytest.mark.browser]

SUPERVISOR_PHONE = "Local/s@desk-sim-supervisor"
# a supervisor's phone that speaks (a standard phrase, again and again) while it stays
SPEAKING_SUPERVISOR = "Local/s@test-speaking-supervisor"
TEST_DIALPLAN = """[test-speaking-supervisor]
exten => s,1,Answer()
 same => n,Set(CHANNEL(language)=zh)
 same => n(again),Playback(hotline/please_repeat)
 same => n,Goto(again)
"""
DESK = "document.getElementById('desk')"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings, built_prompts: Any) -> Iterator[Rig]:
    for r in open_rig(tmp_path_factory, pbx_settings, "softphonedesk", agents=["8001", "8002"],
                      desk_supervisor_endpoint=SUPERVISOR_PHONE, extensions=TEST_DIALPLAN,
                      softphone_supervisors=["8009"]):
        listener = Listener(r.settings).start()
        try:
            assert listener.conn.connected.wait(10), "listener did not log in to AMI"
            yield r
        finally:
            listener.stop()


def worknum_played(tap: EventTap, call: PlacedCall, channel_prefix: str, timeout: float = 20) -> None:
    """R-ANS-GREET: the work number played on the agent's side of this call."""
    tap.wait_for(lambda m: m.name == "VarSet" and m.get("Variable") == "HOTLINE_WORKNUM_PLAYED"
                 and m.get("Linkedid") == call.call_id
                 and (m.get("Channel") or "").startswith(channel_prefix), timeout)


def answer_at_desk(rig: Rig, tap: EventTap, number: str) -> tuple[Any, PlacedCall]:
    """Agent 8001's desk (its softphone registered) answers a queue call in the page; returns the
    desk once the pop shows the call talking, its controls live."""
    desk = rig.phone(path="/desk")
    registered(desk)
    call = place_call(rig.settings, number, stay=90)
    wait_js(desk, "window.hotlineSoftphone.call === 'ringing'", 20)
    desk.click("#softphone-answer")
    wait_js(desk, "window.hotlineSoftphone.call === 'in-call'", 10)
    worknum_played(tap, call, "Local/8001@agents-phone-")
    wait_js(desk, f"{DESK}.dataset.popCall === {call.call_id!r} && {DESK}.dataset.popState === 'talking'", 15)
    return desk, call


def message(page: Any, timeout: float = 10) -> tuple[str, str]:
    wait_js(page, "document.getElementById('desk-message').dataset.outcome !== ''", timeout)
    return page.evaluate("[document.getElementById('desk-message').dataset.outcome,"
                         " document.getElementById('desk-message').textContent]")


def record(rig: Rig, call_id: str) -> Call | None:
    with rig.app.app_context(), session_factory()() as db:
        return db.scalars(select(Call).where(Call.call_id == call_id)).first()


def test_blind_transfer_from_a_webrtc_agent_rings_the_other_agents_softphone(rig: Rig) -> None:
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000411")
        # 8002's desk (its phone too) registers only now: the queue rang 8001 alone
        other = rig.phone(user="agent2", path="/desk")
        registered(other)
        desk.select_option("#transfer-to", "8002")
        desk.click("#c-transfer")
        assert message(desk)[0] == "done", message(desk)
        wait_js(desk, "window.hotlineSoftphone.call === null", 10)  # 8001's leg is gone
        wait_js(other, "window.hotlineSoftphone.call === 'ringing'", 20)
        assert "13800000411" in other.inner_text("#softphone-call")
        other.click("#softphone-answer")
        wait_js(other, "window.hotlineSoftphone.call === 'in-call'", 10)
        worknum_played(tap, call, "Local/8002@agents-phone-")  # the caller hears 8002's number
        # the receiving desk is on the call, its pop the caller's (until 7 December: no pop, no
        # controls — no queue event names the agent a transfer reaches: ami_listener/live_followed_legs.py)
        wait_js(other, f"{DESK}.dataset.popCall === {call.call_id!r} && {DESK}.dataset.popState === 'talking'", 15)
        assert other.inner_text("#pop-number") == "13800000411"
        media = wait_rtp(other)
        assert media["received"] >= 100 and media["sent"] >= 100, media
        from_browser = eventually(lambda: rtp_received(rig.pbx, "8002") or None, 10, "RTP from 8002's page")
        shot(other, "softphone-transferred")
        other.click("#softphone-hangup")
        finish(tap, call, 15)
    assert from_browser > 0
    wait_js(other, "window.hotlineSoftphone.call === null", 5)
    rec = eventually(lambda: record(rig, call.call_id), 30, "the call's record")
    assert (rec.agent, rec.final_agent) == ("8001", "8002") and rec.transfers, (rec.agent, rec.final_agent,
                                                                                rec.transfers)
    assert not desk.errors and not other.errors, (desk.errors, other.errors)
    desk.context.close()
    other.context.close()


def test_attended_transfer_between_webrtc_agents(rig: Rig) -> None:
    """咨询转接: 8001 consults 8002 (the caller on hold), 8002's page answers, 8001 completes; the
    caller is greeted with 8002's work number (R-ANS-GREET) and talks to 8002's page."""
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000414")
        other = rig.phone(user="agent2")
        registered(other)
        desk.select_option("#transfer-to", "8002")
        desk.click("#c-consult")
        assert message(desk)[0] == "done", message(desk)
        wait_js(other, "window.hotlineSoftphone.call === 'ringing'", 20)
        other.click("#softphone-answer")
        wait_js(other, "window.hotlineSoftphone.call === 'in-call'", 10)
        assert desk.evaluate("window.hotlineSoftphone.call") == "in-call"  # consulting from its own headset
        # the caller on hold meanwhile (Asterisk's Hold on 8001's leg): the desk says 保持中
        wait_js(desk, "!document.getElementById('pop-held').hidden", 10)
        # … and 保持 is not offered: the page's session holds nothing, its leg talks to 8002 (desk.js holdRule)
        wait_js(desk, "document.getElementById('c-hold').disabled", 5)
        assert desk.is_visible("#c-hold-note") and desk.evaluate("window.hotlineSoftphone.held") is False
        desk.click("#c-consult-complete")
        assert message(desk, 15)[0] == "done", message(desk)
        wait_js(desk, "window.hotlineSoftphone.call === null", 10)
        tap.wait_for(lambda m: m.name == "VarSet" and m.get("Variable") == "HOTLINE_TRANSFER_WORKNUM"
                     and m.get("Value") == "8002" and m.get("Linkedid") == call.call_id, 15)
        media = wait_rtp(other)
        assert media["received"] >= 100 and media["sent"] >= 100, media
        other.click("#softphone-hangup")
        finish(tap, call, 15)
    wait_js(other, "window.hotlineSoftphone.call === null", 5)
    rec = eventually(lambda: record(rig, call.call_id), 30, "the call's record")
    assert (rec.agent, rec.final_agent) == ("8001", "8002"), (rec.agent, rec.final_agent, rec.transfers)
    assert not desk.errors and not other.errors, (desk.errors, other.errors)
    desk.context.close()
    other.context.close()


def test_send_to_survey_from_a_webrtc_agent_records_the_callers_key(rig: Rig) -> None:
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000412")
        desk.click("#c-survey")
        outcome, text = message(desk)
        assert (outcome, text) == ("done", "已转满意度评价。")
        wait_js(desk, "window.hotlineSoftphone.call === null", 10)  # the agent's leg ends
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            caller = next(c.name for c in channels(ami) if c.uniqueid == call.call_id)
            rate_survey(tap, ami, caller, call.call_id, "2")
        finish(tap, call, 20)
    rec = eventually(lambda: (r := record(rig, call.call_id)) and r.survey is not None and r, 30,
                     "the call's record with its rating")
    assert rec.survey == 2 and rec.vars.get(ChanVar.SURVEY_AGENT) == "8001", (rec.survey, rec.vars)
    assert rec.agent == "8001"
    assert not desk.errors, desk.errors
    desk.context.close()


def test_hold_and_retrieve_on_the_desk_hold_the_softphones_call(rig: Rig) -> None:
    """保持 / 取回 on the desk: the page's JsSIP session re-INVITEs, Asterisk says Hold on 8001's
    channel and plays the caller music on hold, the listener's snapshot brings 保持中 back to the
    desk, 取回 ends it (Unhold); the call's record counts the hold and its time."""
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000415")
        wait_js(desk, "!document.getElementById('c-hold').hidden", 10)
        assert desk.inner_text("#c-hold") == "保持" and desk.is_hidden("#c-hold-phone")
        desk.click("#c-hold")
        hold = tap.wait_for(lambda m: m.name == "Hold" and m.get("Linkedid") == call.call_id, 15)
        assert (hold.get("Channel") or "").startswith("PJSIP/8001-"), hold.headers
        tap.wait_for(lambda m: m.name == "MusicOnHoldStart" and m.get("Linkedid") == call.call_id
                     and m.get("Channel") != hold.get("Channel"), 15)
        wait_js(desk, "!document.getElementById('pop-held').hidden", 15)  # the PBX's word, via the listener
        assert desk.inner_text("#c-hold") == "取回" and tuple(message(desk)) == ("done", "已保持:客户正在听等待音乐")
        shot(desk, "softphone-desk-held")
        # the desk opened again in a second tab (the phone stays in the first): 保持中 and its clock
        # from the PBX, and its 取回 is carried to the tab holding the phone
        again = rig.phone(context=desk.context, path="/desk")
        wait_js(again, "window.hotlineSoftphone.state === 'other-tab'", 10)
        wait_js(again, "!document.getElementById('pop-held').hidden", 15)
        assert again.inner_text("#c-hold") == "取回"
        again.click("#c-hold")
        tap.wait_for(lambda m: m.name == "Unhold" and m.get("Channel") == hold.get("Channel"), 15)
        wait_js(desk, "document.getElementById('pop-held').hidden", 15)
        wait_js(again, "document.getElementById('pop-held').hidden", 15)
        assert desk.inner_text("#c-hold") == "保持" and again.inner_text("#c-hold") == "保持"
        assert not again.errors, again.errors
        again.close()
        desk.click("#softphone-hangup")
        finish(tap, call, 15)
    rec = eventually(lambda: record(rig, call.call_id), 30, "the call's record")
    assert rec.holds == 1 and rec.hold_seconds is not None and rec.hold_seconds > 0, (rec.holds, rec.hold_seconds)
    assert not desk.errors, desk.errors
    desk.context.close()


def _spy(s: Settings) -> str | None:
    """The supervisor's channel running ChanSpy (…;1): what it sends is what the supervisor's phone hears."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        return next((c.name for c in channels(ami)
                     if c.name.startswith(SUPERVISOR_PHONE) and c.name.endswith(";1")), None)


def test_a_supervisor_listens_in_on_a_webrtc_agents_call_and_hears_the_agent(rig: Rig) -> None:
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000413")
        board = rig.context(mic=False).new_page()
        board.set_default_timeout(10000)
        login(board, rig.base, "boss")
        board.goto(rig.base + "/wallboard")
        listen = '#wb-agents tr[data-agent="8001"] button.listen'
        wait_js(board, f"document.querySelector({listen!r}) !== null", 15)
        board.click(listen)
        wait_js(board, "document.getElementById('wb-monitor-message').dataset.outcome === 'done'", 10)
        spy = eventually(lambda: _spy(s), 10, "the supervisor's ChanSpy")
        wav = rig.tmp / f"spy-{call.call_id}.wav"
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("MixMonitor", Channel=spy, File=str(wav))
        # what ChanSpy sends the supervisor's phone: the agent's browser microphone (the 1 kHz tone)
        time.sleep(3.0)  # three seconds of listening, recorded
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("StopMixMonitor", Channel=spy)
        desk.click("#softphone-hangup")
        finish(tap, call, 15)
    # MixMonitor writes the file out after StopMixMonitor: wait until it holds the seconds recorded
    samples, rate = eventually(lambda: (wav.exists() and wav.stat().st_size > 44
                                        and (got := read_mono(wav)) and len(got[0]) >= 2 * got[1] and got) or None,
                               10, "the supervisor's recording")
    rms, share = tone_share(samples[rate // 2:], rate)
    assert rms > 300 and share > 0.5, (rms, share)
    rec = eventually(lambda: record(rig, call.call_id), 30, "the call's record")
    board.goto(f"{rig.base}/calls/{rec.id}")
    rows = board.locator("#desk-controls").inner_text()
    assert "监听" in rows and "boss" in rows, rows
    assert not desk.errors, desk.errors
    desk.context.close()
    board.context.close()


def _energy(page: Any) -> float:
    """The audio energy the page's call has received so far (WebRTC's totalAudioEnergy)."""
    return float(page.evaluate("""async () => { let e = 0;
        (await window.hotlineSoftphone.session.connection.getStats()).forEach(r => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') e += r.totalAudioEnergy || 0; });
        return e; }"""))


def _heard(page: Any, seconds: float = 2.0) -> float:
    """The energy the page receives over ``seconds``."""
    before = _energy(page)
    time.sleep(seconds)
    return _energy(page) - before


def _recording(path: Any) -> tuple[list[int], int]:
    return eventually(lambda: (path.exists() and path.stat().st_size > 44
                               and (got := read_mono(path)) and len(got[0]) >= got[1] and got) or None,
                      10, f"the recording {path.name}")


def _spy_on(rig: Rig, call: PlacedCall, mode: MonitorMode) -> tuple[float, float]:
    """The supervisor's speaking phone joins 8001's call in ``mode`` for ~2 s: (the energy 8001's page
    receives meanwhile, the loudness (RMS) of what the caller hears meanwhile)."""
    s = rig.settings
    with rig.app.app_context(), session_factory()() as db:
        res = monitor(s, db, "boss", "8001", call.call_id, mode, SPEAKING_SUPERVISOR)
    assert res.ok, res.message
    spy = eventually(lambda: next((c for c in _channels(s) if c.startswith(SPEAKING_SUPERVISOR)
                                   and c.endswith(";1")), None), 10, "the supervisor's ChanSpy")
    caller = eventually(lambda: _caller(s, call), 5, "the caller's channel")
    wav = rig.tmp / f"caller-{mode.value}-{call.call_id}.wav"
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        ami.action("MixMonitor", Channel=caller, File=str(wav))
    heard = _heard(rig.extra["desk"])
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        ami.action("StopMixMonitor", Channel=caller)
        ami.action("Hangup", Channel=spy)
    eventually(lambda: not any(c.startswith(SPEAKING_SUPERVISOR) for c in _channels(s)) or None, 10,
               "the supervisor gone")
    samples, rate = _recording(wav)
    return heard, tone_share(samples, rate)[0]


def _channels(s: Settings) -> list[str]:
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        return [c.name for c in channels(ami)]


def _caller(s: Settings, call: PlacedCall) -> str | None:
    """The caller's own end: the simulated caller's side (…;1) of the Local channel whose other side
    is in the call. A recording there holds what the caller hears, whispers and barges included
    (a recording on the bridged side would be taken before ChanSpy mixes its audio in)."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        found = find(ami, "8001", call.call_id)
        if not isinstance(found, AgentCall) or not found.caller_channel.endswith(";2"):
            return None
        return found.caller_channel[:-2] + ";1"


def test_whisper_reaches_only_the_webrtc_agent_and_barge_both(rig: Rig) -> None:
    """耳语: the supervisor's voice (a phrase played by a test phone) reaches the agent's page, not
    the caller; 强插: both. The caller is silent after the greeting and the agent mutes the page, so
    whatever either of them receives is the supervisor."""
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000415")
        rig.extra["desk"] = desk
        desk.click("#softphone-mute")
        assert desk.evaluate("window.hotlineSoftphone.session.isMuted().audio") is True
        quiet = _heard(desk)
        whisper, caller_in_whisper = _spy_on(rig, call, MonitorMode.WHISPER)
        barge, caller_in_barge = _spy_on(rig, call, MonitorMode.BARGE)
        desk.click("#softphone-hangup")
        finish(tap, call, 15)
    assert whisper > 0.001 and whisper > 20 * quiet, (quiet, whisper)  # the agent hears the whisper
    assert caller_in_whisper < 30, caller_in_whisper  # … the caller does not (silence)
    assert barge > 0.001 and barge > 20 * quiet, (quiet, barge)
    assert caller_in_barge > 300, caller_in_barge  # 强插: the caller hears the supervisor too
    assert not desk.errors, desk.errors
    desk.context.close()


def test_a_supervisor_with_a_browser_phone_listens_from_the_wallboard(rig: Rig) -> None:
    """softphone_supervisors: the supervisor's own extension (8009) is a WebRTC endpoint in no queue;
    the wallboard holds the phone, 监听 rings it there, the supervisor answers in the page and hears
    the agent (the page receives the agent's tone); hanging up leaves the call going on."""
    s = rig.settings
    with EventTap(s) as tap:
        desk, call = answer_at_desk(rig, tap, "13800000416")
        board = rig.phone(user="chief", path="/wallboard")
        registered(board)
        assert rig.contacts("8009") == 1
        listen = '#wb-agents tr[data-agent="8001"] button.listen'
        wait_js(board, f"document.querySelector({listen!r}) !== null", 15)
        board.click(listen)
        wait_js(board, "document.getElementById('wb-monitor-message').dataset.outcome === 'done'", 10)
        wait_js(board, "window.hotlineSoftphone.call === 'ringing'", 15)
        board.click("#softphone-answer")
        wait_js(board, "window.hotlineSoftphone.call === 'in-call'", 10)
        heard = _heard(board)
        shot(board, "softphone-supervisor-listening")
        board.click("#softphone-hangup")
        wait_js(board, "window.hotlineSoftphone.call === null", 10)
        assert desk.evaluate("window.hotlineSoftphone.call") == "in-call"  # the call goes on
        desk.click("#softphone-hangup")
        finish(tap, call, 15)
    assert heard > 0.001, heard  # the agent's microphone, through ChanSpy, in the supervisor's page
    with rig.app.app_context(), session_factory()() as db:
        rows = db.scalars(select(DeskControl).where(DeskControl.call_id == call.call_id)).all()
        assert [(r.actor, r.control, r.detail) for r in rows] == [("chief", "listen", "PJSIP/8009")]
    assert not desk.errors and not board.errors, (desk.errors, board.errors)
    desk.context.close()
    board.context.close()
