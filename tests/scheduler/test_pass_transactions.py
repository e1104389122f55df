"""The callbacks pass commits unit by unit (issue #17): SQLite has one writer, and a pass in one
transaction held its write lock from its first write to its end — the listener's flushes and the
panel's writes waited behind it. Now another connection writes between the pass's units; the
pass does the same work; a pass cut short keeps what it did and the next one does the rest, once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import scheduler.callbacks as pass_module
from hotline.callbacks import tasks
from hotline.db import open_db
from hotline.models.callbacks import CallbackSource, CallbackTask, Escalation
from hotline.settings import Settings, load
from scheduler.callbacks import run_pass
from tests.hotline.callbacks.conftest import add_call, local
from tests.support.postgres import sqlite_url

N = 12
T0 = local(2025, 11, 12, 10, 0)
LATER = T0 + timedelta(hours=1)  # every missed-call task (due in 15 min) is overdue by then


def _sqlite(tmp_path: Path, name: str) -> tuple[Settings, sessionmaker[Session], Path]:
    # SQLite whatever HOTLINE_TEST_DB says: its one write lock is what this is about
    path = tmp_path / f"{name}.db"
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test", database_url=sqlite_url(path))
    return s, open_db(s)[1], path


def _missed_calls(sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        for i in range(N):
            add_call(db, number=f"138000{i:05d}", disposition="abandoned", at=T0 + timedelta(seconds=i))
        db.commit()


def _outsider(path: Path) -> Callable[[], None]:
    """A write from another connection that will not wait for the lock (timeout 0): it fails at
    once with "database is locked" while the pass holds SQLite's write lock."""
    n = [0]

    def write() -> None:
        n[0] += 1
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO callback_scheduler_state (name, value, updated_at) VALUES (?, ?, ?)",
                        (f"outsider-{n[0]}", json.dumps({}), "2025-11-12 02:00:00.000000"))
            con.execute("COMMIT")
        finally:
            con.close()
    return write


def _between_units(monkeypatch: pytest.MonkeyPatch, write: Callable[[], None]) -> list[str]:
    """The outsider writes just before each call's unit and each overdue task's escalation (the
    units before it committed); what it met is returned."""
    met: list[str] = []

    def attempt() -> None:
        try:
            write()
            met.append("written")
        except sqlite3.OperationalError as exc:
            met.append(str(exc))

    real_missed, real_escalate = tasks.on_missed_call, pass_module._escalate

    def on_missed_call(*a: Any, **kw: Any) -> Any:
        attempt()
        return real_missed(*a, **kw)

    def escalate(*a: Any, **kw: Any) -> None:
        attempt()
        real_escalate(*a, **kw)

    monkeypatch.setattr(tasks, "on_missed_call", on_missed_call)
    monkeypatch.setattr(pass_module, "_escalate", escalate)
    return met


def _outcome(sessions: sessionmaker[Session]) -> tuple[list[tuple[str, int, bool]], int, list[str]]:
    with sessions() as db:
        made = [(t.number, t.missed_calls, t.overdue_at is not None)
                for t in db.scalars(select(CallbackTask).order_by(CallbackTask.number))]
        sources = db.scalar(select(func.count()).select_from(CallbackSource)) or 0
        escalations = sorted(e.subject for e in db.scalars(select(Escalation)))
    return made, sources, escalations


def test_another_connection_writes_between_the_pass_units_and_the_pass_is_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the same records passed over quietly, for what the pass must do
    quiet_s, quiet, _ = _sqlite(tmp_path, "quiet")
    _missed_calls(quiet)
    with quiet() as db:
        expected = run_pass(quiet_s, db, LATER)
    assert (expected.tasks_created, expected.overdue, len(expected.escalations)) == (N, N, N)

    s, sessions, path = _sqlite(tmp_path, "busy")
    _missed_calls(sessions)
    met = _between_units(monkeypatch, _outsider(path))
    with sessions() as db:
        rep = run_pass(s, db, LATER)
    assert met == ["written"] * (2 * N)  # before: "database is locked" from the second unit on
    assert rep == expected
    assert _outcome(sessions) == _outcome(quiet)
    with sessions() as db:
        assert run_pass(s, db, LATER + timedelta(minutes=1)).tasks_created == 0


def test_a_pass_cut_short_is_taken_up_where_it_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet_s, quiet, _ = _sqlite(tmp_path, "quiet")
    _missed_calls(quiet)
    with quiet() as db:
        run_pass(quiet_s, db, LATER)

    s, sessions, _ = _sqlite(tmp_path, "cut")
    _missed_calls(sessions)
    real = tasks.on_missed_call
    seen = [0]

    def crashing(*a: Any, **kw: Any) -> Any:
        seen[0] += 1
        if seen[0] == 5:
            raise RuntimeError("the scheduler dies here")
        return real(*a, **kw)

    monkeypatch.setattr(tasks, "on_missed_call", crashing)
    with sessions() as db, pytest.raises(RuntimeError):
        run_pass(s, db, LATER)
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(CallbackTask)) == 4  # the units before it: kept
    monkeypatch.setattr(tasks, "on_missed_call", real)
    with sessions() as db:
        rep = run_pass(s, db, LATER)
    assert rep.tasks_created == N - 4 and rep.overdue == N
    assert _outcome(sessions) == _outcome(quiet)  # each call counted once, each task escalated once
