"""Panel fixtures: a temp SQLite store, one user per role, a test client that logs in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.settings import Settings, load
from tests.support.ports import free_port
from web import close_app, create_app
from web.auth.users import add_user
from web.context import session_factory

PASSWORD = "secret-pass-1"
USERS = {
    "agent1": ("agent", "8001"),
    "agent2": ("agent", "8002"),
    "insp": ("inspector", None),
    "boss": ("supervisor", None),
    "root": ("admin", None),
}


@dataclass
class Panel:
    app: Flask
    settings: Settings
    monitor: Path

    def db(self) -> Any:
        with self.app.app_context():
            return session_factory()()

    def desk_state(self, agent: str = "8001") -> dict[str, Any]:
        """What ``agent``'s desk shows now (``web.desk.state.DeskState``, one step, as a fresh page)."""
        from web.desk.state import DeskState
        with self.app.app_context():
            db = session_factory()()
            try:
                return DeskState(self.settings, agent)(db, keep_step=False)
            finally:
                db.close()

    def client(self, user: str | None = None) -> FlaskClient:
        c = self.app.test_client()
        if user:
            login(c, user)
        return c


def login(c: FlaskClient, user: str, password: str = PASSWORD) -> Any:
    c.get("/login")
    token = csrf_of(c)
    return c.post("/login", data={"username": user, "password": password, "csrf_token": token})


def csrf_of(c: FlaskClient, path: str = "/login") -> str:
    import re

    html = c.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, f"no csrf token on {path}"
    return m.group(1)


def panel_settings(tmp: Path, **kw: Any) -> Settings:
    # AMI on a port nobody listens on: a desk control in a test without an Asterisk must never
    # reach a hotline running beside the tests (`make run` on the default port)
    values: dict[str, Any] = {"runtime_dir": tmp / "var", "recordings_dir": str(tmp / "monitor"),
                              "agents": ["8001", "8002", "8003"], "ami_port": free_port()}
    values.update(kw)
    return load(config_file=None, env={}, **values)


def open_panel(tmp_path: Path, db_url: str, **kw: Any) -> Iterator[Panel]:
    """A test app on db_url with the USERS; for fixtures (``yield from``)."""
    s = panel_settings(tmp_path, database_url=db_url, **kw)
    (tmp_path / "monitor").mkdir()
    app = create_app(s)
    app.config["TESTING"] = True
    p = Panel(app, s, tmp_path / "monitor")
    db = p.db()
    for name, (role, agent) in USERS.items():
        add_user(db, name, role, PASSWORD, agent)
    db.close()
    yield p
    close_app(app)  # its live watcher too: the database is dropped next


@pytest.fixture
def panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url)


# -- the browser tests' (tests/web/*_browser.py, test_browser.py) ------------------------------
@pytest.fixture
def served(panel: Panel) -> Iterator[tuple[Panel, str]]:
    """The test's panel served over HTTP for Chromium: (panel, base URL)."""
    from tests.web.browser import serve  # browser.py imports this module

    with serve(panel.app) as base:
        yield panel, base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a module's tests (tests/web/browser.py)."""
    from tests.web.browser import chromium

    with chromium() as b:
        yield b
