"""The technician's page on a phone (issue 15): 375 px wide in headless Chromium, the technician
accepts, marks arrived and fixed (big fault → R-FAULT-SLA's big limit). Screenshots to
tests/artifacts/web/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import chromium, serve
from tests.web.browser import login as _login
from tests.web.browser import shot as _shot
from tests.web.conftest import Panel
from tests.web.test_field import fpanel, new_order, order

__all__ = ["fpanel"]  # the fixture
pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def _fits(page: Any) -> None:
    """Nothing wider than the phone, and every step button a thumb's size."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heights = page.evaluate("Array.from(document.querySelectorAll('button.big')).map(b => b.offsetHeight)")
    assert heights and min(heights) >= 44


def test_technician_accepts_arrives_fixes_big_on_a_phone(fpanel: Panel) -> None:
    oid = new_order(fpanel)
    small_fix_by = order(fpanel, oid).fix_by
    with serve(fpanel.app) as base, chromium() as browser:
        ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.set_default_timeout(10000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        _login(page, base, "tech1")
        assert page.url.endswith("/field")
        card = page.locator(f"#order-{oid}")
        _fits(page)
        _shot(page, "field-phone-dispatched")
        card.locator("button[value=accept]").click()
        page.wait_for_selector(f"#order-{oid}[data-status=accepted]")
        assert page.locator(".flash.ok").count() == 1
        card.locator("button[value=arrive]").click()
        page.wait_for_selector(f"#order-{oid}[data-status=arrived]")
        _fits(page)
        _shot(page, "field-phone-arrived")
        card.locator("button[value=big]").click()
        page.wait_for_selector(".flash.ok")
        assert page.locator(f"#order-{oid}").count() == 0  # fixed: off the open list
        _shot(page, "field-phone-fixed")
        assert not errors
    done = order(fpanel, oid)
    assert (done.status, done.size) == ("fixed", "big") and done.fix_by > small_fix_by
