"""End to end in headless Chromium (issue 14 §5): from the call the screen pop opens, the agent
fills a complaint case with a category (the category list follows the kind), sees the R-COMPLAINT
receipt on the case, and the supervisor sees the complaint with its clocks on the complaints page.
Screenshots to tests/artifacts/web/."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import customers
from hotline.models.cases import Case
from tests.web.browser import chromium, login, new_page, shot, wait_js
from tests.web.conftest import Panel
from tests.web.factory import make_call

pytestmark = pytest.mark.browser


def test_complaint_case_from_a_call_reaches_the_supervisor(served: tuple[Panel, str]) -> None:
    panel, base = served
    db = panel.db()
    customers.save_customer(db, panel.settings, customers.CustomerFields(numbers=["13912345678"], name="王五",
                                                                        address="解放路 9 号"))
    db.commit()
    call = make_call(db, agent="8001", number="13912345678")
    with chromium() as browser:
        page: Any = new_page(browser)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, base, "agent1")
        page.goto(f"{base}/cases/new?server={call.server}&call_id={call.call_id}&number={call.caller_number}")
        assert page.input_value("#name") == "王五" and page.input_value("#address") == "解放路 9 号"
        # the complaint's level (一般 / 复杂) is a complaint's only: not shown, nor sent, for 报修
        page.select_option("#kind", "repair")
        assert page.is_hidden("#complaint_kind") and page.is_disabled("#complaint_kind")
        page.select_option("#kind", "complaint")
        assert page.is_visible("#complaint_kind") and not page.is_disabled("#complaint_kind")
        assert page.locator("#category option[value=premium_rate]").count() == 1
        page.select_option("#category", "premium_rate")
        page.fill("#description", "未经同意扣了信息费 <b>bold</b>")
        shot(page, "case-form-complaint")
        page.click("#save-case")
        page.wait_for_selector("#receipt")
        assert page.locator("#case-description").inner_text() == "未经同意扣了信息费 <b>bold</b>"
        assert page.locator("#receipt-accepted").inner_text() and page.locator("#receipt-deadline").inner_text()
        shot(page, "case-complaint")
        case = panel.db().query(Case).one()
        assert (case.kind, case.category, case.complaint_id is not None) == ("complaint", "premium_rate", True)

        boss = new_page(browser)
        login(boss, base, "boss")
        boss.goto(base + "/complaints")
        row = boss.locator(f"#complaints tr.complaint[data-id='{case.complaint_id}']")
        assert "信息服务费 / 声讯费" in row.locator("td.category").inner_text()
        assert row.locator("[class^=clock-]").count() == 2  # contact and solution clocks running
        assert row.locator("a.case-link").count() == 1
        shot(boss, "complaints-with-case")
        # closing it here closes its case, with what was done (R-REC-FIELDS)
        row.locator("input.result").fill("已退还信息费")
        row.locator("button.closed").click()
        boss.wait_for_selector(f"#complaints tr.complaint[data-id='{case.complaint_id}'] button.closed",
                               state="detached")
        panel.db().expire_all()
        closed = panel.db().get(Case, case.id)
        assert (closed.status, closed.result) == ("closed", "已退还信息费")
        boss.goto(f"{base}/cases/{case.id}")
        assert "已退还信息费" in boss.content()
        # the monthly analysis draws its chart (a script file: the CSP forbids inline ones)
        boss.goto(base + "/cases/analysis")
        wait_js(boss, "document.body.dataset.chartsReady === '1'")
        assert "1" in boss.locator("#categories tr[data-category=premium_rate]").inner_text()
        shot(boss, "case-analysis")
        assert errors == []
