"""`hotline db backup|restore` (hotline/backup.py, #17): a backup taken while a writer inserts is the
database at one instant (every call with its ring attempts, or neither), a restore gives back exactly
the rows backed up, and a restore is refused over a database a process still uses (unless --force)
or from a backup of another schema version."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline import cli
from hotline.backup import BackupError, backup, restore, sqlite_path
from hotline.db import make_engine, migrate, open_db
from hotline.models import Call, RingAttempt
from hotline.settings import Settings, load
from hotline.timeutil import utcnow
from tests.hotline.callbacks.conftest import add_call
from tests.support.postgres import backend, new_db_url, server


def _settings(tmp_path: Path, url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path / "var", database_url=url)


def _add(sessions, n: int) -> None:  # type: ignore[no-untyped-def]
    """One call and its two ring attempts in one transaction (what the listener writes)."""
    at = utcnow() - timedelta(hours=1)
    with sessions.begin() as db:
        call = add_call(db, number="13800000000", disposition="answered", at=at, call_id=f"b-{n}")
        db.flush()
        for i, agent in enumerate(("8002", "8001")):
            db.add(RingAttempt(call_pk=call.id, agent=agent, rang_at=at, ring_seconds=5.0,
                               result="answered" if i else "no_answer"))


def _rows(s: Settings) -> tuple[dict[str, int], int]:
    engine, sessions = open_db(s)
    try:
        with sessions() as db:
            calls = {c.call_id: len(db.scalars(select(RingAttempt).where(RingAttempt.call_pk == c.id)).all())
                     for c in db.scalars(select(Call))}
            return calls, len(db.scalars(select(RingAttempt)).all())
    finally:
        engine.dispose()


@pytest.fixture
def other_url(tmp_path: Path) -> Iterator[str]:
    url = new_db_url(tmp_path, "restored.db")
    yield url
    if backend() == "postgres":
        server().drop_database(url)


def test_backup_while_writing_then_restore_round_trip(tmp_path: Path, db_url: str, other_url: str) -> None:
    s = _settings(tmp_path, db_url)
    engine, sessions = open_db(s)
    for n in range(50):
        _add(sessions, n)
    stop, written = threading.Event(), [50]

    def writer() -> None:
        while not stop.is_set():
            _add(sessions, written[0])
            written[0] += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        time.sleep(0.2)
        backup(s, tmp_path / "during.bak")
        time.sleep(0.2)
    finally:
        stop.set()
        t.join(30)
    assert written[0] > 60, "the writer wrote during the backup"
    target = _settings(tmp_path, other_url)
    restore(target, tmp_path / "during.bak", force=True)  # the fresh target is open in this test's pool
    calls, _attempts = _rows(target)
    assert {f"b-{n}" for n in range(50)} <= set(calls), "every row committed before the backup is in it"
    assert set(calls) < {f"b-{n}" for n in range(written[0])}
    assert set(calls.values()) == {2}, "one instant: every call with both its ring attempts"
    # quiet: a backup and its restore give exactly the rows of the database
    backup(s, tmp_path / "after.bak")
    if sqlite_path(s.db_url) is not None:
        assert (tmp_path / "after.bak").stat().st_mode & 0o077 == 0, "a backup holds personal data: 0600"
    engine.dispose()
    restore(target, tmp_path / "after.bak", force=True)
    assert _rows(target) == _rows(s)
    assert len(_rows(target)[0]) == written[0]


def test_restore_is_refused_while_a_process_uses_the_database(tmp_path: Path) -> None:
    s = _settings(tmp_path, f"sqlite:///{tmp_path / 'live.db'}")
    engine, sessions = open_db(s, upgrade=True)
    _add(sessions, 1)
    engine.dispose()
    backup(s, tmp_path / "b.bak")
    db_file = sqlite_path(s.db_url)
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
                               "c.execute('select 1 from calls').fetchall(); print('open', flush=True); time.sleep(60)",
                               str(db_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(BackupError, match=rf"open in process\(es\) {holder.pid}.*--force"):
            restore(s, tmp_path / "b.bak")
        restore(s, tmp_path / "b.bak", force=True)
    finally:
        holder.kill()
        holder.wait()
    restore(s, tmp_path / "b.bak")  # nobody uses it now
    assert set(_rows(s)[0]) == {"b-1"}


def test_restore_refuses_a_backup_of_another_schema_version(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    migrate(engine, "0009")
    engine.dispose()
    s = _settings(tmp_path, f"sqlite:///{tmp_path / 'live.db'}")
    with pytest.raises(BackupError, match=r"has schema 0009, this hotline needs .*hotline db upgrade"):
        restore(s, old)
    with pytest.raises(BackupError, match="not a hotline SQLite backup"):
        (tmp_path / "junk").write_text("not a database")
        restore(s, tmp_path / "junk")


def test_backup_and_restore_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no hotline.toml here
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path / "var"))
    assert cli.main(["db", "upgrade"]) == 0
    s = _settings(tmp_path, "")
    engine, sessions = open_db(s)
    _add(sessions, 7)
    engine.dispose()
    assert cli.main(["db", "backup", str(tmp_path / "x.bak")]) == 0
    assert "backup written to" in capsys.readouterr().out
    assert cli.main(["db", "restore", str(tmp_path / "x.bak")]) == 0
    assert set(_rows(s)[0]) == {"b-7"}


def test_restore_is_refused_while_the_database_is_in_use_on_either_backend(tmp_path: Path, db_url: str,
                                                                           other_url: str) -> None:
    """SQLite: another process has the file open; PostgreSQL: another session is connected."""
    s = _settings(tmp_path, db_url)
    engine, sessions = open_db(s)
    _add(sessions, 3)
    engine.dispose()
    backup(s, tmp_path / "b.bak")
    target = _settings(tmp_path, other_url)
    holder: subprocess.Popen[str] | None = None
    user, _ = open_db(target)
    try:
        if sqlite_path(other_url) is not None:
            holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; "
                                       "sqlite3.connect(sys.argv[1]).execute('select 1 from calls').fetchall(); "
                                       "print('open', flush=True); time.sleep(60)", str(sqlite_path(other_url))],
                                      stdout=subprocess.PIPE, text=True)
            assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        else:
            user.connect().close()  # back in the pool: a session the server still has open
        with pytest.raises(BackupError, match=r"--force"):
            restore(target, tmp_path / "b.bak")
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        user.dispose()
    restore(target, tmp_path / "b.bak")
    assert set(_rows(target)[0]) == {"b-3"}
