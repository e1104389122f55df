"""The browser softphone through TURN (issue #16; setting softphone_turn): the project's coturn
(hotline.pbx.turn) on loopback, the page given a time-limited TURN REST API credential by
/softphone/credentials, and a browser forced to relay-only (``iceTransportPolicy: 'relay'``, as
a network with no UDP path to Asterisk leaves it): a real queue call still rings, is answered and
talks both ways, the media going through coturn's relay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from hotline.pbx.turn import TurnServer, relay_address
from hotline.settings import Settings
from tests.hotline.desk.conftest import eventually
from tests.ivr.conftest import finish, place_call
from tests.support.pbx import EventTap
from tests.support.ports import free_port, rtp_range
from tests.web.browser import shot, wait_js
from tests.web.softphone_rig import Rig, open_rig, registered, rtp_received, wait_rtp

pytestmark = [pytest.mark.asterisk, pytest.mark.browser]

# every RTCPeerConnection of the page is relay-only, whatever the page asks for
RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  function RelayOnly(config, ...rest) {
    window.relayOnlyConfigs = (window.relayOnlyConfigs || []).concat([config]);
    return new Native(Object.assign({}, config, {iceTransportPolicy: 'relay'}), ...rest);
  }
  RelayOnly.prototype = Native.prototype;
  Object.setPrototypeOf(RelayOnly, Native);
  window.RTCPeerConnection = RelayOnly;
})();"""


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings, built_prompts: Any) -> Iterator[Rig]:
    start, end = rtp_range(64)
    for r in open_rig(tmp_path_factory, pbx_settings, "softphoneturn", softphone_turn=True,
                      softphone_turn_port=free_port(udp_too=True), softphone_turn_min_port=start,
                      softphone_turn_max_port=end):
        with TurnServer(r.settings) as turn:
            r.extra["turn"] = turn
            yield r


def selected_pair(page: Any) -> dict[str, str]:
    """The candidate types of the ICE pair the page's call uses."""
    return dict(page.evaluate("""async () => {
        const stats = await window.hotlineSoftphone.session.connection.getStats();
        const byId = {}; stats.forEach(r => { byId[r.id] = r; });
        let pair = null;
        stats.forEach(r => { if (r.type === 'transport' && r.selectedCandidatePairId)
                               pair = byId[r.selectedCandidatePairId]; });
        if (!pair) stats.forEach(r => { if (r.type === 'candidate-pair' && r.nominated
                                            && r.state === 'succeeded') pair = r; });
        if (!pair) return {};
        const local = byId[pair.localCandidateId];
        return {local: local.candidateType, remote: byId[pair.remoteCandidateId].candidateType,
                relayProtocol: local.relayProtocol || '', address: local.address, port: local.port,
                url: local.url || ''}; }"""))


def test_a_relay_only_browser_answers_and_talks_through_coturn(rig: Rig) -> None:
    s = rig.settings
    context = rig.context()
    context.add_init_script(RELAY_ONLY)
    page = rig.phone(context=context)
    registered(page)
    creds = page.evaluate("""() => fetch('/softphone/credentials', {credentials: 'same-origin'}).then(r => r.json())""")
    turn = [srv for srv in creds["ice_servers"] if "username" in srv]
    assert turn and re.fullmatch(r"\d+:8001", turn[0]["username"]), creds["ice_servers"]
    assert any(u.startswith(f"turn:127.0.0.1:{s.softphone_turn_port}") for u in turn[0]["urls"])
    with EventTap(s) as tap:
        call = place_call(s, "13800000421", stay=40)
        wait_js(page, "window.hotlineSoftphone.call === 'ringing'", 20)
        page.click("#softphone-answer")
        wait_js(page, "window.hotlineSoftphone.call === 'in-call'", 15)
        media = wait_rtp(page)
        from_browser = eventually(lambda: ((n := rtp_received(rig.pbx)) >= 100 and n) or None, 15,
                                  "RTP from the browser at Asterisk")
        pair = selected_pair(page)
        shot(page, "softphone-relay")
        page.click("#softphone-hangup")
        finish(tap, call, 15)
    # the page asked for the project's TURN server, and the browser could only relay through it
    assert page.evaluate("window.relayOnlyConfigs.length") >= 1
    assert any("username" in srv for srv in page.evaluate("window.relayOnlyConfigs[0].iceServers"))
    # the pair the call used: a relay candidate of the project's coturn (its relay address and ports)
    assert pair.get("local") == "relay", pair
    assert pair["address"] == relay_address(s), pair
    assert s.softphone_turn_min_port <= pair["port"] <= s.softphone_turn_max_port, pair
    assert pair["url"].startswith(f"turn:127.0.0.1:{s.softphone_turn_port}"), pair
    assert media["received"] >= 100 and media["sent"] >= 100, media
    assert from_browser >= 100
    assert not page.errors, page.errors
    context.close()
