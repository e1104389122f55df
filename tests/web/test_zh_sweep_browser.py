"""The wallboard and the desk in Chinese after their scripts ran (session 15).

``test_zh_sweep`` reads the pages as the server sends them; on these two most words are written by
wallboard.js and desk.js after the load, from labels the page carries as JSON (which that sweep
skips) and from the event streams. Here headless Chromium opens them on a live floor — callers
waiting, agents in each state, today's SL under its target, escalations of every kind, an overdue
work order; the desk's call ringing, then talking on hold past its limit, then ended in 话后整理 —
lets the streams deliver, makes the scripts answer (a refused control, a key not offered now) and
reads the DOM as the scripts left it with the same checker (``english_words``)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from hotline import demo
from hotline.field import on_report_confirmed
from hotline.field.standing import urge
from hotline.models.callbacks import ESCALATION_KINDS, Escalation
from hotline.models.cases import Case
from hotline.models.desk import PresenceChange
from hotline.models.ivr import Customer, FaultReport
from hotline.timeutil import utcnow
from tests.web.browser import login, new_page, shot, wait_js
from tests.web.conftest import Panel
from tests.web.factory import make_call, set_live
from tests.web.test_zh_sweep import english_words

pytestmark = pytest.mark.browser

NUMBER = "13912345678"


def _page_words(page: Any, path: str, said: dict[str, list[str]], what: str) -> None:
    """The English words on the page's DOM now (the scripts' text in it), under ``what``."""
    said[what] = english_words(page.content(), path)


def _open(page: Any, base: str, user: str, path: str, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, user)
    page.goto(base + path)


def _floor(panel: Panel) -> None:
    """Callers waiting (one VIP), agents idle, ringing, talking (one held, one on an internal call),
    paused by each presence, unavailable; today's SL under its target; escalations of each kind;
    an overdue work order."""
    s, now, ts = panel.settings, utcnow(), time.time()
    db = panel.db()
    for i in range(3):
        make_call(db, disposition="abandoned", number=f"1383333000{i}", wait=60)
    agents: dict[str, Any] = {
        "8001": {"state": "idle", "since": ts - 50},
        "8002": {"state": "ringing", "since": ts - 5, "call_id": "c2", "queue": "hotline"},
        "8003": {"state": "talking", "since": ts - 400, "call_id": "c3", "queue": "hotline", "held_since": ts - 200},
        "8004": {"state": "talking", "since": ts - 30, "call_id": "c4", "internal": True},
        "8005": {"state": "paused", "since": ts - 4000},
        "8006": {"state": "paused", "since": ts - 100},
        "8007": {"state": "paused", "since": ts - 100},
        "8008": {"state": "unavailable", "since": ts - 10},
    }
    for agent, state, reason, ago, until in (("8005", "break", "用餐", 4000, None), ("8006", "busy", None, 100, None),
                                             ("8007", "wrap_up", None, 100, now - timedelta(seconds=60))):
        db.add(PresenceChange(server=s.server_id, agent=agent, state=state, reason=reason, by=agent,
                              started_at=now - timedelta(seconds=ago), wrapup_until=until))
    waiting = [{"call_id": f"w{i}", "caller_number": f"1391234000{i}", "since": ts - 30 - 20 * i} for i in range(4)]
    set_live(db, {"queues": {"hotline": {"waiting": waiting}}, "agents": agents, "gap": False, "updated": ts,
                  "calls": {"w3": {"caller_number": "13912340003", "vars": {"HOTLINE_VIP": "1"}}}},
             server=s.server_id)
    rep = FaultReport(ticket="000007", server=s.server_id, call_id="ivr-7", caller=NUMBER, contact=NUMBER,
                      status="open", area="urban", fault_type="no_picture", created_at=now - timedelta(days=3),
                      updated_at=now, fix_by=now - timedelta(hours=2))
    db.add(rep)
    db.flush()
    order = on_report_confirmed(db, s, rep.id, now - timedelta(days=3), district=demo.reporter_district(s, 1))
    urge(db, rep.id, now - timedelta(minutes=5))  # the customer's 催单, on the overdue list (R-ONE-CALL)
    kinds = [*ESCALATION_KINDS, "order_unassigned", "order_unaccepted", "order_late_arrival", "order_overdue"]
    raised = {e.kind for e in db.query(Escalation)}  # the order's own clocks raised some already
    for i, kind in enumerate(k for k in kinds if k not in raised):
        subject = f"{kind.partition('_')[0]}:{order.id if kind.startswith('order') else 5}"  # task:5, complaint:5
        db.add(Escalation(kind=kind, subject=subject, due_at=now - timedelta(minutes=10 + i), raised_at=now))
    db.commit()
    db.close()


def test_the_wallboard_after_its_script_ran_is_chinese(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(
        agents=[f"800{i}" for i in range(1, 9)], alert_waiting_callers=2, alert_longest_wait_s=20,
        alert_sl_target_pct=80, alert_sl_min_offered=1, alert_break_s=60, alert_no_agent_s=5, desk_hold_warn_s=60)
    _floor(panel)
    page, errors, said = new_page(browser), [], {}
    _open(page, base, "boss", "/wallboard", errors)
    wait_js(page, "Number(document.getElementById('wallboard').dataset.updates) >= 1", 20)
    wait_js(page, "document.querySelectorAll('#wb-alert-list li').length >= 6", 20)
    kinds = page.evaluate("[...document.querySelectorAll('#wb-alert-list li')].map(li => li.dataset.kind)")
    assert {"waiting", "longest_wait", "service_level", "break", "wrap_up", "hold"} <= set(kinds), kinds
    assert page.locator("#wb-escalation-list tbody tr").count() == 8
    assert page.locator("#wb-overdue-orders tbody tr").count() == 1
    # the stream's row, written by the script in the page's words: the urge's count and time
    wait_js(page, "document.querySelectorAll('#wb-overdue-orders tbody tr td').length === 5")
    assert page.locator("#wb-overdue-orders tbody tr td").nth(4).inner_text().startswith("客户催单 ×1,最近 ")
    _page_words(page, "/wallboard", said, "the floor")
    # a control's answer written by the script: without a PBX the forced state is refused
    page.click("tr[data-agent='8001'] button.force.busy")
    wait_js(page, "document.getElementById('wb-monitor-message').dataset.outcome !== ''")
    _page_words(page, "/wallboard", said, "a forced state refused")
    page.click("tr[data-agent='8003'] button.monitor.listen")  # no phone to ring: refused, said
    wait_js(page, "document.getElementById('wb-monitor-message').dataset.error === 'no_phone'")
    page.locator("#wb-alert-list li button.ack").first.click()
    page.click("#wb-sound")
    _page_words(page, "/wallboard", said, "after a refused control, an acknowledgement, the sound off")
    shot(page, "zh-sweep-wallboard")
    assert {what: words for what, words in said.items() if words} == {}
    assert errors == []


def _desk_day(panel: Panel) -> None:
    """The caller's history (a customer, a call, a fault report, a case) and the call ringing, past
    the apology's wait, with the IVR's answers of every kind."""
    s, now, ts = panel.settings, utcnow(), time.time()
    db = panel.db()
    db.add(Customer(phone="+86" + NUMBER, name="王伟", address="人民路1号", area="东城", account="A-1", vip=True,
                    created_at=now))
    db.add(PresenceChange(server=s.server_id, agent="8001", state="available", by="8001",
                          started_at=now - timedelta(hours=1)))  # in the queue: its calls move it
    db.add(FaultReport(server=s.server_id, call_id="1699.1", caller=NUMBER, status="incomplete", ticket="000004",
                       created_at=now - timedelta(hours=2), updated_at=now))
    db.add(Case(number="+86" + NUMBER, kind="complaint", status="in_progress", created_at=now - timedelta(hours=3),
                updated_at=now))
    db.commit()
    make_call(db, number=NUMBER, at=now - timedelta(hours=1), agent="8002")
    make_call(db, number=NUMBER, at=now - timedelta(hours=2), disposition="abandoned")
    _desk_live(panel, "ringing", ts - 60)


def _desk_live(panel: Panel, state: str, since: float, held_since: float | None = None) -> None:
    agent: dict[str, Any] = {"state": state, "since": since, "call_id": "1700.1", "queue": "hotline"}
    if held_since is not None:
        agent["held_since"] = held_since
    ivr = {"HOTLINE_MENU": "fault", "HOTLINE_FAULT_TICKET": "000005", "HOTLINE_FAULT_AREA": "urban",
           "HOTLINE_FAULT_TYPE": "no_picture", "HOTLINE_FAULT_CONTACT": NUMBER, "HOTLINE_FAULT_ACCOUNT": "A-1",
           "HOTLINE_OUTAGE": "1", "HOTLINE_VIP": "1", "HOTLINE_OPEN_MATTERS": "2"}
    set_live(panel.db(), {"queues": {}, "gap": False, "updated": time.time(),
                          "agents": {"8001": agent} if state != "idle" else {"8001": {"state": "idle", "since": since}},
                          "calls": {"1700.1": {"caller_number": NUMBER, "caller_name": "", "queued_at": since - 20,
                                               "vars": ivr}}},
             server=panel.settings.server_id)


def test_the_desk_after_its_script_ran_is_chinese(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(desk_hold_warn_s=60)
    _desk_day(panel)
    page, errors, said = new_page(browser), [], {}
    _open(page, base, "agent1", "/desk", errors)
    wait_js(page, "document.getElementById('desk').dataset.popState === 'ringing'", 20)
    wait_js(page, "document.getElementById('pop-apology').textContent !== ''")
    # what the sweep reads is there: the customer, each IVR answer, the caller's history
    counts = page.evaluate("['#pop-customer dt', '#pop-ivr dt', '#pop-history tbody tr']"
                           ".map(q => document.querySelectorAll(q).length)")
    assert counts == [4, 9, 4], counts
    _page_words(page, "/desk", said, "ringing, past the apology's wait")
    ts = time.time()
    _desk_live(panel, "talking", ts - 300, held_since=ts - 120)
    wait_js(page, "document.getElementById('desk').dataset.popState === 'talking'", 20)
    wait_js(page, "!document.getElementById('pop-hold-warn').hidden")
    _page_words(page, "/desk", said, "talking, held past its limit")
    page.click("#c-transfer")  # without a PBX: refused, the answer written by the script
    wait_js(page, "document.getElementById('desk-message').dataset.outcome !== ''")
    _page_words(page, "/desk", said, "a control refused")
    page.keyboard.press("Alt+KeyW")  # 结束整理 is not offered during a call: the desk says so
    wait_js(page, "document.getElementById('desk-message').dataset.error === 'key_off'")
    _page_words(page, "/desk", said, "a key not offered now")
    # the call ends: 话后整理 (the PBX's pause it needs is not there: its row written as it would be)
    db, now = panel.db(), utcnow()
    for row in db.query(PresenceChange).filter_by(agent="8001", ended_at=None):
        row.ended_at = now
    db.add(PresenceChange(server=panel.settings.server_id, agent="8001", state="wrap_up", by="system",
                          call_id="1700.1", started_at=now, wrapup_until=now + timedelta(minutes=5)))
    db.commit()
    db.close()
    _desk_live(panel, "idle", time.time())
    wait_js(page, "document.getElementById('desk').dataset.popState === 'ended'", 20)
    wait_js(page, "!document.getElementById('wrapup-buttons').hidden", 20)
    page.click("#desk-keys summary")
    _page_words(page, "/desk", said, "the call ended, in after-call work, the shortcuts open")
    shot(page, "zh-sweep-desk")
    assert {what: words for what, words in said.items() if words} == {}
    assert [e for e in errors if "status of 4" not in e] == []
