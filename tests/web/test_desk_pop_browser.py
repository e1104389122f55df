"""The desk's screen pop in headless Chromium, without a PBX (a live snapshot in the database): the
agent records the call's matter in one click (登记工单 opens the case form tied to the call still
up and pre-filled with its number and customer), and the pop speaks the page's language — the IVR
menu choice and the history's stored keys (dispositions, report statuses, the caller's cases) are
shown translated, not as raw keys. Found by the newcomer's walk through `make run`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline.models.cases import Case
from hotline.models.ivr import Customer, FaultReport
from tests.web.browser import chromium, login, new_page, shot, wait_js
from tests.web.conftest import Panel
from tests.web.factory import make_call, set_live

pytestmark = pytest.mark.browser

NUMBER = "13912345678"
CALL_ID = "1700.1"


def _seed(panel: Panel) -> None:
    now = datetime.now(UTC)
    db = panel.db()
    db.add(Customer(phone="+86" + NUMBER, name="王伟", address="人民路1号", area="东城", created_at=now))
    db.add(FaultReport(server=panel.settings.server_id, call_id="1699.1", caller=NUMBER, status="incomplete",
                       ticket="000004", created_at=now - timedelta(hours=2), updated_at=now))
    db.add(Case(number="+86" + NUMBER, kind="repair", status="in_progress", created_at=now - timedelta(hours=3),
                updated_at=now))
    db.commit()
    make_call(db, number=NUMBER, at=now - timedelta(hours=1), agent="8002")
    ts = now.timestamp()
    set_live(db, {"queues": {}, "gap": False, "updated": ts,
                  "agents": {"8001": {"state": "ringing", "since": ts - 1, "call_id": CALL_ID, "queue": "hotline"}},
                  "calls": {CALL_ID: {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 20,
                                      "vars": {"HOTLINE_MENU": "fault", "HOTLINE_FAULT_TICKET": "000005"}}}},
             server=panel.settings.server_id)
    db.close()


# `make test-postgres` runs it too: the desk's pop and its case on PostgreSQL
@pytest.mark.postgres_e2e
def test_the_pop_records_a_case_in_one_click_and_speaks_chinese(served: tuple[Panel, str]) -> None:
    panel, base = served
    _seed(panel)
    with chromium() as browser:
        page: Any = new_page(browser)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # the console too: a missing /favicon.ico was a 404 on every first page load
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
        shot(page, "desk-pop-case-link")
        ivr = page.inner_text("#pop-ivr")
        assert "故障报修" in ivr and "fault" not in ivr
        history = page.inner_text("#pop-history")
        assert "未完成" in history and "incomplete" not in history  # the fault report's status
        assert "已接通" in history and "answered" not in history  # the earlier call's disposition
        # the caller's open case, in its own words (处理中, not in_progress), a link to it
        case_row = page.locator("#pop-history tr.kind-case")
        assert case_row.inner_text().split("\t")[1:4] == ["工单", "报修", "处理中 · 未结"]
        case_id = panel.db().scalars(select(Case.id)).one()
        assert case_row.locator("a").get_attribute("href") == f"/cases/{case_id}"
        # 外呼 from the keyboard: a number typed and Enter; what is no number is said, not dialled
        page.fill("#dial-number", "abc")
        page.press("#dial-number", "Enter")
        wait_js(page, "document.getElementById('desk-message').dataset.error === 'not_a_number'")
        assert page.inner_text("#desk-message") == "未拨打:不是电话号码。"
        errors[:] = [e for e in errors if "status of 400" not in e]  # the refusal's status (web/refusal.py)
        link = page.locator("#pop-new-case")
        assert link.inner_text() == "登记工单"
        href = link.get_attribute("href")
        assert f"call_id={CALL_ID}" in href and f"number={NUMBER}" in href
        # the call is still up: no record yet, and the form stays tied to it
        form = new_page(browser)
        login(form, base, "agent1")
        form.goto(base + href)
        assert form.input_value("#number") == NUMBER and form.input_value("#name") == "王伟"
        assert form.input_value("input[name=call_id]") == CALL_ID
        assert form.input_value("input[name=server]") == panel.settings.server_id
        assert errors == []


def test_a_desk_phones_hold_is_shown_on_the_desk_and_the_wallboard(served: tuple[Panel, str]) -> None:
    """保持 with a desk phone (no softphone in the page): the desk offers no 保持 button but says to
    use the phone's hold key; the phone's hold (held_since in the live snapshot, from Asterisk's
    Hold) shows 保持中 with its clock, past desk_hold_warn_s a warning, and the wallboard says 保持."""
    panel, base = served
    _seed(panel)
    db = panel.db()
    ts = datetime.now(UTC).timestamp()
    held = ts - panel.settings.desk_hold_warn_s - 5
    set_live(db, {"queues": {}, "gap": False, "updated": ts,
                  "agents": {"8001": {"state": "talking", "since": ts - 200, "call_id": CALL_ID, "queue": "hotline",
                                      "held_since": held}},
                  "calls": {CALL_ID: {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 220, "vars": {}}}},
             server=panel.settings.server_id)
    db.close()
    with chromium() as browser:
        page: Any = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        wait_js(page, "!document.getElementById('pop-held').hidden")
        assert page.is_hidden("#c-hold") and page.inner_text("#c-hold-phone") == "保持:请按话机的保持键"
        clock = page.inner_text("#pop-held-clock")
        minutes, seconds = (int(x) for x in clock.split(":"))
        assert minutes * 60 + seconds >= panel.settings.desk_hold_warn_s, clock
        assert page.inner_text("#pop-hold-warn") == (
            f"客户已保持超过 {panel.settings.desk_hold_warn_s} 秒:请取回,并感谢客户耐心等待")
        shot(page, "desk-held-desk-phone")
        board: Any = new_page(browser)
        login(board, base, "boss")
        board.goto(base + "/wallboard")
        row = '#wb-agents tr[data-agent="8001"]'
        wait_js(board, f"document.querySelector({row!r}) !== null", 15)
        assert "保持" in board.inner_text(row) and "held" in (board.get_attribute(row, "class") or "")
        # the hold ends (the phone's Unhold): the desk and the wallboard follow
        db = panel.db()
        set_live(db, {"queues": {}, "gap": False, "updated": ts + 1,
                      "agents": {"8001": {"state": "talking", "since": ts - 200, "call_id": CALL_ID,
                                          "queue": "hotline"}},
                      "calls": {CALL_ID: {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 220,
                                          "vars": {}}}},
                 server=panel.settings.server_id)
        db.close()
        wait_js(page, "document.getElementById('pop-held').hidden", 15)
        assert page.is_hidden("#pop-hold-warn")
        wait_js(board, f"!document.querySelector({row!r}).classList.contains('held')", 15)
        assert "保持" not in board.inner_text(row)


def test_the_pop_counts_the_talk_time_from_the_answer_and_stops_it_at_the_hang_up(
        served: tuple[Panel, str]) -> None:
    """通话时长: an agent watches how long a call has run (hosted contact centres show it on every
    call). It is not shown while the call rings, runs from the PBX's answer (the agent's talking
    state's since) and stops at the hang-up, the ended pop still saying how long the call took.
    Until 7 December the desk showed the caller's wait only."""
    panel, base = served
    _seed(panel)  # ringing
    with chromium() as browser:
        page: Any = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
        assert page.is_hidden("#pop-talk-box")
        ts = datetime.now(UTC).timestamp()
        call = {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 200, "vars": {}}
        db = panel.db()
        set_live(db, {"queues": {}, "gap": False, "updated": ts,
                      "agents": {"8001": {"state": "talking", "since": ts - 125, "call_id": CALL_ID,
                                          "queue": "hotline"}},
                      "calls": {CALL_ID: call}}, server=panel.settings.server_id)
        db.close()
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        wait_js(page, "!document.getElementById('pop-talk-box').hidden")
        assert page.inner_text("#pop-talk-box h3") == "通话时长"
        minutes, seconds = (int(x) for x in page.inner_text("#pop-talk").split(":"))
        assert 125 <= minutes * 60 + seconds < 200
        # the wait stopped at the answer (75 s, past the apology's 20 s): the apology was played, not
        # "will play" — until 7 December the ringing's words stayed, and a desk opened mid-call showed –
        assert (page.inner_text("#pop-wait"), page.inner_text("#pop-apology")) == ("1:15", "接听时已播放致歉")
        again: Any = new_page(browser)
        login(again, base, "agent1")
        again.goto(base + "/desk")
        wait_js(again, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        assert (again.inner_text("#pop-wait"), again.inner_text("#pop-apology")) == ("1:15", "接听时已播放致歉")
        shot(page, "desk-talk-time")
        db = panel.db()
        set_live(db, {"queues": {}, "gap": False, "updated": ts + 1,
                      "agents": {"8001": {"state": "idle", "since": ts + 1, "call_id": None, "queue": "hotline"}},
                      "calls": {}}, server=panel.settings.server_id)
        db.close()
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ended'", 20)
        stopped = page.inner_text("#pop-talk")
        page.wait_for_timeout(1500)  # three of the page's 0.5 s redraws
        assert page.is_visible("#pop-talk-box") and page.inner_text("#pop-talk") == stopped
        assert page.inner_text("#pop-number") == NUMBER  # the ended pop keeps its caller


def test_the_pop_of_a_first_time_caller_says_so(served: tuple[Panel, str]) -> None:
    """A caller the customer master does not know, with no earlier contact: the pop says both instead
    of an empty 客户 box and a history of headers only, which looked still loading (the agent's walk,
    7 December). A known caller's pop lists no such note."""
    panel, base = served
    ts = datetime.now(UTC).timestamp()
    db = panel.db()
    set_live(db, {"queues": {}, "gap": False, "updated": ts,
                  "agents": {"8001": {"state": "ringing", "since": ts - 1, "call_id": CALL_ID, "queue": "hotline"}},
                  "calls": {CALL_ID: {"caller_number": "13600000000", "caller_name": "", "queued_at": ts - 5,
                                      "vars": {}}}}, server=panel.settings.server_id)
    db.close()
    with chromium() as browser:
        page: Any = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
        assert page.inner_text("#pop-customer") == "客户资料中无此号码"
        assert page.inner_text("#pop-history tbody") == "此号码无来往记录"
        shot(page, "desk-pop-first-time-caller")
    _seed(panel)  # 王伟, with a call, a report and a case: the same call id, now his
    with chromium() as browser:
        page = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('pop-number').textContent === " + repr(NUMBER), 20)
        known = page.inner_text("#pop-customer")
        assert "客户资料中无此号码" not in known and "王伟" in known
        assert page.locator("#pop-history tr.none").count() == 0


def test_a_call_transferred_from_the_desk_is_shown_transferred_not_ended(served: tuple[Panel, str]) -> None:
    """转接 done from the pop: the call leaves the agent, and the pop says 已转接 — it said 已结束,
    as if the caller had hung up (the agent's walk, 7 December). The PBX's answer is stood in for."""
    panel, base = served
    ts = datetime.now(UTC).timestamp()
    call = {"caller_number": NUMBER, "caller_name": "", "queued_at": ts - 30, "vars": {}}
    db = panel.db()
    set_live(db, {"queues": {}, "gap": False, "updated": ts, "calls": {CALL_ID: call},
                  "agents": {"8001": {"state": "talking", "since": ts - 10, "call_id": CALL_ID, "queue": "hotline"}}},
             server=panel.settings.server_id)
    db.close()
    with chromium() as browser:
        page: Any = new_page(browser)
        login(page, base, "agent1")
        page.route("**/desk/control", lambda route: route.fulfill(
            status=200, content_type="application/json",
            body='{"ok": true, "message": "已转接。", "outcome": "done", "control": "transfer"}'))
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
        page.select_option("#transfer-to", "queue")
        page.click("#c-transfer")
        wait_js(page, "document.getElementById('desk-message').textContent === '已转接。'")
        db = panel.db()
        set_live(db, {"queues": {}, "gap": False, "updated": ts + 1, "calls": {},
                      "agents": {"8001": {"state": "idle", "since": ts + 1, "call_id": None, "queue": "hotline"}}},
                 server=panel.settings.server_id)
        db.close()
        wait_js(page, "document.getElementById('desk').dataset.popState === 'transferred'", 20)
        assert page.inner_text("#pop-status") == "已转接" and page.inner_text("#pop-number") == NUMBER
        assert page.is_hidden("#controls")


def test_the_agents_own_dial_pops_as_dialling_out_then_not_reached(served: tuple[Panel, str]) -> None:
    """外呼 / 回拨 from the desk: the live snapshot marks the agent's call outbound (the listener's
    desk-dial view); the pop names the customer dialled and says 外呼中, not 振铃, and a dial that
    ends unanswered says 未接通, not 未接 (a caller the agent missed)."""
    panel, base = served
    _seed(panel)
    db = panel.db()
    ts = datetime.now(UTC).timestamp()
    set_live(db, {"queues": {}, "gap": False, "updated": ts,
                  "agents": {"8001": {"state": "ringing", "since": ts - 1, "call_id": "cb-7-x", "queue": "hotline",
                                      "outbound": True}},
                  "calls": {"cb-7-x": {"caller_number": NUMBER, "caller_name": None, "queued_at": None,
                                       "vars": {"HOTLINE_AGENT": "8001", "HOTLINE_TASK_ID": "7"}}}},
             server=panel.settings.server_id)
    db.close()
    with chromium() as browser:
        page: Any = new_page(browser)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
        assert page.inner_text("#pop-status") == "外呼中"
        assert page.inner_text("#pop-number") == NUMBER and "王伟" in page.inner_text("#pop-customer")
        assert "外呼中" in page.inner_text("#desk-live")
        shot(page, "desk-pop-dialling-out")
        db = panel.db()
        set_live(db, {"queues": {}, "gap": False, "updated": ts + 1,
                      "agents": {"8001": {"state": "idle", "since": ts + 1, "call_id": None, "queue": "hotline"}}},
                 server=panel.settings.server_id)
        db.close()
        wait_js(page, "document.getElementById('desk').dataset.popState === 'unreached'", 15)
        assert page.inner_text("#pop-status") == "未接通"


def test_the_pops_history_is_in_the_operators_time_zone(served: tuple[Panel, str]) -> None:
    """A desk whose browser is not in China (a newcomer's, a remote agent's) lists the caller's
    contacts at the operator's time (settings.timezone), as the case page shows them — until
    7 December the browser's own zone put a case made at 13:36 in the pop at 05:36."""
    from zoneinfo import ZoneInfo

    panel, base = served
    _seed(panel)
    made = panel.db().scalars(select(Case.created_at)).one()
    with chromium() as browser:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="America/New_York")
        page: Any = ctx.new_page()
        page.set_default_timeout(10000)
        login(page, base, "agent1")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
        at = page.locator("#pop-history tr.kind-case td").first.inner_text()
    local = made.replace(tzinfo=made.tzinfo or UTC).astimezone(ZoneInfo(panel.settings.timezone))
    assert at == local.strftime("%Y-%m-%d %H:%M")
