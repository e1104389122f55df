"""``hotline user add|passwd|disable|enable|token``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline import cli
from tests.web.conftest import login, panel_settings
from web import create_app


def test_user_add_generates_and_prints_a_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    s = panel_settings(tmp_path)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(s.runtime_dir))
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["user", "add", "li", "--role", "agent", "--agent", "8003"]) == 0
    out = capsys.readouterr().out
    password = out.split("password: ")[1].strip()
    assert len(password) >= 12
    assert cli.main(["user", "add", "li", "--role", "agent", "--agent", "8003"]) == 2  # exists
    assert cli.main(["user", "add", "wang", "--role", "agent"]) == 2  # agent needs an extension
    assert cli.main(["user", "add", "zhao", "--role", "inspector", "--password", "short"]) == 2
    assert cli.main(["user", "add", "zhao", "--role", "inspector", "--password", "long-enough-1"]) == 0
    assert "password:" not in capsys.readouterr().out  # a given password is not echoed
    assert cli.main(["user", "token", "li"]) == 0
    token = capsys.readouterr().out.strip()
    app = create_app(s)
    c = app.test_client()
    assert c.get("/api/v1/calls", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    c.get("/login")
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    r = c.post("/login", data={"username": "li", "password": password, "csrf_token": csrf})
    assert r.status_code == 302 and c.get("/agent").status_code == 200


def test_user_passwd_disable_enable_and_token_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    s = panel_settings(tmp_path)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(s.runtime_dir))
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["user", "add", "wang", "--role", "supervisor", "--password", "first-pass-1"]) == 0
    assert cli.main(["user", "token", "wang", "--label", "bi", "--days", "30"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    app = create_app(s)
    api = app.test_client()

    def api_status() -> int:
        return api.get("/api/v1/faults", headers={"Authorization": f"Bearer {token}"}).status_code

    browser = app.test_client()
    assert login(browser, "wang", "first-pass-1").status_code == 302 and api_status() == 200
    # passwd: asked twice (never on the command line); the old sessions end
    answers = iter(["second-pass-2", "second-pass-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["user", "passwd", "wang"]) == 0
    assert browser.get("/supervisor").status_code == 302
    assert login(app.test_client(), "wang", "first-pass-1").status_code == 401
    assert login(browser, "wang", "second-pass-2").status_code == 302
    answers = iter(["third-pass-3", "typo-pass-3"])
    assert cli.main(["user", "passwd", "wang"]) == 2 and "differ" in capsys.readouterr().err
    # disable: sessions end, tokens refused; enable: logins work again
    assert cli.main(["user", "disable", "wang"]) == 0
    assert browser.get("/supervisor").status_code == 302 and api_status() == 401
    assert cli.main(["user", "enable", "wang"]) == 0
    assert api_status() == 200
    # list, then revoke
    capsys.readouterr()
    assert cli.main(["user", "token", "list", "wang"]) == 0
    listed = capsys.readouterr().out
    assert "\tbi\t" in listed and "expires 20" in listed
    assert cli.main(["user", "token", "revoke", "wang"]) == 0 and "1 token(s)" in capsys.readouterr().out
    assert api_status() == 401
    assert cli.main(["user", "token", "revoke", "wang", "--id", "999"]) == 2
    assert cli.main(["user", "disable", "nobody"]) == 2 and "no user 'nobody'" in capsys.readouterr().err
