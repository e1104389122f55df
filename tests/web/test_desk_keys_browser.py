"""The desk in headless Chromium without a PBX (the live snapshot written to the database, the
browser softphone stood in for by a stub in the page): 保持 is not offered during 咨询转接 and comes
back after it, and the desk's keyboard shortcuts do what their buttons do, never while typing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.web.browser import chromium, login, new_page, shot, wait_js
from tests.web.conftest import Panel
from tests.web.factory import set_live

pytestmark = pytest.mark.browser

NUMBER = "13912345678"
CALL_ID = "1700.1"
CONSULTING = "咨询中:客户已由转接保持,此时保持会保持被咨询方。完成转接或取消咨询后可再保持。"
# softphone.js's window.hotlineSoftphone as the desk reads it: a call in this tab, its own hold
STUB = """() => {
  window.holds = [];
  window.hotlineSoftphone = {state: "registered", registered: true, call: "in-call", held: false, relayed: false,
    hold: function (on) { window.holds.push(on); this.held = on;
                          document.dispatchEvent(new CustomEvent("hotline:softphone")); return true; }};
  document.dispatchEvent(new CustomEvent("hotline:softphone"));
}"""
HOLD = "document.getElementById('c-hold')"


def _live(panel: Panel, held_since: float | None, state: str = "talking") -> None:
    ts = datetime.now(UTC).timestamp()
    agent: dict[str, Any] = {"state": state, "since": ts - 100, "call_id": CALL_ID, "queue": "hotline"}
    if held_since is not None:
        agent["held_since"] = held_since
    db = panel.db()
    set_live(db, {"queues": {}, "gap": False, "updated": ts, "agents": {"8001": agent},
                  "calls": {CALL_ID: {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 120, "vars": {}}}},
             server=panel.settings.server_id)
    db.close()


def _desk(browser: Any, base: str) -> Any:
    page = new_page(browser)
    login(page, base, "agent1")
    page.goto(base + "/desk")
    return page


def _until(page: Any, cond: Callable[[], bool], timeout_ms: int = 10000) -> None:
    """Wait for ``cond``, the page's events (its routed requests) handled meanwhile."""
    for _ in range(timeout_ms // 50):
        if cond():
            return
        page.wait_for_timeout(50)
    raise AssertionError("not true in time")


def _message(page: Any) -> tuple[str, str]:
    return tuple(page.evaluate("[document.getElementById('desk-message').dataset.error,"
                               " document.getElementById('desk-message').textContent]"))


def test_hold_is_not_offered_during_a_consultation_and_comes_back_after_it(served: tuple[Panel, str]) -> None:
    """咨询转接: the transfer holds the caller (Asterisk's Hold on the agent's leg: held_since) while
    the phone's own session holds nothing — its leg talks to the consulted party, whom 保持 would
    hold. The button is disabled with the reason (title and note), its shortcut says why and holds
    nothing; after 取消咨询 / 完成转接 (the Unhold) 保持 is offered again. The phone's own hold is no
    consultation, nor is its echo in the snapshot just after 取回."""
    panel, base = served
    ts = datetime.now(UTC).timestamp()
    _live(panel, ts - 3)  # consulting for 3 s
    with chromium() as browser:
        page = _desk(browser, base)
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        page.evaluate(STUB)
        wait_js(page, f"!{HOLD}.hidden && {HOLD}.disabled")
        assert page.get_attribute("#c-hold", "title") == CONSULTING
        assert page.inner_text("#c-hold-note") == CONSULTING and page.is_visible("#c-hold-note")
        assert not page.is_hidden("#pop-held")  # the caller hears music on hold meanwhile
        shot(page, "desk-hold-consulting")
        page.keyboard.press("Alt+KeyH")
        assert _message(page) == ("key_off", CONSULTING)
        assert page.evaluate("window.holds") == []
        # 取消咨询: Asterisk's Unhold on the agent's leg; the agent talks to the caller again
        _live(panel, None)
        wait_js(page, f"!{HOLD}.disabled && {HOLD}.textContent === '保持'")
        assert page.is_hidden("#c-hold-note") and page.get_attribute("#c-hold", "title") == ""
        # the phone's own hold, by its shortcut: held in the session, then in the PBX's snapshot
        page.keyboard.press("Alt+KeyH")
        assert page.evaluate("window.holds") == [True]
        _live(panel, datetime.now(UTC).timestamp())
        wait_js(page, "!document.getElementById('pop-held').hidden")
        assert page.inner_text("#c-hold") == "取回" and not page.is_disabled("#c-hold")
        # 取回: the session is back at once, the snapshot still says held until the listener's Unhold
        page.click("#c-hold")
        assert page.evaluate("window.holds") == [True, False]
        page.wait_for_timeout(700)  # a render of the 500 ms tick with the snapshot not yet moved
        assert page.inner_text("#c-hold") == "保持" and not page.is_disabled("#c-hold")
        assert page.is_hidden("#c-hold-note")


def test_hold_is_withheld_from_the_consult_click_until_the_pbxs_hold_arrives(served: tuple[Panel, str]) -> None:
    """Between 咨询转接 and the PBX's Hold reaching the desk (about a second: the listener, the
    scheduler's snapshot, the stream) the snapshot holds nothing yet, and a 保持 then would hold
    the consulted party: the ask counts as the consultation from the click, until the Hold arrives —
    or at once no longer when the server refuses it, or after 5 s when no Hold came."""
    panel, base = served
    _live(panel, None)
    with chromium() as browser:
        page = _desk(browser, base)
        answers: list[dict[str, Any]] = [{"ok": False, "error": "no_target", "message": "refused"}]

        def control(route: Any) -> None:  # the consult as the server answers it
            route.fulfill(json=answers[0])
        page.route("**/desk/control", control)
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        page.evaluate(STUB)
        wait_js(page, f"!{HOLD}.hidden && !{HOLD}.disabled")
        # refused: 保持 offered again as soon as the answer is in
        page.click("#c-consult")
        _until(page, lambda: _message(page)[0] == "no_target")
        assert not page.is_disabled("#c-hold")
        # accepted: withheld from the click, the Hold not yet in the snapshot
        answers[0] = {"ok": True, "message": "consulting"}
        page.click("#c-consult")
        assert page.is_disabled("#c-hold") and page.is_visible("#c-hold-note")
        page.keyboard.press("Alt+KeyH")
        assert page.evaluate("window.holds") == []
        _live(panel, datetime.now(UTC).timestamp())  # the PBX's Hold arrives: the consultation itself
        wait_js(page, "!document.getElementById('pop-held').hidden")
        assert page.is_disabled("#c-hold")
        _live(panel, None)  # 取消咨询
        wait_js(page, f"!{HOLD}.disabled")
        # accepted but no Hold ever came (a PBX that did not hold): offered again after 5 s
        page.click("#c-consult")
        assert page.is_disabled("#c-hold")
        wait_js(page, f"!{HOLD}.disabled", 8)
        assert page.evaluate("window.holds") == []


def test_shortcuts_do_what_their_buttons_do_and_not_while_typing(served: tuple[Panel, str]) -> None:
    """Alt+letter presses its button (the same request as a click), in a field too; a button not
    offered now is not pressed and the desk says so; "?" opens the legend, written from desk.js's
    table — but typed in a field it is just typed."""
    panel, base = served
    _live(panel, None, state="idle")
    with chromium() as browser:
        page = _desk(browser, base)
        sent: list[str] = []

        def answer(route: Any) -> None:  # the presence request as the server gets it
            sent.append(route.request.post_data or "")
            route.fulfill(json={"ok": True, "message": "ok", "state": "busy"})
        page.route("**/desk/presence", answer)
        wait_js(page, "document.getElementById('desk').dataset.updates > 0", 20)
        legend = dict(page.evaluate("Array.from(document.querySelectorAll('#desk-keys-table tr'))"
                                    ".map(r => [r.cells[0].textContent, r.cells[1].textContent])"))
        assert legend == {"F4": "挂断", "Alt+R": "示闲", "Alt+B": "示忙", "Alt+P": "小休", "Alt+H": "保持 / 取回",
                          "Alt+S": "转满意度", "Alt+N": "登记工单", "Alt+O": "外呼号码", "Alt+W": "返回接听"}
        # (no softphone in this page: no F2 for 接听)
        page.keyboard.press("Alt+KeyB")
        _until(page, lambda: len(sent) == 1)
        page.click("#p-busy")
        _until(page, lambda: len(sent) == 2)
        assert sent[0] == sent[1] and "state=busy" in sent[0], sent  # the key's request is the click's
        # typing in a field: letters and "?" are typed, nothing fires; an Alt combo still works there
        page.click("#dial-number")
        page.keyboard.type("?rbph")
        assert page.input_value("#dial-number") == "?rbph"
        assert page.evaluate("document.getElementById('desk-keys').open") is False and len(sent) == 2
        page.keyboard.press("Alt+KeyR")
        _until(page, lambda: len(sent) == 3)
        assert "state=available" in sent[2], sent
        # outside a field "?" opens the legend
        page.click("h1")
        page.keyboard.press("?")
        assert page.evaluate("document.getElementById('desk-keys').open") is True
        shot(page, "desk-keys")
        # no call: 挂断's key presses nothing and says why
        page.keyboard.press("F4")
        assert _message(page) == ("key_off", "挂断(F4)当前不可用。")
        # Alt+O: to the dial-out field
        page.keyboard.press("Alt+KeyO")
        assert page.evaluate("document.activeElement.id") == "dial-number"
