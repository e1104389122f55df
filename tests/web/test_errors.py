"""Refused page requests (web/errors.py): said in the page's language with the panel's header and
a way back; JSON callers keep the plain status."""

from __future__ import annotations

from tests.web.conftest import Panel


def test_refused_pages_say_why_in_the_pages_language(panel: Panel) -> None:
    boss = panel.client("boss")
    page = boss.get("/field")  # the technician's page
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "您的角色无权查看此页面。" in html and 'id="logout"' in html
    assert "Forbidden" not in html
    agent = panel.client("agent1")
    missing = agent.get("/calls/999999")
    assert missing.status_code == 404 and "页面不存在,或您无权查看。" in missing.get_data(as_text=True)
    expired = boss.post("/outages", data={})  # a form posted without (or with an expired) CSRF token
    assert expired.status_code == 400 and "表单已过期" in expired.get_data(as_text=True)
    bad = boss.get("/calls?format=xml")  # what was wrong is still said
    assert bad.status_code == 400 and "format: only csv" in bad.get_data(as_text=True)
    boss.get("/lang/en")
    assert "Your role may not see this page." in boss.get("/field").get_data(as_text=True)


def test_json_callers_keep_the_plain_answer(panel: Panel) -> None:
    agent = panel.client("agent1")
    api = agent.get("/api/v1/nothing-here")
    assert api.status_code == 404 and "页面不存在" not in api.get_data(as_text=True)
    control = agent.post("/desk/control", data={"control": "hangup"}, headers={"X-CSRFToken": "stale"})
    assert control.status_code == 400 and "表单已过期" not in control.get_data(as_text=True)
