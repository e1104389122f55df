"""The desk's 咨询转接 buttons in headless Chromium without a PBX (the live snapshot written to the
database): 完成转接 / 取消咨询 are offered only while a consultation of the call is under way,
begun on the desk or the phone (*2), 咨询转接 only while none is (until 7 December all three
showed on every call, the first two refused with "当前没有进行中的咨询")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.web.browser import chromium, login, new_page, shot, wait_js
from tests.web.conftest import Panel
from tests.web.factory import set_live

pytestmark = pytest.mark.browser

AGENT = "8001"
CALL_ID = "1700.1"
OFFERED = ("[!document.getElementById('c-consult').hidden, !document.getElementById('c-consult-complete').hidden,"
           " !document.getElementById('c-consult-cancel').hidden]")
NONE_UNDER_WAY = [True, False, False]
UNDER_WAY = [False, True, True]


def _live(panel: Panel, held_since: float | None, consulting: str | None = None,
          consulted_by: str | None = None) -> None:
    ts = datetime.now(UTC).timestamp()
    agent: dict[str, Any] = {"state": "talking", "since": ts - 100, "call_id": CALL_ID, "queue": "hotline"}
    if consulted_by is not None:
        agent["consulted_by"] = consulted_by
    if held_since is not None:
        agent["held_since"] = held_since
    if consulting is not None:
        agent["consulting"] = consulting
    db = panel.db()
    set_live(db, {"queues": {}, "gap": False, "updated": ts, "agents": {AGENT: agent},
                  "calls": {CALL_ID: {"caller_number": "13912345678", "caller_name": "", "queued_at": ts - 120,
                                      "vars": {}}}},
             server=panel.settings.server_id)
    db.close()


def _offered(page: Any, want: list[bool]) -> None:
    wait_js(page, f"JSON.stringify({OFFERED}) === '{json.dumps(want, separators=(',', ':'))}'")


def test_complete_and_cancel_only_while_a_consultation_of_the_call_is_under_way(served: tuple[Panel, str]) -> None:
    """A desk phone (no softphone in the page): the server says whether a consultation of the call
    is under way — the PBX holding the caller for it and its channel up (the snapshot's
    ``consulting``), begun here or with the phone's *2 — so a reload mid-consultation still offers
    完成转接 / 取消咨询; the consulted party's hang-up (the channel gone, then the Unhold) and
    取消咨询 end it, the phone's own hold key is none."""
    panel, base = served
    _live(panel, None)
    with chromium() as browser:
        page = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        _offered(page, NONE_UNDER_WAY)
        # begun a minute ago (here, in another tab, on the phone): a reload still offers them
        now = datetime.now(UTC).timestamp()
        _live(panel, now - 59, "8002")
        page.reload()
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        _offered(page, UNDER_WAY)
        shot(page, "desk-consulting")
        # the consulted party hung up: its channel goes, Asterisk gives the caller back (Unhold)
        _live(panel, now - 59)
        _offered(page, NONE_UNDER_WAY)
        _live(panel, None)
        # the desk phone's own hold key afterwards is no consultation
        _live(panel, datetime.now(UTC).timestamp())
        page.wait_for_timeout(1500)  # a read of the stream's, at least
        assert page.evaluate(OFFERED) == NONE_UNDER_WAY
        # a consultation begun while held: under way until it ends
        _live(panel, datetime.now(UTC).timestamp(), "8003")
        _offered(page, UNDER_WAY)
        _live(panel, None)
        _offered(page, NONE_UNDER_WAY)


def test_the_consult_click_offers_complete_and_cancel_at_once(served: tuple[Panel, str]) -> None:
    """From the 咨询转接 click the ask counts as the consultation (the PBX's Hold is about a second
    away); a refusal withdraws it at once."""
    panel, base = served
    _live(panel, None)
    with chromium() as browser:
        page = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        answers: list[dict[str, Any]] = [{"ok": False, "error": "no_target", "message": "refused"}]
        page.route("**/desk/control", lambda route: route.fulfill(json=answers[0]))
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        _offered(page, NONE_UNDER_WAY)
        page.click("#c-consult")
        wait_js(page, "document.getElementById('desk-message').dataset.error === 'no_target'")
        _offered(page, NONE_UNDER_WAY)
        answers[0] = {"ok": True, "message": "consulting"}
        page.click("#c-consult")
        _offered(page, UNDER_WAY)


CONSULTED_OFF = ("['c-transfer', 'c-consult', 'c-survey', 'c-malicious', 'c-phrase-goodbye']"
                 ".map(function (id) { return document.getElementById(id).disabled; })"
                 ".concat([document.getElementById('c-hangup').disabled])")


def test_the_consulted_desk_says_whose_consultation_and_offers_only_hang_up(served: tuple[Panel, str]) -> None:
    """8002 consults this agent (the snapshot's ``consulted_by``): the desk says 咨询中 (来自 8002) in
    its state and its pop, its controls but 挂断 are disabled (each would act on 8002's leg, not the
    caller); once the transfer completes (the mark gone) it is 通话中 with every control again."""
    panel, base = served
    _live(panel, None, consulted_by="8002")
    with chromium() as browser:
        page = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.consultedBy === '8002'", 20)
        assert page.inner_text("#desk-state") == "咨询中 (来自 8002)"
        assert page.inner_text("#pop-status") == "咨询中 (来自 8002)"
        assert page.evaluate(CONSULTED_OFF) == [True, True, True, True, True, False]
        shot(page, "desk-consulted")
        _live(panel, None)  # completed: 8001 talks with the caller now
        wait_js(page, "document.getElementById('desk').dataset.consultedBy === ''", 20)
        assert "咨询中" not in page.inner_text("#desk-state") and page.inner_text("#pop-status") == "通话中"
        assert page.evaluate(CONSULTED_OFF) == [False, False, False, False, False, False]
