"""Refused page requests (web/errors.py): said in the page's language with the panel's header and
a way back; the API keeps the plain status, the desk's and the wallboard's scripts get the
panel's refusal shape (web/refusal.py) with the same sentence."""

from __future__ import annotations

import logging
from typing import Any

from tests.web.conftest import Panel, csrf_of


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


def test_json_callers_get_the_status_and_the_scripts_the_refusal_shape(panel: Panel) -> None:
    agent = panel.client("agent1")
    api = agent.get("/api/v1/nothing-here")
    assert api.status_code == 404 and "页面不存在" not in api.get_data(as_text=True)
    control = agent.post("/desk/control", data={"control": "hangup"}, headers={"X-CSRFToken": "stale"})
    assert control.status_code == 400 and control.get_json() == {
        "ok": False, "error": "form_expired", "message": "表单已过期:请刷新页面后重试。"}
    missing = agent.post("/desk/nothing-here", headers={"X-CSRFToken": "stale"})
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    # a desk's button after its user was disabled (the form's token still good): 401 in the same
    # shape, not the login page's HTML
    from web.auth.users import set_active

    h = {"X-CSRFToken": csrf_of(agent, "/desk")}
    db = panel.db()
    set_active(db, "agent1", False)
    db.commit()
    db.close()
    gone = agent.post("/desk/control", data={"control": "hangup"}, headers=h)
    assert gone.status_code == 401 and gone.get_json() == {
        "ok": False, "error": "login_required", "message": "登录已失效:请重新登录。"}


def test_a_fault_of_the_panel_is_said_in_the_pages_language_and_logged(panel: Panel, monkeypatch: Any,
                                                                        caplog: Any) -> None:
    """A 500 (an exception the panel did not expect) answers the page in Chinese with the panel's
    header, the scripts in the refusal shape, the API with the plain status; Flask logs the
    traceback first, and the fault's text reaches no browser."""
    import web.team.views

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret internals 42")
    panel.app.config["PROPAGATE_EXCEPTIONS"] = False  # as served (TESTING would raise it into the test)
    monkeypatch.setattr(web.team.views, "render_template", broken)
    boss = panel.client("boss")
    with caplog.at_level(logging.ERROR):
        page = boss.get("/supervisor")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and "面板处理此请求时出错" in html and 'id="logout"' in html
    assert "secret internals" not in html and "Internal Server Error" not in html
    assert any("secret internals 42" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    script = boss.get("/supervisor", headers={"X-CSRFToken": "x"})
    assert script.status_code == 500 and script.get_json()["error"] == "server_error"
    assert "secret internals" not in script.get_data(as_text=True)
