"""Logins and accounts under attack (issue 19): redirects after login, sessions, the login limit,
tokens, the proxy in front."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hotline.models import ApiToken, RecordingListen, User
from hotline.timeutil import utcnow
from tests.web.conftest import PASSWORD, Panel, csrf_of, login, open_panel
from tests.web.factory import make_call, make_wav
from web.auth.limiter import LoginLimiter
from web.auth.users import new_token, revoke_tokens, set_active, set_password

EVIL_NEXT = [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/%5c/evil.example", "/\\/evil.example",
    "//evil.example", "/%20/evil.example", "https://evil.example/", "/%0aSet-Cookie:%20x=1",
]


def _login_to(panel: Panel, next_qs: str) -> tuple[int, str]:
    c = panel.client()
    token = csrf_of(c)
    r = c.post(f"/login?next={next_qs}", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    return r.status_code, r.headers.get("Location", "")


@pytest.mark.parametrize("next_qs", EVIL_NEXT)
def test_login_never_redirects_to_another_host(panel: Panel, next_qs: str) -> None:
    status, location = _login_to(panel, next_qs)
    assert status == 302 and location == "/", (next_qs, status, location)


def test_a_nul_byte_in_next_is_refused_before_login(panel: Panel) -> None:
    assert _login_to(panel, "/%00/evil.example") == (400, "")


def test_login_still_returns_to_a_local_page(panel: Panel) -> None:
    assert _login_to(panel, "/calls%3Fagent%3D8001") == (302, "/calls?agent=8001")
    assert _login_to(panel, "/supervisor")[1] == "/supervisor"


def _cookie_client(panel: Panel, cookie: str) -> FlaskClient:
    """A second browser holding a copy of a session cookie."""
    c = panel.app.test_client()
    c.set_cookie("session", cookie)
    return c


def _session_cookie(c: FlaskClient) -> str:
    cookie = c.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_logout_ends_every_session_of_the_user(panel: Panel) -> None:
    boss = panel.client("boss")
    copy = _cookie_client(panel, _session_cookie(boss))
    assert copy.get("/supervisor").status_code == 200  # a copied cookie works like the original
    assert boss.post("/logout", data={"csrf_token": csrf_of(boss, "/supervisor")}).status_code == 302
    assert copy.get("/supervisor").status_code == 302  # …until its user logs out
    assert panel.client("boss").get("/supervisor").status_code == 200  # a new login works


def test_password_change_and_disable_end_sessions(panel: Panel) -> None:
    insp = panel.client("insp")
    assert insp.get("/calls").status_code == 200
    set_password(panel.db(), "insp", "another-pass-2")
    assert insp.get("/calls").status_code == 302
    assert login(panel.client(), "insp", PASSWORD).status_code == 401
    assert login(panel.client(), "insp", "another-pass-2").status_code == 302
    boss = panel.client("boss")
    set_active(panel.db(), "boss", False)
    assert boss.get("/supervisor").status_code == 302
    assert login(panel.client(), "boss", PASSWORD).status_code == 401
    set_active(panel.db(), "boss", True)
    assert login(panel.client(), "boss", PASSWORD).status_code == 302


def test_tokens_expire_and_are_revoked(panel: Panel) -> None:
    db = panel.db()
    boss = db.query(User).filter_by(username="boss").one()
    c = panel.app.test_client()

    def status(token: str) -> int:
        return c.get("/api/v1/faults", headers={"Authorization": f"Bearer {token}"}).status_code

    lasting, forever = new_token(db, boss, "a", days=30), new_token(db, boss, "b")
    assert status(lasting) == 200 and status(forever) == 200
    row = db.query(ApiToken).filter_by(name="a").one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert status(lasting) == 401 and status(forever) == 200
    assert revoke_tokens(db, "boss") == 2  # the expired one too
    assert status(forever) == 401
    set_active(db, "boss", False)
    fresh = new_token(db, db.query(User).filter_by(username="boss").one(), "c")
    assert status(fresh) == 401  # a disabled user's tokens do not work


def test_unknown_names_count_against_the_address(panel: Panel) -> None:
    """Issue 19: the limit per (IP, name) let one address try any number of names; now the address
    has its own limit, and made-up names count."""
    limit = panel.settings.login_ip_max_failures
    c = panel.client()
    for n in range(limit):
        assert login(c, f"nobody{n}", "wrong-password").status_code == 401
    assert login(c, "boss", PASSWORD).status_code == 429  # even the right password, from this address
    other = panel.app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(other, "boss", PASSWORD).status_code == 302


def test_limiter_forgets_old_and_surplus_keys() -> None:
    now = [0.0]
    lim = LoginLimiter(window_s=60, max_keys=100, clock=lambda: now[0])
    for n in range(1000):
        lim.failed((f"10.0.{n // 250}.{n % 250}", f"name{n}"))
    assert len(lim) <= 100  # a stream of made-up names and addresses stays bounded
    lim.failed(("1.2.3.4", "x"), ("1.2.3.4", "x"))
    assert lim.blocked(("1.2.3.4", "x"), 2)
    now[0] = 61.0
    assert not lim.blocked(("1.2.3.4", "x"), 1)
    lim.failed(("5.6.7.8", "y"))
    now[0] = 200.0
    lim.failed(*[(f"9.9.9.{n}", "z") for n in range(101)])
    assert len(lim) == 100 and not lim.blocked(("5.6.7.8", "y"), 1)


def test_behind_a_trusted_proxy_the_client_address_counts(tmp_path: Path, db_url: str) -> None:
    gen = open_panel(tmp_path, db_url, web_trusted_proxies=1, web_secure_cookies=True)
    panel = next(gen)
    try:
        def through_proxy(client_ip: str) -> FlaskClient:
            c = panel.app.test_client()
            c.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_ip,
                                  HTTP_X_FORWARDED_PROTO="https",
                                  HTTP_REFERER="https://localhost/login")  # CSRF over https checks it
            return c

        attacker = through_proxy("203.0.113.9")
        for _ in range(panel.settings.login_max_failures):
            assert login(attacker, "boss", "wrong-password").status_code == 401
        assert login(attacker, "boss", PASSWORD).status_code == 429
        # another client behind the same proxy is not blocked: the limit is the client's, not the proxy's
        office = through_proxy("198.51.100.20")
        r = login(office, "boss", PASSWORD)
        assert r.status_code == 302
        assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
        # the listen audit names the client too
        db = panel.db()
        wav = make_wav(panel.monitor / "p.wav", 0.2)
        call = make_call(db, agent="8001", recording=str(wav))
        assert office.get(f"/calls/{call.id}/recording").status_code == 200
        assert db.query(RecordingListen).filter_by(call_pk=call.id).one().remote_addr == "198.51.100.20"
    finally:
        gen.close()


def test_without_a_proxy_forwarded_headers_are_ignored(panel: Panel) -> None:
    c = panel.app.test_client()
    c.environ_base.update(HTTP_X_FORWARDED_FOR="198.51.100.1")
    for _ in range(panel.settings.login_max_failures):
        login(c, "boss", "wrong-password")
    c2 = panel.app.test_client()
    c2.environ_base.update(HTTP_X_FORWARDED_FOR="198.51.100.2")  # a forged header does not escape the limit
    assert login(c2, "boss", PASSWORD).status_code == 429
    r = login(panel.client(), "insp", PASSWORD)
    assert "Secure" not in r.headers["Set-Cookie"]


PERSONAL = ["/calls", "/calls?format=csv", "/calls/{call}", "/supervisor", "/supervisor?format=csv&table=agents",
            "/faults", "/faults?format=csv", "/complaints", "/complaints?format=csv", "/outages", "/agent",
            "/api/v1/calls", "/api/v1/faults", "/wallboard", "/wallboard/snapshot", "/calls/{call}/recording"]


def test_pages_and_exports_are_never_cached(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001", recording=str(make_wav(panel.monitor / "c.wav", 0.2)))
    root = panel.client("root")
    for path in PERSONAL:
        r = root.get(path.replace("{call}", str(call.id)))
        assert r.status_code == 200, path
        assert "no-store" in r.headers.get("Cache-Control", ""), path
    assert "no-store" not in root.get("/static/app.css").headers.get("Cache-Control", "")


class _QueueAmi:
    """The desk's AMI login as far as 下线 goes: what it was asked, answered as Asterisk does."""

    def __init__(self, refuse: bool = False) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.refuse = refuse

    def action(self, name: str, **fields: str) -> None:
        from hotline.pbx.ami import AmiError
        if self.refuse:
            raise AmiError("Unable to remove interface: Out of memory")
        self.asked.append((name, fields))


