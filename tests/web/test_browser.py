"""End to end in headless Chromium (Debian's, driven by Playwright): the inspector finds a call,
plays its recording and grades it; an agent sees only their own calls; the wallboard follows
live_state. Screenshots of the main pages go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from hotline import qa_sheet
from hotline.models import QaGrade, RecordingListen, User
from hotline.models.desk import PresenceChange
from hotline.timeutil import utcnow
from tests.web.browser import login as _login
from tests.web.browser import new_page as _page
from tests.web.browser import shot as _shot
from tests.web.browser import wait_js as _wait
from tests.web.conftest import Panel
from tests.web.factory import live_data, make_call, make_wav, set_live

pytestmark = pytest.mark.browser


# `make test-postgres` runs it too: search, a recording's listen and a grade on PostgreSQL
@pytest.mark.postgres_e2e
def test_inspector_finds_plays_and_grades_a_call(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    db = panel.db()
    wav = make_wav(panel.monitor / "1700000000.5-1700000000.6.wav", 1.5)
    target = make_call(db, agent="8002", number="13712345678", caller_name="张三<script>x</script>", wait=28,
                       recording=str(wav), hangup_first="caller", vars={"HOTLINE_WORKNUM_PLAYED": "1"},
                       attempts=[("8001", 8.0, "no_answer"), ("8002", 20.0, "answered")],
                       ivr={"path": [{"step": "menu", "digits": "2", "result": "ok"}]})
    for i in range(5):
        make_call(db, agent="8001", number=f"1360000000{i}")
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, base, "insp")
    page.goto(base + "/calls")
    _shot(page, "calls-inspector")
    page.fill("input[name=number]", "5678")
    page.check("input[name=late]")
    # the rows counted once the results page has loaded: counted at its commit, a loaded machine
    # showed a page with no rows yet (0 found, in one full run)
    with page.expect_navigation(wait_until="load"):
        page.click("#do-search")
    rows = page.locator("#calls tr.call")
    assert rows.count() == 1
    assert "*******5678" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_selector("#timeline")
    assert page.locator("#caller-name").inner_text() == "张三<script>x</script>"  # shown as text, not run
    assert "话务员 8001 振铃 8.0 秒" in page.locator("#timeline").inner_text()
    # the recording plays in the HTML5 player
    page.evaluate("document.getElementById('player').play()")
    _wait(page, "document.getElementById('player').currentTime > 0.3")
    duration = page.evaluate("document.getElementById('player').duration")
    assert abs(duration - 1.5) < 0.1
    assert panel.db().query(RecordingListen).filter_by(call_pk=target.id, username="insp").count() >= 1
    # R-QA: facts pre-filled; the score is the sheet's sum, live as the inspector unticks
    assert page.is_checked("#item_hung_up_last") and page.is_checked("#item_greeting")
    assert not page.is_checked("#item_four_rings")  # waited 28 s > 4 rings, no apology
    assert page.locator("#qa-score").inner_text() == "90"
    assert page.locator("#score").count() == 0  # nothing to type
    page.uncheck("#item_polite")
    assert page.locator("#qa-score").inner_text() == "75"
    assert page.is_visible("#remark_polite") and not page.is_visible("#remark_greeting")
    # a deduction without its remark: the page says which before sending anything (R-QA)
    page.click("#save-grade")
    assert page.inner_text("#qa-unexplained") == "评分未保存:扣分项须填写扣分原因:规范用语:礼貌、清晰"
    assert page.evaluate("document.activeElement.id") == "remark_polite"
    assert panel.db().query(QaGrade).filter_by(call_pk=target.id).count() == 0
    page.fill("#remark_polite", "语气生硬")
    page.uncheck("#item_privacy")  # a veto item: 0 whatever else
    assert page.locator("#qa-score").inner_text() == "0"
    page.check("#item_privacy")
    assert page.locator("#qa-score").inner_text() == "75"
    _shot(page, "call-page")
    page.click("#save-grade")
    page.wait_for_selector("#grades td:has-text('75')")
    g = panel.db().query(QaGrade).filter_by(call_pk=target.id).one()
    assert g.score == 75 and not g.checklist["polite"] and g.checklist["hung_up_last"]
    # the record's word for what it decided was missed, pre-filled as its remark
    assert g.remarks == {"polite": "语气生硬", "four_rings": "通话记录显示未做到"}
    assert "语气生硬" in page.locator("#grades").inner_text()
    # the form now offers a correction, which needs a reason
    assert page.locator("input[name=corrects_id]").count() == 1
    assert errors == []


def test_agent_sees_only_own_calls(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    db = panel.db()
    for i in range(3):
        make_call(db, agent="8001", number=f"1351111000{i}")
    other = make_call(db, agent="8002", number="13522220000")
    page = _page(browser)
    _login(page, base, "agent1")
    assert page.url.endswith("/agent")
    _shot(page, "agent")
    page.goto(base + "/calls")
    text = page.locator("#calls").inner_text()
    assert page.locator("#calls tr.call").count() == 3
    assert "13522220000" not in text and "135111100" in text
    resp = page.goto(f"{base}/calls/{other.id}")
    assert resp.status == 404


def test_supervisor_pages_and_live_wallboard(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    db = panel.db()
    for i in range(12):
        make_call(db, agent=f"800{1 + i % 3}", number=f"1340000{i:04d}", wait=3 + 4 * i,
                  disposition="abandoned" if i % 5 == 4 else "answered", survey=1 + i % 2)
    set_live(db, live_data(waiting=1, talking=1))
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, base, "boss")
    page.goto(base + "/supervisor")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert "班组指标" in page.content()
    _shot(page, "supervisor")
    page.goto(base + "/wallboard")
    _wait(page, "document.getElementById('wb-waiting').textContent === '1'")
    assert page.locator("#wb-talking").inner_text() == "1"
    # the listener changes live_state: the board follows through its stream, without a reload.
    # How fast is a figure (printed here; the same push path under load: bench/desk_pop.py), not asserted:
    # a 1 s deadline failed on a loaded 2-core machine while the push worked.
    page.evaluate("window.sameDocument = true")
    pdb = panel.db()  # the paused agent (8004) is on a break a supervisor forced: its row says which
    pdb.add(PresenceChange(server="pbx1", agent="8004", state="break", reason="会议", started_at=utcnow(), by="boss",
                           forced=True))
    pdb.commit()
    pdb.close()
    t0 = time.monotonic()
    set_live(panel.db(), live_data(waiting=4, ringing=2, talking=1, paused=1))
    _wait(page, "document.getElementById('wb-waiting').textContent === '4'", timeout=15.0)
    assert page.evaluate("window.sameDocument === true"), "the board reloaded instead of following its stream"
    print(f"wallboard updated {time.monotonic() - t0:.3f} s after the live_state change")
    assert page.locator("#wb-ringing").inner_text() == "2"
    assert page.locator("#wb-paused").inner_text() == "1"
    assert "小休 (会议)" in page.locator("tr[data-agent='8004']").inner_text()
    assert page.locator("#wb-sl").inner_text().endswith("%")
    # who waits, longest first, the numbers masked (a shared screen)
    assert page.locator("#wb-queue tbody tr").count() == 4 and "***139" in page.locator("#wb-queue").inner_text()
    # keyboard: a button of an agent's row keeps the focus while the clocks tick (until 6 December
    # the rows were rebuilt every second: the focus, an open reason list, a slow click were lost)
    page.focus("tr[data-agent='8004'] button.force.available")
    page.evaluate("document.activeElement.dataset.mine = '1'")
    clock = page.locator("tr[data-agent='8004'] td").nth(2).inner_text()
    _wait(page, f"document.querySelector(\"tr[data-agent='8004'] td:nth-child(3)\").textContent !== {clock!r}")
    assert page.evaluate("document.activeElement.dataset.mine === '1' && document.activeElement.isConnected")
    _shot(page, "wallboard")
    page.goto(base + "/login")
    _shot(page, "login")
    assert errors == []


def test_wallboard_alerts_appear_are_acknowledged_and_clear(served: tuple[Panel, str], browser: Any) -> None:
    """监控告警 on the wallboard: a break past its limit appears at the top and flags the agent's row,
    its reason written as text; 确认 quiets it (no longer counted, greyed); when the break ends it
    clears, and a new one comes back unacknowledged and announced, as does an acknowledged warning
    that turns critical. The sound waits for a gesture
    (the page says so) and its mute is remembered."""
    from datetime import timedelta

    panel, base = served
    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(alert_break_s=60, alert_waiting_callers=2, alert_longest_wait_s=0,
                                              alert_no_agent_s=0)
    db = panel.db()
    hostile = "<img src=x onerror=window.pwned=1>"
    set_live(db, {"agents": {"8001": {"state": "paused", "since": time.time() - 300},
                             "8002": {"state": "idle", "since": time.time() - 300}}})
    db.add(PresenceChange(server="pbx1", agent="8001", state="break", reason=hostile, by="8001",
                          started_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    db.close()
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, base, "boss")
    page.goto(base + "/wallboard")
    item = page.locator("#wb-alert-list li[data-key='break:pbx1/8001']")
    item.wait_for()
    assert "warning" in (item.get_attribute("class") or "") and hostile in item.inner_text()
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#wb-alert-count").inner_text() == "1"
    assert page.get_attribute("tr[data-agent='8001']", "data-alerts") == "break"
    assert page.get_attribute("tr[data-agent='8002']", "data-alerts") == ""
    # no gesture yet: the browser refuses sound, the page says how to allow it
    assert page.evaluate("document.getElementById('wb-alerts').dataset.announced") == "1"
    assert page.locator("#wb-sound-note").inner_text() == "请先点击页面任意处,告警提示音才能播放"
    _shot(page, "wallboard-alert")
    item.locator("button.ack").click()  # 确认 — also the gesture that lets the sound play
    assert "acked" in (item.get_attribute("class") or "") and not item.locator("button.ack").is_visible()
    assert page.locator("#wb-alert-count").inner_text() == "0"
    assert page.locator("#wb-sound-note").inner_text() == ""
    page.click("#wb-sound")
    assert page.locator("#wb-sound").inner_text() == "提示音:关"
    assert page.evaluate("localStorage.getItem('hotline.wallboard.muted')") == "true"
    page.click("#wb-sound")
    # the break ends: the alert clears
    pdb = panel.db()
    row = pdb.query(PresenceChange).filter_by(agent="8001").one()
    row.ended_at = utcnow()
    pdb.add(PresenceChange(server="pbx1", agent="8001", state="available", by="8001", started_at=utcnow()))
    pdb.commit()
    set_live(pdb, {"agents": {"8001": {"state": "idle", "since": time.time()},
                              "8002": {"state": "idle", "since": time.time() - 300}}})
    _wait(page, "document.querySelectorAll('#wb-alert-list li').length === 0", timeout=15.0)
    assert page.get_attribute("tr[data-agent='8001']", "data-alerts") == ""
    # a new long break (a supervisor forced it a while ago): it comes again, unacknowledged, announced
    pdb.query(PresenceChange).filter_by(agent="8001", ended_at=None).one().ended_at = utcnow()
    pdb.add(PresenceChange(server="pbx1", agent="8001", state="break", reason="用餐", by="boss", forced=True,
                           started_at=utcnow() - timedelta(minutes=2)))
    pdb.commit()
    set_live(pdb, {"agents": {"8001": {"state": "paused", "since": time.time() - 120},
                              "8002": {"state": "idle", "since": time.time() - 300}}})
    pdb.close()
    item.wait_for()
    assert "acked" not in (item.get_attribute("class") or "") and item.locator("button.ack").is_visible()
    assert page.locator("#wb-alert-count").inner_text() == "1"
    assert page.evaluate("document.getElementById('wb-alerts').dataset.announced") == "2"
    assert page.evaluate("document.getElementById('wb-alerts').dataset.sounded") == "1"  # after the gesture
    # an acknowledged warning that turns critical (twice alert_waiting_callers) is loud again
    waiting = page.locator("#wb-alert-list li[data-key='waiting:hotline']")
    for n in (2, 4):
        set_live(panel.db(), dict(live_data(waiting=n), agents={"8002": {"state": "idle", "since": time.time()}}))
        severity = "critical" if n == 4 else "warning"
        _wait(page, f"document.querySelector(\"#wb-alert-list li[data-key='waiting:hotline'].{severity}\") !== null",
              timeout=15.0)
        if n == 2:
            waiting.locator("button.ack").click()
            assert "acked" in (waiting.get_attribute("class") or "")
    assert "acked" not in (waiting.get_attribute("class") or "") and waiting.locator("button.ack").is_visible()
    assert page.evaluate("document.getElementById('wb-alerts').dataset.announced") == "4"
    assert errors == []


def test_wallboard_alerts_say_since_when_sl_is_under_and_a_reasons_own_break_limit(
        served: tuple[Panel, str], browser: Any) -> None:
    """The SL alert carries a running clock from the moment SL was found under its target; a meal
    break (用餐) alerts at its own limit (alert_break_reason_s) and says it, another reason at the
    general alert_break_s."""
    import re
    from datetime import timedelta

    panel, base = served
    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(alert_sl_target_pct=80, alert_sl_min_offered=1, alert_break_s=60,
                                              alert_break_reason_s={"用餐": 240}, alert_waiting_callers=0,
                                              alert_longest_wait_s=0, alert_no_agent_s=0)
    db = panel.db()
    make_call(db, disposition="abandoned", wait=60)  # today's SL: 0 of 1
    set_live(db, {"agents": {a: {"state": "paused", "since": time.time() - 300} for a in ("8001", "8002", "8003")}})
    for agent, reason, minutes in (("8001", "用餐", 5), ("8002", "用餐", 2), ("8003", "培训", 2)):
        db.add(PresenceChange(server="pbx1", agent=agent, state="break", reason=reason, by=agent,
                              started_at=utcnow() - timedelta(minutes=minutes)))
    db.commit()
    db.close()
    page = _page(browser)
    _login(page, base, "boss")
    page.goto(base + "/wallboard")
    sl = page.locator("#wb-alert-list li[data-key='service_level']")
    sl.wait_for()
    said = re.compile(r"今日服务水平 0(\.0)?% 低于目标 80(\.0)?%\(0/1\)已 (\d+:\d\d)$")
    first = said.search(sl.locator("span").inner_text())
    assert first, sl.inner_text()
    _wait(page, "document.querySelector(\"#wb-alert-list li[data-key='service_level'] span\").textContent"
                f" !== {first.group(0)!r}", timeout=5.0)  # the clock runs
    meal = page.locator("#wb-alert-list li[data-key='break:pbx1/8001']").inner_text()
    training = page.locator("#wb-alert-list li[data-key='break:pbx1/8003']").inner_text()
    assert "小休(用餐)" in meal and "上限 4 分钟" in meal
    assert "小休(培训)" in training and "上限 1 分钟" in training
    assert page.locator("#wb-alert-list li[data-key='break:pbx1/8002']").count() == 0  # a meal of 2 minutes: fine


def test_a_long_remark_and_comment_wrap_inside_the_page(served: tuple[Panel, str], browser: Any) -> None:
    """A grade's remark of 500 characters without a space (a pasted link, a row of x) and a 4 000-
    character comment: stored whole, and the call page wraps them — it was 4 305 px wide, the
    score sheet off the screen to the right."""
    panel, base = served
    db = panel.db()
    call = make_call(db, agent="8001")
    insp = db.scalars(select(User.id).where(User.username == "insp")).one()
    db.add(QaGrade(call_pk=call.id, agent="8001", inspector_id=insp, score=95, checklist={"closing": False},
                   sheet=qa_sheet.sheet(panel.settings).weights(),
                   remarks={"closing": "x" * 500}, comment="很长的评语" * 800, created_at=utcnow()))
    db.commit()
    page = _page(browser)
    _login(page, base, "insp")
    page.goto(f"{base}/calls/{call.id}")
    page.wait_for_selector("#grades td.deducted")
    wide, seen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= seen, (wide, seen)
    assert ("x" * 500) in page.locator("#grades").inner_text().replace("\n", "")


def test_a_supervisors_header_keeps_the_login_and_language_on_its_first_row(
        served: tuple[Panel, str], browser: Any) -> None:
    """The supervisor's dozen links pushed 退出 and 中文 | English to a row of their own under the
    brand at 1400 px (the newcomer's walk, 7 December; the demo's login `supervisor` is longer than
    this test's `boss`: a laptop's 1280 px shows the same): the links wrap inside the nav instead."""
    _, base = served
    page = _page(browser)
    page.set_viewport_size({"width": 1280, "height": 800})
    _login(page, base, "boss")
    page.goto(base + "/wallboard")
    brand, who, lang = (page.locator(f"header.top .{c}").bounding_box() for c in ("brand", "who", "lang"))
    assert brand and who and lang
    assert abs(lang["y"] - brand["y"]) < brand["height"] and abs(who["y"] - brand["y"]) < brand["height"]
    wide, seen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= seen, (wide, seen)
    _shot(page, "supervisor-header")
