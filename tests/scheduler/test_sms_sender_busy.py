"""The SMS sender beside other writers on SQLite (one write lock for everyone): a pass the database
is too busy for (another writer's lock past ``db_busy_timeout_s``) is one line in the log, never a
traceback, and loses nothing — a message not claimed stays queued, a gateway's verdict that could
not be written is written by the next pass (sent once, recorded ``sent``). A lock is held here by a
plain sqlite3 connection (``BEGIN IMMEDIATE``) for as long as the test needs, so every busy pass is
certain, not a race; the concurrent writers' test asserts only what holds whatever the timing."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import open_db
from hotline.models import Call
from hotline.models.notifications import OutboxMessage
from hotline.notifications.provider import OutgoingSms, SendResult
from hotline.settings import Settings, load
from hotline.timeutil import utcnow
from scheduler.sms_sender import SmsSender
from tests.hotline.callbacks.conftest import add_call
from tests.scheduler.outbox import Accepting, queue_one
from tests.support.postgres import sqlite_url

DEADLINE_S = 60.0  # generous: costs nothing when things go well


@pytest.fixture
def lite(tmp_path: Path) -> tuple[Settings, Path]:
    """Settings on a SQLite file (whatever HOTLINE_TEST_DB says: the lock is SQLite's) whose
    writers give up after 0.2 s, and the file."""
    path = tmp_path / "busy.db"
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test", database_url=sqlite_url(path),
             db_busy_timeout_s=0.2, sms_send_interval_s=0.05)
    return s, path


@contextmanager
def held_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another writer holding the database's write lock until the block ends."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _status(sessions: sessionmaker[Session], msg_id: int) -> str:
    with sessions() as db:
        msg = db.get(OutboxMessage, msg_id)
        assert msg is not None
        return msg.status


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"waited {DEADLINE_S:.0f} s for {what}"
        time.sleep(0.02)


def _sender_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "scheduler.sms_sender"]


def test_a_pass_with_nothing_to_do_takes_no_write_lock(lite: tuple[Settings, Path]) -> None:
    """Every few seconds the sender looks for stale claims and due messages: with none it only
    reads, so another writer's lock does not stop it (WAL: readers are never blocked)."""
    s, path = lite
    _, sessions = open_db(s)
    with held_lock(path):
        rep = SmsSender(s, sessions, Accepting()).once()
    assert rep.busy is None and (rep.sent, rep.stale) == (0, 0)


def test_a_busy_database_is_one_line_and_the_next_pass_sends(lite: tuple[Settings, Path],
                                                              caplog: pytest.LogCaptureFixture) -> None:
    s, path = lite
    _, sessions = open_db(s)
    msg_id = queue_one(sessions, s, "13800000001")
    gw = Accepting()
    caplog.set_level(logging.INFO, logger="scheduler.sms_sender")
    sender = SmsSender(s, sessions, gw)
    try:
        with held_lock(path):
            sender.start()
            _wait(lambda: any("database is busy" in r.getMessage() for r in _sender_records(caplog)),
                  "the sender to meet the lock")
            assert gw.sent == [] and _status(sessions, msg_id) == "queued"  # not claimed: nothing to lose
        _wait(lambda: _status(sessions, msg_id) == "sent", "the message to be sent once the lock is gone")
    finally:
        sender.stop()
    assert [m.message_id for m in gw.sent] == [msg_id]
    busy = [r for r in _sender_records(caplog) if "database is busy" in r.getMessage()]
    assert busy and all(r.levelno == logging.WARNING and r.exc_info is None for r in busy)
    assert "database is locked" in busy[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)  # no traceback anywhere


def test_a_verdict_the_database_refused_is_written_by_the_next_pass(lite: tuple[Settings, Path]) -> None:
    """The gateway took the message, then another writer took the lock before the verdict was
    written: the message stays claimed (``sending``), the verdict waits in the sender, and the next
    pass records it ``sent`` — without handing the message to the gateway again."""
    s, path = lite
    _, sessions = open_db(s)
    msg_id = queue_one(sessions, s, "13800000001")
    lock: list[sqlite3.Connection] = []

    class TakenThenLocked(Accepting):
        def send(self, sms: OutgoingSms) -> SendResult:
            result = super().send(sms)
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")  # held until the test lets go
            lock.append(conn)
            return result

    gw = TakenThenLocked()
    sender = SmsSender(s, sessions, gw)
    rep = sender.once()
    assert rep.busy and "database is locked" in rep.busy and rep.sent == 0
    assert [v.msg_id for v in sender.unrecorded] == [msg_id]
    assert _status(sessions, msg_id) == "sending"
    lock[0].execute("ROLLBACK")
    lock[0].close()
    rep = sender.once()
    assert rep.busy is None and rep.sent == 1 and sender.unrecorded == []
    assert _status(sessions, msg_id) == "sent" and len(gw.sent) == 1


def test_writers_of_calls_beside_the_sender_lose_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A write burst: threads writing call records (the listener's flushes, as in the soak) while
    the sender claims and records messages. The writers wait for the lock as long as the default
    busy timeout allows; the sender gives up after 10 ms, so it meets their locks (how often is
    the machine's timing, not asserted). Every call is written, every message handed to the
    gateway once and recorded ``sent``; the log holds no traceback."""
    url = sqlite_url(tmp_path / "burst.db")
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test", database_url=url,
             sms_send_interval_s=0.01)
    _, writers_db = open_db(s)
    _, sender_db = open_db(s.replace(db_busy_timeout_s=0.01))
    ids = [queue_one(writers_db, s, f"138000{i:05d}") for i in range(40)]
    gw = Accepting()
    caplog.set_level(logging.INFO)
    errors: list[BaseException] = []
    at = utcnow()

    def write_calls(w: int) -> None:
        try:
            for batch in range(10):
                with writers_db() as db:
                    for i in range(20):
                        add_call(db, number="13900000000", disposition="answered", talk=30.0,
                                 at=at - timedelta(seconds=i), call_id=f"w{w}-{batch}-{i}")
                    db.commit()
        except BaseException as exc:
            errors.append(exc)

    sender = SmsSender(s, sender_db, gw).start()
    writers = [threading.Thread(target=write_calls, args=(w,)) for w in range(4)]
    try:
        for t in writers:
            t.start()
        for t in writers:
            t.join(DEADLINE_S * 5)
        _wait(lambda: all(_status(writers_db, i) == "sent" for i in ids), "every message to be sent")
    finally:
        sender.stop()
    assert errors == []
    with writers_db() as db:
        assert db.scalar(select(func.count()).select_from(Call)) == 4 * 10 * 20
    assert sorted(m.message_id for m in gw.sent) == ids  # each handed to the gateway once
    assert [r.getMessage() for r in caplog.records if r.exc_info is not None] == []
