"""The QA sample page in headless Chromium: the inspector reaches it from the menu, draws today
so far and opens a drawn call to grade it (R-QA)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import login, new_page, shot
from tests.web.conftest import Panel
from tests.web.factory import make_call

pytestmark = pytest.mark.browser


def test_inspector_draws_and_opens_a_sampled_call(served: tuple[Panel, str], browser: Any) -> None:
    panel, base = served
    db = panel.db()
    late = make_call(db, agent="8001", within_4_rings=False)
    for _ in range(3):
        make_call(db, agent="8001")
    page = new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "insp")
    page.click("#nav-qa-sample")
    assert page.locator("#sample-progress").inner_text().strip() == "已检 0 / 0"
    page.click("#sample-draw button")
    rows = page.locator("#sample tr.sample")
    rows.first.wait_for()
    assert rows.count() == 2 and page.locator("#sample-progress").inner_text().strip() == "已检 0 / 2"
    assert "超四声接听且未致歉" in page.locator(f'#sample tr[data-call="{late.id}"] .reason').inner_text()
    shot(page, "qa-sample")
    page.locator(f'#sample tr[data-call="{late.id}"] a').click()
    page.locator("#qa-form").wait_for()
    assert page.url.endswith(f"/calls/{late.id}#grades") and errors == []
