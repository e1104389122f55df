"""End to end on the real private Asterisk: the live listener runs in-process, the panel serves the
same database, headless Chromium watches the wallboard while a real call waits in the queue, and
the inspector then finds that call (built by the listener) and reads its timeline. The caller-ID
name is a script: it must show as text and never run."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from ami_listener.simulate import SimCall, originate
from hotline.models import Call
from hotline.pbx.process import Asterisk
from tests.support.postgres import sqlite_url
from tests.web.browser import chromium, login, new_page, serve, shot, wait_js
from tests.web.conftest import PASSWORD
from web import create_app
from web.auth.users import add_user
from web.context import session_factory

pytestmark = [pytest.mark.asterisk, pytest.mark.browser]

EVIL = "<script>alert(1)</script>"
STAY_S = 6  # the caller's patience: long enough to be seen waiting and ringing an agent


def _text(page: Any, sel: str) -> str:
    return page.evaluate(f"document.querySelector({sel!r}).textContent")


def test_wallboard_and_call_search_follow_a_real_call(pbx: Asterisk, tmp_path: Path) -> None:
    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "live.db"))
    app = create_app(s)
    with app.app_context(), session_factory()() as db:
        add_user(db, "boss", "supervisor", PASSWORD, None)
        add_user(db, "insp", "inspector", PASSWORD, None)
    listener = Listener(s).start()
    dialogs: list[str] = []
    errors: list[str] = []
    try:
        assert listener.conn.connected.wait(10), "listener did not log in to AMI"
        with serve(app) as base, chromium() as browser:
            page = new_page(browser)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            login(page, base, "boss")
            page.goto(base + "/wallboard")
            wait_js(page, "document.getElementById('wb-waiting').textContent === '0'")
            # every agent lets it ring: the caller waits in the queue until they give up
            call = SimCall(f"web-live-{uuid.uuid4().hex[:8]}", "13712345678", EVIL, STAY_S,
                           {ext: ("noanswer", 0, 0) for ext in s.agents})
            with pbx.ami() as ami:
                t0 = time.monotonic()
                originate(ami, s, call)
            wait_js(page, "document.getElementById('wb-waiting').textContent === '1'", timeout=4)
            waiting_after = time.monotonic() - t0
            # the first agent's phone rings (linear strategy): checked at the end, so the rest of
            # the path is still exercised when only this fails
            try:
                wait_js(page, "document.getElementById('wb-ringing').textContent !== '0'", timeout=4)
                ringing = page.locator("#wb-agents tr.state-ringing").first.get_attribute("data-agent")
            except AssertionError:
                ringing = None
            shown_agents = {r.get_attribute("data-agent"): r.get_attribute("class")
                            for r in page.locator("#wb-agents tbody tr").all()}
            assert _text(page, "#wb-waiting") == "1"
            shot(page, "wallboard-live-waiting")
            print(f"wallboard showed the caller waiting {waiting_after:.2f} s after the originate")
            # the caller hangs up after STAY_S: the board empties
            wait_js(page, "document.getElementById('wb-waiting').textContent === '0'", timeout=STAY_S + 4)
            assert time.monotonic() - t0 >= STAY_S - 1.5  # not emptied before the caller left
            wait_js(page, "document.getElementById('wb-ringing').textContent === '0'", timeout=4)
            shot(page, "wallboard-live-empty")

            # the listener builds the call record once the call is over
            deadline = time.monotonic() + 15
            with app.app_context():
                Session = session_factory()
                while True:
                    with Session() as db:
                        rec = db.scalars(select(Call).where(Call.call_id == call.call_id)).first()
                    if rec is not None or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
            assert rec is not None, "the listener built no record of the call"
            assert (rec.disposition, rec.caller_name) == ("abandoned", EVIL)

            insp = new_page(browser)
            insp.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            insp.on("pageerror", lambda e: errors.append(str(e)))
            login(insp, base, "insp")
            insp.goto(base + "/calls")
            insp.fill("input[name=number]", "5678")
            insp.click("#do-search")
            rows = insp.locator("#calls tr.call")
            assert rows.count() == 1
            row_text = rows.first.inner_text()
            assert "*******5678" in row_text and EVIL in row_text  # masked number; the name as text
            rows.first.locator("a").click()
            insp.wait_for_selector("#timeline")
            assert _text(insp, "#caller-name") == EVIL
            assert insp.locator("#caller-name script").count() == 0  # no element was made of it
            timeline = insp.locator("#timeline").inner_text()
            assert "进入队列" in timeline and "结束" in timeline
            assert f"话务员 {s.agents[0]} 振铃" in timeline  # linear strategy: the first agent rang first
            shot(insp, "call-live")
    finally:
        listener.stop()
    assert dialogs == [], f"a caller-ID name ran as script: {dialogs}"
    assert errors == []
    # R-ANS-4RINGS is watched on the wallboard through the ringing count
    assert ringing == s.agents[0], f"no agent shown ringing while the caller waited; agents shown: {shown_agents}"