def test_an_agent_logging_out_of_the_panel_is_signed_out_of_the_queue(panel: Panel, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """退出 signs a logged-in agent out of the queue (下线), as the hosted centres' workbench does:
    until 7 December the queue went on ringing a seat nobody watched (R-ANS-4RINGS). A PBX that
    refuses leaves the presence as it was, logs it, and says so on the login page."""
    import contextlib

    from hotline.desk import presence
    from hotline.vocabulary import AgentPresence as P

    ami = _QueueAmi()
    monkeypatch.setattr(presence.Ami, "from_settings",
                        classmethod(lambda cls, s, role=None: contextlib.nullcontext(ami)))
    presence.record(panel.db(), panel.settings, "8001", P.AVAILABLE, utcnow() - timedelta(minutes=5), by="8001")
    panel.db().commit()
    c = panel.client("agent1")
    assert c.post("/logout", data={"csrf_token": csrf_of(c, "/desk")}).status_code == 302
    now = presence.current(panel.db(), panel.settings, "8001")
    assert (now.state, now.by) == (P.LOGGED_OUT, "8001")
    assert [name for name, _f in ami.asked] == ["QueueRemove"]

    # already 下线: nothing asked of the PBX; a user without the agent role: the presence untouched
    ami.asked.clear()
    c = panel.client("agent1")
    assert c.post("/logout", data={"csrf_token": csrf_of(c, "/desk")}).status_code == 302
    boss = panel.client("boss")
    assert boss.post("/logout", data={"csrf_token": csrf_of(boss, "/supervisor")}).status_code == 302
    assert ami.asked == []

    # the PBX refuses: logged out of the panel all the same, still 示闲, said and logged
    presence.record(panel.db(), panel.settings, "8001", P.AVAILABLE, utcnow(), by="8001")
    panel.db().commit()
    ami.refuse = True
    c = panel.client("agent1")
    with caplog.at_level("WARNING", logger="web.auth.views"):
        r = c.post("/logout", data={"csrf_token": csrf_of(c, "/desk")}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "仍在队列中" in page and "未完成" in page, page
    assert presence.current(panel.db(), panel.settings, "8001").state == P.AVAILABLE
    assert any("still in the queue" in rec.getMessage() for rec in caplog.records)
    assert c.get("/desk").status_code == 302  # the session ended nonetheless
