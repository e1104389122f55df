"""The complaints page (R-COMPLAINT clocks; with complaints, escalations and overdue tasks: test_callbacks.py)."""

from __future__ import annotations

from tests.web.conftest import Panel


def test_complaints_page_without_complaints(panel: Panel) -> None:
    html = panel.client("boss").get("/complaints").get_data(as_text=True)
    assert "没有待确认的升级提醒" in html and "没有超时任务" in html
    assert 'id="m-complaint_clocks">0/0<' in html
