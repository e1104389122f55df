"""Login, CSRF, the login rate limit, API tokens, and every route against every role."""

from __future__ import annotations

import re

import pytest

from hotline.models import User
from tests.web.conftest import PASSWORD, USERS, Panel, csrf_of, login
from tests.web.factory import make_call, make_wav
from web.auth.users import new_token

# GET routes and the roles that may open them (admin may open everything).
ROUTES: dict[str, set[str]] = {
    "/agent": {"agent"},
    "/calls": {"agent", "inspector", "supervisor"},
    "/calls/{own}": {"agent", "inspector", "supervisor"},
    "/calls/{own}/recording": {"agent", "inspector", "supervisor"},
    "/supervisor": {"supervisor"},
    "/supervisor?format=csv&table=agents": {"supervisor"},
    "/supervisor?format=csv&table=team": {"supervisor"},
    "/supervisor?format=csv&table=kpi": {"supervisor"},
    "/supervisor?format=csv&table=series": {"supervisor"},
    "/calls?format=csv": {"agent", "inspector", "supervisor"},
    "/faults": {"supervisor"},
    "/faults?format=csv": {"supervisor"},
    "/outages": {"supervisor"},
    "/outages?format=csv": {"supervisor"},
    "/complaints": {"supervisor"},
    "/complaints?format=csv": {"supervisor"},
    "/complaints?format=csv&table=escalations": {"supervisor"},
    "/complaints?format=csv&table=overdue": {"supervisor"},
    "/wallboard": {"supervisor"},
    "/wallboard/snapshot": {"supervisor"},
    "/api/v1/calls": {"agent", "inspector", "supervisor"},
    "/api/v1/metrics": {"agent", "supervisor"},
    "/api/v1/agents/metrics": {"agent", "supervisor"},
    "/api/v1/faults": {"supervisor"},
    "/api/v1/callbacks": {"agent", "supervisor"},
    "/api/v1/callbacks?overdue=1": {"agent", "supervisor"},
}


@pytest.fixture
def own_call(panel: Panel) -> int:
    db = panel.db()
    wav = make_wav(panel.monitor / "own.wav", 0.2)
    return make_call(db, agent="8001", recording=str(wav)).id


def _path(p: str, own: int) -> str:
    return p.replace("{own}", str(own))


def test_nothing_answers_without_login(panel: Panel, own_call: int) -> None:
    c = panel.client()
    for p in [*list(ROUTES), "/wallboard/stream", "/"]:
        r = c.get(_path(p, own_call))
        if p.startswith("/api/"):
            assert r.status_code == 401, p
            assert r.get_json() == {"error": "login required"}
        else:
            assert r.status_code == 302, p
            assert "/login" in r.headers["Location"], p


@pytest.mark.parametrize("user", list(USERS))
def test_role_boundaries(panel: Panel, own_call: int, user: str) -> None:
    role = USERS[user][0]
    c = panel.client(user)
    for p, allowed in ROUTES.items():
        r = c.get(_path(p, own_call))
        ok = role == "admin" or role in allowed
        if ok and p.startswith("/calls/{own}") and role == "agent" and user != "agent1":
            assert r.status_code == 404, (user, p)  # another agent's call does not exist for them
        elif ok:
            assert r.status_code == 200, (user, p, r.status_code)
        else:
            assert r.status_code == 403, (user, p, r.status_code)


def test_agent_sees_only_own_calls(panel: Panel) -> None:
    db = panel.db()
    mine = make_call(db, agent="8001", number="13900000001", caller_name="mine")
    theirs = make_call(db, agent="8002", number="13900000002", caller_name="theirs")
    c = panel.client("agent1")
    html = c.get("/calls").get_data(as_text=True)
    assert "13900000001" in html and "13900000002" not in html
    # filters cannot widen the view
    html = c.get("/calls?agent=8002&number=13900000002").get_data(as_text=True)
    assert "theirs" not in html and 'class="call"' not in html
    api = c.get("/api/v1/calls?agent=8002").get_json()
    assert api["calls"] == []
    assert [x["id"] for x in c.get("/api/v1/calls").get_json()["calls"]] == [mine.id]
    assert c.get(f"/calls/{theirs.id}").status_code == 404
    assert c.get(f"/calls/{theirs.id}/recording").status_code == 404
    csv_text = c.get("/calls?format=csv").get_data(as_text=True)
    assert "13900000001" in csv_text and "13900000002" not in csv_text
    # the agent's metrics API is about themselves only
    assert set(c.get("/api/v1/agents/metrics?agent=8002").get_json()["agents"]) == {"8001"}


