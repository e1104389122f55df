"""The service settings page in Chromium: the admin enters a bad value and sees the error under that
field (nothing saved), corrects it, saves, and finds the change in the history."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import service_settings as svc
from tests.web.browser import chromium, login, new_page, shot
from tests.web.conftest import Panel

pytestmark = pytest.mark.browser


def test_admin_corrects_a_bad_value_saves_and_sees_the_history(served: tuple[Panel, str]) -> None:
    panel, base = served
    with chromium() as browser:
        page: Any = new_page(browser)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, base, "root")
        page.click("nav >> text=服务参数")
        page.wait_for_selector("#service-settings")
        assert page.locator("#group-hours legend").inner_text() == "服务时间(R-ANS-HOURS)"
        page.fill("#f-hours_close", "25:00")
        page.fill("#f-max_rings", "3")
        page.click("#service-settings button[type=submit]")
        page.wait_for_selector("#error-hours_close")
        assert "不是一天中的时间" in page.locator("#error-hours_close").inner_text()  # the page's language
        assert page.locator("#service-settings .error").count() == 1  # only the bad field is marked
        assert page.input_value("#f-max_rings") == "3"  # what was typed stays on the form
        assert page.locator("#history tr.change").count() == 0  # nothing saved
        shot(page, "service-settings-error")

        page.fill("#f-hours_close", "21:00")
        page.click("#service-settings button[type=submit]")
        page.wait_for_selector("#history tr.change")
        assert page.locator("#error-hours_close").count() == 0
        assert page.input_value("#f-hours_close") == "21:00"
        rows = {page.locator(f"#history tr.change[data-key={k}] td.new").inner_text():
                page.locator(f"#history tr.change[data-key={k}] td.old").inner_text()
                for k in ("hours_close", "max_rings")}
        assert rows == {"21:00": "22:00", "3": "4"}
        assert page.locator("#history tr.change[data-key=hours_close] td.by").inner_text() == "root"
        shot(page, "service-settings-history")

        # Enter in a field saves the form: it never presses a field's "revert to the file value"
        page.fill("#f-kpi_retraining_months", "4")
        page.press("#f-kpi_retraining_months", "Enter")
        page.wait_for_selector("#history tr.change[data-key=kpi_retraining_months]")
        assert page.input_value("#f-max_rings") == "3"
        page.click("#unset-max_rings")  # back to hotline.toml's 4 rings, kept in the history
        page.wait_for_selector("#history tr.change[data-key=max_rings] .to-file")
        assert page.input_value("#f-max_rings") == "4" and page.locator("#unset-max_rings").count() == 0
        assert page.input_value("#f-hours_close") == "21:00"
        assert errors == []
    with panel.app.app_context():
        db = panel.db()
        now = svc.values(panel.settings, db)
        db.close()
    assert (now["hours_close"], now["max_rings"], now["kpi_retraining_months"]) == ("21:00", 4, 4)
