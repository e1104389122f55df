"""The browser softphone (issue #16) on a real private Asterisk of this module's own (agent 8001's
endpoint is WebRTC: agent_technology = pjsip, agent_softphone), with headless Chromium whose fake
microphone plays a 1 kHz tone: a real call into the hotline rings the page, the page answers,
media flows both ways (Asterisk counts RTP from the browser, the browser counts RTP from Asterisk,
the call's recording holds the tone), hang-up from either side ends both. Bad input: a refused
microphone, a dropped WebSocket, a second tab of the same agent."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from hotline.desk import presence
from hotline.models.desk import PresenceChange
from hotline.rules import ring_rule
from hotline.settings import Settings
from tests.ivr.conftest import finish, place_call
from tests.support.pbx import EventTap
from tests.support.softphone import read_mono, tone_share
from tests.web.browser import shot, wait_js
from tests.web.softphone_rig import STATE, Rig, browser_rtp, open_rig, registered, rtp_received
from web.context import session_factory
from web.softphone import SOFTPHONE

pytestmark = [pytest.mark.asterisk, pytest.mark.browser]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings, built_prompts: Any) -> Iterator[Rig]:
    yield from open_rig(tmp_path_factory, pbx_settings, "softphone")


def test_a_call_rings_the_page_which_answers_and_talks_both_ways_then_hangs_up(rig: Rig) -> None:
    s, ast = rig.settings, rig.pbx
    page = rig.phone()
    registered(page)
    assert rig.contacts() == 1
    assert page.evaluate("window.hotlineSoftphone.ua._transport.socket._ws.url").startswith("wss://")
    with EventTap(s) as tap:
        call = place_call(s, "13800000401", stay=40)
        wait_js(page, "window.hotlineSoftphone.call === 'ringing'", 15)
        assert "13800000401" in page.inner_text("#softphone-call")
        shot(page, "softphone-ringing")
        page.click("#softphone-answer")
        wait_js(page, "window.hotlineSoftphone.call === 'in-call'", 10)
        # the greeting (R-ANS-GREET) plays to the caller first; then the page and caller talk
        tap.wait_for(lambda m: m.name == "VarSet" and m.get("Variable") == "HOTLINE_WORKNUM_PLAYED"
                     and m.get("Linkedid") == call.call_id, 20)
        page.click("#softphone-mute")
        assert page.evaluate("window.hotlineSoftphone.session.isMuted().audio") is True
        assert page.get_attribute("#softphone-mute", "aria-pressed") == "true"
        page.click("#softphone-mute")
        assert page.evaluate("window.hotlineSoftphone.session.isMuted().audio") is False
        page.click("#softphone-pad button[data-digit='5']")  # RFC 4733 reaches Asterisk
        tap.wait_for(lambda m: m.name == "DTMFEnd" and m.get("Digit") == "5"
                     and (m.get("Channel") or "").startswith("PJSIP/8001-"), 5)
        time.sleep(3.0)  # the tone alone, then: the recording's last seconds
        from_browser = rtp_received(ast)
        in_browser = browser_rtp(page)
        shot(page, "softphone-in-call")
        page.click("#softphone-hangup")  # the agent hangs up: the caller's side ends too
        t0 = time.monotonic()
        finish(tap, call, 10)
        assert time.monotonic() - t0 < 5
    wait_js(page, "window.hotlineSoftphone.call === null", 5)
    assert from_browser > 100, ast.cli("pjsip show channelstats")  # 50 packets/s for 3 s and more
    assert in_browser["received"] > 100 and in_browser["sent"] > 100, in_browser
    rec = sorted(ast.layout.monitor.glob(f"{call.call_id}-*.wav"))
    assert rec, list(ast.layout.monitor.iterdir())
    samples, rate = read_mono(rec[0])
    rms, share = tone_share(samples[-2 * rate:-rate // 4], rate)  # the last seconds: caller silent
    assert rms > 300 and share > 0.5, (rms, share)  # the fake microphone's tone, through DTLS-SRTP
    assert not page.errors, page.errors
    page.context.close()


def test_caller_hanging_up_ends_the_page_call_with_auto_answer(rig: Rig) -> None:
    s = rig.settings
    page = rig.phone()
    page.check("#softphone-auto")
    registered(page)
    with EventTap(s) as tap:
        call = place_call(s, "13800000402", stay=6)
        wait_js(page, "window.hotlineSoftphone.call === 'in-call'", 15)  # answered without a click
        finish(tap, call, 20)
    wait_js(page, "window.hotlineSoftphone.call === null", 5)
    assert page.is_disabled("#softphone-hangup")
    page.context.close()


def test_refused_microphone_says_so_and_the_agent_is_not_available(rig: Rig) -> None:
    with rig.app.app_context(), session_factory()() as db:
        assert presence.set_state(rig.settings, db, "8001", presence.P.AVAILABLE).ok  # 示闲 before opening the phone
    page = rig.phone(mic=False)
    wait_js(page, f"{STATE} === 'no-mic'", 10)
    assert "NOT available" in page.inner_text("#softphone-status") or "不" in page.inner_text("#softphone-status")
    assert rig.wait_presence("busy") == ("busy", "softphone")  # the queue pauses the member
    assert rig.contacts() == 0  # nor could it ring a phone that cannot talk
    shot(page, "softphone-no-mic")
    page.context.close()
    # a phone that registers lifts the busy the softphone set
    good = rig.phone()
    registered(good)
    assert rig.wait_presence("available") == ("available", "softphone")
    good.context.close()


def test_a_registration_report_the_panel_could_not_store_is_said_again(rig: Rig) -> None:
    """The panel answers the phone's "registered" 503 (the database or the agent's presence held
    up by another change: ``presence_lock``): the page says it again a moment later, and the busy
    the softphone set is lifted. It said it once: the desk stayed 示忙 with the phone back."""
    with rig.app.app_context(), session_factory()() as db:
        assert presence.set_state(rig.settings, db, "8001", presence.P.AVAILABLE).ok
        assert presence.set_state(rig.settings, db, "8001", presence.P.BUSY, by=SOFTPHONE).ok
    reports: list[str] = []

    def held_up_once(route: Any) -> None:
        said = "1" if 'name="registered"\r\n\r\n1' in (route.request.post_data or "") else "0"
        reports.append(said)
        if said == "1" and reports.count("1") == 1:
            route.fulfill(status=503, content_type="application/json", body='{"error": "busy"}')
        else:
            route.continue_()

    context = rig.context()
    context.route("**/softphone/registration", held_up_once)
    page = rig.phone(context=context)
    registered(page)
    deadline = time.monotonic() + 15
    while reports.count("1") < 2:
        assert time.monotonic() < deadline, reports
        page.wait_for_timeout(200)  # the route's handler runs while Playwright waits
    assert rig.wait_presence("available") == ("available", "softphone")
    assert not page.errors, page.errors
    context.close()


def test_dropped_websocket_reregisters_and_says_so(rig: Rig) -> None:
    page = rig.phone()
    registered(page)
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text))
    page.evaluate("""() => {
        window.softphoneStates = [];
        document.addEventListener('hotline:softphone', e => window.softphoneStates.push(e.detail.state));
        window.hotlineSoftphone.ua._transport.socket._ws.close(); }""")  # the connection drops under the page
    wait_js(page, "window.softphoneStates.includes('reconnecting')", 5)
    registered(page, 20)
    assert page.evaluate("window.hotlineSoftphone.reconnects") >= 1
    assert rig.contacts() == 1
    page.context.close()


def test_second_tab_does_not_take_the_phone(rig: Rig) -> None:
    first = rig.phone()
    registered(first)
    second = rig.phone(context=first.context)
    wait_js(second, f"{STATE} === 'other-tab'", 10)
    assert "tab" in second.inner_text("#softphone-status") or "标签" in second.inner_text("#softphone-status")
    assert rig.contacts() == 1
    shot(second, "softphone-second-tab")
    first.close(run_before_unload=True)  # the holder goes: the waiting tab takes the phone over
    registered(second, 20)
    assert rig.contacts() == 1
    second.context.close()


def test_server_side_websocket_drop_reregisters_and_the_desk_shows_it(rig: Rig) -> None:
    """Asterisk's end of the WebSocket is killed (``ss -K``: a reset from the server's side, as a
    restarted proxy or a dropped NAT mapping does) — this module's own Asterisk stays up. The desk's
    phone says it is reconnecting, the agent is made busy meanwhile (presence by ``softphone``), the
    phone reconnects, registers again and the agent is available again."""
    s = rig.settings
    with rig.app.app_context(), session_factory()() as db:
        assert presence.set_state(s, db, "8001", presence.P.AVAILABLE).ok  # 示闲
    desk = rig.phone(path="/desk")
    registered(desk)
    desk.evaluate("""() => {
        window.softphoneStates = [];
        window.softphoneTexts = [];
        document.addEventListener('hotline:softphone', e => {
            window.softphoneStates.push(e.detail.state);
            window.softphoneTexts.push(document.getElementById('softphone-status').textContent); }); }""")
    killed = subprocess.run(["ss", "-K", "-t", "state", "established", f"( sport = :{s.softphone_https_port} )"],
                            capture_output=True, text=True, timeout=10)
    assert killed.returncode == 0 and f":{s.softphone_https_port}" in killed.stdout, (killed.stdout, killed.stderr)
    wait_js(desk, "window.softphoneStates.includes('reconnecting')", 10)
    texts = desk.evaluate("window.softphoneTexts")
    assert any("reconnecting" in t or "重新连接" in t or "重连" in t for t in texts), texts
    # the registration's loss reached the panel: a busy the softphone set (the queue paused 8001)
    wait_js(desk, "window.softphoneStates.lastIndexOf('registered') > window.softphoneStates.indexOf('reconnecting')",
            30)
    assert desk.evaluate("window.hotlineSoftphone.reconnects") >= 1
    with rig.app.app_context(), session_factory()() as db:
        rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001")
                          .order_by(PresenceChange.id)).all()
        trail = [(r.state, r.by) for r in rows]
    assert ("busy", "softphone") in trail, trail
    assert rig.wait_presence("available") == ("available", "softphone")
    wait_js(desk, "document.getElementById('desk-state').textContent.trim() !== ''", 5)
    assert rig.contacts() == 1
    shot(desk, "softphone-server-drop")
    assert not desk.errors, desk.errors
    desk.context.close()
    with rig.app.app_context(), session_factory()() as db:
        presence.set_state(s, db, "8001", presence.P.LOGGED_OUT)


def answer_after(page: Any, not_before: float, deadline: float) -> None:
    """Answers the page's first ring after ``not_before`` (monotonic). A ring times out and rings
    again (the queue's member timeout): a click that lands as one ends answers nothing (the page's
    answer() is for a ringing call only), and the next ring is answered."""
    while (state := page.evaluate("window.hotlineSoftphone.call")) != "in-call":
        assert time.monotonic() < deadline, f"the page answered no ring after the threshold (now {state!r})"
        if state == "ringing" and time.monotonic() > not_before:
            page.click("#softphone-answer", force=True)  # no wait for the button: the ring may be over
            with contextlib.suppress(AssertionError):
                wait_js(page, "window.hotlineSoftphone.call !== 'ringing'", 5)
            continue
        time.sleep(0.1)


def test_a_caller_who_waited_past_four_rings_hears_the_apology_before_the_work_number(rig: Rig) -> None:
    """R-ANS-LATE-APOLOGY with a WebRTC agent: the page answers only once the caller has waited
    longer than the rule's threshold (4 rings of ring_cycle_s); the apology plays, then the work
    number (R-ANS-GREET), as for any other member."""
    s = rig.settings
    threshold = ring_rule(s).threshold_s
    with rig.app.app_context(), session_factory()() as db:
        # 示闲: 签出 (the test before) paused the static member
        assert presence.set_state(s, db, "8001", presence.P.AVAILABLE).ok
    page = rig.phone()
    registered(page)
    with EventTap(s) as tap:
        placed = time.monotonic()
        call = place_call(s, "13800000403", stay=40)
        answer_after(page, placed + threshold + 1.5, placed + threshold + 40)
        for var in ("HOTLINE_LATE_APOLOGY", "HOTLINE_WORKNUM_PLAYED"):
            tap.wait_for(lambda m, v=var: m.name == "VarSet" and m.get("Variable") == v
                         and m.get("Linkedid") == call.call_id, 30)
        page.click("#softphone-hangup")
        finish(tap, call, 10)
    assert not page.errors, page.errors
    page.context.close()
