"""A panel request the database is too busy for (another writer holds SQLite's write lock past
``db_busy_timeout_s``): a 503 with Retry-After that says so in Chinese, one line in the log and no
traceback, nothing written — and the same request goes through once the lock is gone. The lock is
held by a plain sqlite3 connection for as long as the test needs (certain, not a race)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline.models.cases import Case
from tests.support.postgres import sqlite_url
from tests.web.conftest import Panel, csrf_of, open_panel

BUSY_ZH = "数据库繁忙,未保存任何内容,请稍后重试。"


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[tuple[Panel, Path]]:
    path = tmp_path / "panel.db"
    for p in open_panel(tmp_path, sqlite_url(path), db_busy_timeout_s=0.2):
        yield p, path


def _cases(p: Panel) -> int:
    db = p.db()
    try:
        return db.scalar(select(func.count()).select_from(Case)) or 0
    finally:
        db.close()


def test_a_write_the_database_is_too_busy_for(lite: tuple[Panel, Path], caplog: pytest.LogCaptureFixture) -> None:
    p, path = lite
    agent = p.client("agent1")
    form = {"kind": "consult", "category": "package", "number": "13912345678", "description": "问套餐",
            "csrf_token": csrf_of(agent, "/cases")}
    caplog.set_level(logging.INFO)
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        r = agent.post("/cases/new", data=form)
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.get_data(as_text=True) == BUSY_ZH
        # the desk's and the API's callers read JSON
        r = agent.post("/desk/dial", data={"number": "13912345678"},
                       headers={"X-CSRFToken": csrf_of(agent, "/desk")})
        assert r.status_code == 503 and r.get_json() == {"ok": False, "error": "db_busy", "message": BUSY_ZH}
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    busy = [r for r in caplog.records if r.name == "web.busy"]
    assert [r.levelno for r in busy] == [logging.WARNING, logging.WARNING]
    assert "POST /cases/new by agent1 refused with 503" in busy[0].getMessage()
    assert "database is locked" in busy[0].getMessage()
    assert [r.getMessage() for r in caplog.records if r.exc_info is not None] == []  # no traceback
    assert _cases(p) == 0  # nothing half-written
    r = agent.post("/cases/new", data=form)  # the same request again, the lock gone
    assert r.status_code == 303 and _cases(p) == 1
