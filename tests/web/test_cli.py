"""``hotline user add`` and ``hotline user token``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline import cli
from tests.web.conftest import panel_settings
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
