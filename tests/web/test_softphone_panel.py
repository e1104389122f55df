"""The softphone's panel side (web/softphone.py): the SIP password goes to its own agent's session
only, never cached; pages may open the Asterisk WebSocket (CSP); off unless agent_softphone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, Panel, csrf_of, open_panel
from web.auth.users import add_user
from web.context import session_factory
from web.softphone import ws_url


@pytest.fixture
def phone_panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, agent_technology="pjsip", agent_softphone=True,
                          softphone_http_port=18088)


def test_credentials_are_the_agents_own_and_not_cached(phone_panel: Panel) -> None:
    s = phone_panel.settings
    for user, ext in (("agent1", "8001"), ("agent2", "8002")):
        r = phone_panel.client(user).get("/softphone/credentials")
        assert r.status_code == 200
        body = r.get_json()
        assert body["extension"] == ext and body["password"] == s.secret("sip_" + ext)
        assert body["ws_url"] == "ws://localhost:18088/ws" and body["uri"] == f"sip:{ext}@localhost"
        assert r.headers["Cache-Control"] == "no-store"
    assert phone_panel.client("agent1").get("/softphone/credentials").get_json()["password"] != \
        s.secret("sip_8002")


@pytest.mark.parametrize("user", [None, "insp", "boss", "root"])
def test_no_credentials_for_anyone_else(phone_panel: Panel, user: str | None) -> None:
    r = phone_panel.client(user).get("/softphone/credentials")
    assert r.status_code in (302, 401, 403, 404)
    assert "password" not in r.get_data(as_text=True)


def test_page_may_open_the_websocket(phone_panel: Panel) -> None:
    r = phone_panel.client("agent1").get("/softphone")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="softphone"' in html and "vendor/jssip/jssip.min.js" in html
    csp = r.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://localhost:18088" in csp and "script-src 'self'" in csp


def test_tls_sends_browsers_to_wss(tmp_path: Path, db_url: str) -> None:
    for panel in open_panel(tmp_path, db_url, agent_technology="pjsip", agent_softphone=True,
                            softphone_tls=True, softphone_https_port=18089):
        body = panel.client("agent1").get("/softphone/credentials").get_json()
        assert body["ws_url"] == "wss://localhost:18089/ws"  # a page over https may not open ws://
        assert ws_url(panel.settings, "seat.example") == "wss://seat.example:18089/ws"
        assert ws_url(panel.settings.replace(softphone_ws_url="wss://pbx.example/ws"), "x") == "wss://pbx.example/ws"


def test_off_unless_softphones_are_on(panel: Panel) -> None:
    c = panel.client("agent1")
    assert c.get("/softphone/credentials").status_code == 404
    assert c.get("/softphone").status_code == 404
    assert "connect-src" not in c.get("/agent").headers["Content-Security-Policy"]


def test_registration_reports_leave_an_agents_own_choice_alone(phone_panel: Panel) -> None:
    """Logged out stays logged out whatever the phone does (no PBX needed: nothing changes); the
    busy-while-unregistered round trip runs on a real Asterisk in test_softphone.py."""
    c = phone_panel.client("agent1")
    token = csrf_of(c, "/softphone")
    for registered in ("0", "1"):
        r = c.post("/softphone/registration", data={"registered": registered, "csrf_token": token})
        assert r.status_code == 200 and r.get_json()["presence"] == "logged_out"
    assert c.post("/softphone/registration", data={"registered": "0"}).status_code == 400  # no CSRF token
    boss = phone_panel.client("boss")
    assert boss.post("/softphone/registration", data={"registered": "0",
                                                      "csrf_token": csrf_of(boss, "/calls")}).status_code in (403, 404)


def test_the_desk_holds_the_phone(phone_panel: Panel) -> None:
    """Issue 16: the seat is the desk page and a headset — the desk includes the phone."""
    html = phone_panel.client("agent1").get("/desk").get_data(as_text=True)
    assert 'id="softphone"' in html and "softphone.js" in html and "desk.js" in html


def test_no_phone_on_the_desk_when_softphones_are_off(panel: Panel) -> None:
    html = panel.client("agent1").get("/desk").get_data(as_text=True)
    assert "desk.js" in html and 'id="softphone"' not in html


def test_turn_credentials_are_the_agents_own_and_time_limited(tmp_path: Path, db_url: str) -> None:
    """softphone_turn: each agent's phone is given a TURN REST API credential of its own, which
    expires (hotline.pbx.turn); the shared secret itself is never sent."""
    for panel in open_panel(tmp_path, db_url, agent_technology="pjsip", agent_softphone=True,
                            softphone_http_port=18088, softphone_turn=True, softphone_turn_port=13478,
                            softphone_turn_ttl_s=600):
        s = panel.settings
        for user, ext in (("agent1", "8001"), ("agent2", "8002")):
            before = time.time()
            r = panel.client(user).get("/softphone/credentials")
            body = r.get_json()
            (turn,) = [srv for srv in body["ice_servers"] if "username" in srv]
            expires, who = turn["username"].split(":")
            assert who == ext and int(before) + 600 <= int(expires) <= time.time() + 600
            assert turn["urls"] == ["turn:localhost:13478?transport=udp", "turn:localhost:13478?transport=tcp"]
            assert turn["credential"] and s.secret("softphone_turn_secret") not in r.get_data(as_text=True)
            assert body["ice_ttl_s"] == 600 and r.headers["Cache-Control"] == "no-store"
        r = panel.client("boss").get("/softphone/credentials")
        assert r.status_code in (302, 401, 403, 404) and "credential" not in r.get_data(as_text=True)


def test_a_supervisor_listed_in_softphone_supervisors_has_a_phone_on_the_wallboard(tmp_path: Path,
                                                                                  db_url: str) -> None:
    for panel in open_panel(tmp_path, db_url, agent_technology="pjsip", agent_softphone=True,
                            softphone_http_port=18088, softphone_supervisors=["8009"]):
        with panel.app.app_context(), session_factory()() as db:
            add_user(db, "chief", "supervisor", PASSWORD, "8009")
        chief = panel.client("chief")
        body = chief.get("/softphone/credentials").get_json()
        assert body["extension"] == "8009" and body["password"] == panel.settings.secret("sip_8009")
        assert 'id="softphone"' in chief.get("/wallboard").get_data(as_text=True)
        r = chief.post("/softphone/registration", data={"registered": "0", "csrf_token": csrf_of(chief, "/wallboard")})
        assert r.status_code == 200 and r.get_json()["presence"] is None  # in no queue: no presence
        boss = panel.client("boss")  # a supervisor without an extension: no phone
        assert boss.get("/softphone/credentials").status_code == 404
        assert 'id="softphone"' not in boss.get("/wallboard").get_data(as_text=True)