def test_inspector_sees_masked_numbers(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001", number="13912345678")
    insp = panel.client("insp")
    for body in (insp.get("/calls").get_data(as_text=True), insp.get(f"/calls/{call.id}").get_data(as_text=True),
                 insp.get("/calls?format=csv").get_data(as_text=True)):
        assert "13912345678" not in body and "*******5678" in body
    assert insp.get("/api/v1/calls").get_json()["calls"][0]["caller_number"] == "*******5678"
    # searching by the visible ending still works
    assert "*******5678" in insp.get("/calls?number=5678").get_data(as_text=True)
    boss = panel.client("boss")
    assert "13912345678" in boss.get("/calls").get_data(as_text=True)


def test_wrong_password_and_unknown_user(panel: Panel) -> None:
    c = panel.client()
    r = login(c, "insp", "wrong-password")
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    assert login(c, "nobody", PASSWORD).status_code == 401
    assert c.get("/calls").status_code == 302


def test_login_is_rate_limited_per_ip_and_user(panel: Panel) -> None:
    limit = panel.settings.login_max_failures
    c = panel.client()
    for _ in range(limit):
        assert login(c, "insp", "wrong-password").status_code == 401
    # now even the right password is refused for this user from this IP
    r = login(c, "insp", PASSWORD)
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    assert c.get("/calls").status_code == 302
    # another user from the same IP, and the same user from another IP, are not blocked
    assert login(panel.client(), "boss", PASSWORD).status_code == 302
    other = panel.app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(other, "insp", PASSWORD).status_code == 302


def test_every_form_needs_csrf(panel: Panel, own_call: int) -> None:
    c = panel.client()
    r = c.post("/login", data={"username": "boss", "password": PASSWORD})
    assert r.status_code == 400
    boss = panel.client("boss")
    assert boss.post("/logout").status_code == 400
    assert boss.post("/outages", data={"area": "*", "cause": "power"}).status_code == 400
    insp = panel.client("insp")
    assert insp.post(f"/calls/{own_call}/qa", data={"item_polite": "1"}).status_code == 400
    assert boss.post("/complaints/escalations/1/ack").status_code == 400
    assert boss.post("/complaints/1/update", data={"action": "closed"}).status_code == 400
    assert panel.client("agent1").post("/agent/tasks/1/dial").status_code == 400
    token = csrf_of(boss, "/supervisor")
    assert boss.post("/logout", data={"csrf_token": token}).status_code == 302
    assert boss.get("/supervisor").status_code == 302


def test_login_does_not_redirect_elsewhere(panel: Panel) -> None:
    c = panel.client()
    c.get("/login")
    token = csrf_of(c)
    r = c.post("/login?next=//evil.example/x", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    c2 = panel.client()
    token = csrf_of(c2)
    r = c2.post("/login?next=/calls", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert r.headers["Location"] == "/calls"


def test_api_token(panel: Panel, own_call: int) -> None:
    db = panel.db()
    agent = db.query(User).filter_by(username="agent2").one()
    token = new_token(db, agent)
    c = panel.app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    r = c.get("/api/v1/calls", headers=auth)
    assert r.status_code == 200 and r.get_json()["calls"] == []  # agent2 has no calls; 8001's stay hidden
    assert c.get("/api/v1/faults", headers=auth).status_code == 403
    assert c.get("/api/v1/calls", headers={"Authorization": "Bearer nope"}).status_code == 401
    # a token is for the API only: pages still need a login
    assert c.get("/agent", headers=auth).status_code == 302
    sup = db.query(User).filter_by(username="boss").one()
    sup_token = new_token(db, sup)
    calls = c.get("/api/v1/calls", headers={"Authorization": f"Bearer {sup_token}"}).get_json()["calls"]
    assert [x["id"] for x in calls] == [own_call]


def test_api_rejects_bad_filters(panel: Panel) -> None:
    c = panel.client("boss")
    r = c.get("/api/v1/calls?date_from=yesterday")
    assert r.status_code == 400 and r.get_json()["details"][0].startswith("开始日期:不是有效日期")
    assert c.get("/api/v1/metrics?date_from=2026-13-01").status_code == 400
    # pages show the error and fall back to no filter
    assert c.get("/calls?date_from=yesterday").status_code == 200


def test_english_is_switchable(panel: Panel) -> None:
    c = panel.client("boss")
    assert "班组" in c.get("/supervisor").get_data(as_text=True)
    c.get("/lang/en")
    html = c.get("/supervisor").get_data(as_text=True)
    assert "Team figures" in html and "班组指标" not in html




def test_a_route_names_only_real_roles() -> None:
    """The role names a view declares are the vocabulary's (hotline.vocabulary.Role, listed as
    hotline.models.ROLES): a misspelt one is refused when the view is declared."""
    from hotline.models import ROLES
    from hotline.vocabulary import Role
    from web.auth.access import roles

    assert ROLES == tuple(Role) and "technician" in ROLES
    roles("supervisor", Role.AGENT)(lambda: None)
    with pytest.raises(ValueError, match="'supervisr' is not a role"):
        roles("supervisr")


def test_the_desk_is_in_an_agents_menu(panel: Panel) -> None:
    """坐席工作台 is an agent's working page: in the menu of every page (found by the agent's walk of
    7 December: it was a link on 我的指标 only, so an agent on a case or call page went back
    through 我的指标 to answer the next call). Other roles have no desk and no such item."""
    for page in ("/agent", "/cases", "/calls", "/customers"):
        html = panel.client("agent1").get(page).get_data(as_text=True)
        assert re.search(r'<nav>.*<a href="/desk" id="nav-desk">坐席工作台</a>.*</nav>', html, re.S), page
    assert 'id="nav-desk"' not in panel.client("boss").get("/calls").get_data(as_text=True)
