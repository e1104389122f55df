"""Calls made while the listener could not read AMI still get their records (issue 8, faults)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from ami_listener.simulate import SimCall, originate
from hotline.db import open_db
from hotline.models import Call, LiveState
from hotline.pbx.process import Asterisk
from hotline.settings import ROOT
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


def _call(tag: str, number: str, ring: float, talk: float, stay: float, mode: str = "answer") -> SimCall:
    agents = {ext: (mode, ring, talk) for ext in ("8001", "8002", "8003")}
    return SimCall(f"{tag}-{time.time_ns() % 10**9}", number, "缺口", stay, agents)


def _wait_record(sessions, call_id: str, timeout: float = 20) -> Call:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as db:
            row = db.scalars(select(Call).where(Call.call_id == call_id)).first()
            if row is not None:
                return row
        time.sleep(0.3)
    raise AssertionError(f"no record for {call_id}")


def _wait_connected(sessions, server: str, log: Path, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Until a listener process is reading AMI: it writes its live snapshot once connected."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as db:
            if db.get(LiveState, server) is not None:
                return
        time.sleep(0.2)
    raise AssertionError(f"the listener did not connect to AMI: {log.read_text(errors='replace')[-2000:]}")


def test_call_inside_an_ami_gap_is_backfilled(pbx: Asterisk, tmp_path: Path) -> None:
    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "gap.db"))
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        listener.conn.hold_off(8)  # AMI gone for 8 s
        time.sleep(0.5)
        answered = _call("gap-answered", "13700000001", ring=1, talk=2, stay=30)
        abandoned = _call("gap-abandon", "13700000002", ring=0, talk=0, stay=2, mode="noanswer")
        with pbx.ami() as ami:
            originate(ami, s, answered)
            originate(ami, s, abandoned)
        _, sessions = open_db(s)
        a = _wait_record(sessions, answered.call_id)
        b = _wait_record(sessions, abandoned.call_id)
    finally:
        listener.stop()
    assert a.vars.get("HOTLINE_SOURCE") == "backfill" and not a.incomplete
    assert (a.disposition, a.caller_number, a.hangup_first) == ("answered", "13700000001", "agent")
    assert a.agent in ("8001", "8002", "8003") and abs(a.ring_seconds - 1.0) < 0.3 and a.within_4_rings
    # talk time includes the work-number announcement the agent side plays (R-ANS-GREET)
    assert 1.8 < a.talk_seconds < 9 and a.queue == s.queue_name
    assert (b.disposition, b.caller_number, b.agent) == ("abandoned", "13700000002", None)
    assert listener.backfilled >= 2


def test_killed_listener_restarts_without_losing_or_doubling_calls(pbx: Asterisk, tmp_path: Path) -> None:
    s = pbx.settings
    db_url = sqlite_url(tmp_path / "kill.db")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_DATABASE_URL=db_url, HOTLINE_RUNTIME_DIR=str(s.runtime_dir),
               HOTLINE_AMI_PORT=str(s.ami_port), HOTLINE_SERVER_ID=s.server_id, HOTLINE_RING_CYCLE_S="1")

    logs: list[Path] = []

    def start() -> subprocess.Popen[bytes]:
        # its log to a file: a pipe nobody reads would block the listener once full
        logs.append(tmp_path / f"listener-{len(logs)}.log")
        with open(logs[-1], "wb") as err:
            return subprocess.Popen([sys.executable, "-m", "hotline", "listener", "listen"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)

    _, sessions = open_db(s.replace(database_url=db_url))
    first = start()
    try:
        before = _call("kill-before", "13700000011", ring=1, talk=1, stay=30)
        _wait_connected(sessions, s.server_id, logs[-1])  # a loaded machine starts a process slowly
        with pbx.ami() as ami:
            originate(ami, s, before)
        _wait_record(sessions, before.call_id)
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        during = _call("kill-during", "13700000012", ring=1, talk=1, stay=30)
        with pbx.ami() as ami:
            originate(ami, s, during)
        time.sleep(4)  # the call ends while no listener runs
        second = start()
        try:
            row = _wait_record(sessions, during.call_id)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert row.disposition == "answered" and row.vars.get("HOTLINE_SOURCE") == "backfill"
    with sessions() as db:
        ids = db.scalars(select(Call.call_id)).all()
    assert ids.count(before.call_id) == 1 and ids.count(during.call_id) == 1


def _traffic_while_database_down(pbx: Asterisk, s, listener: Listener, sessions, tag: str,  # type: ignore[no-untyped-def]
                                 down, up) -> list[Call]:
    """Two calls made, and ended, while the database is unavailable; then it comes back."""
    assert listener.conn.connected.wait(10)
    down()
    calls = [_call(f"{tag}-{i}", f"1370009{i:04d}", ring=1, talk=1, stay=30)
             for i in range(2)]
    with pbx.ami() as ami:
        for c in calls:
            originate(ami, s, c)
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline and not listener.pipeline.journal.pending():
        time.sleep(0.2)
    assert listener.pipeline.journal.pending(), f"nothing journalled while the database was down ({tag})"
    time.sleep(7)  # the calls end while it is still down
    up()
    rows = [_wait_record(sessions, c.call_id, timeout=30) for c in calls]
    for row in rows:
        assert row.disposition == "answered" and not row.incomplete
        assert row.vars.get("HOTLINE_SOURCE") is None  # from the journalled AMI events, not backfill
    return rows


def test_database_unavailable_loses_nothing(pbx: Asterisk, tmp_path: Path) -> None:
    """SQLite locked by someone else for a while: batches wait in the journal, then all land."""
    import sqlite3

    db_file = tmp_path / "locked.db"
    # its own runtime dir, so its journal is its own (the AMI secret is the session Asterisk's)
    s = pbx.settings.replace(database_url=sqlite_url(db_file), db_busy_timeout_s=0.2,
                             runtime_dir=tmp_path / "rt", ami_secret=pbx.settings.secret("ami_secret"),
                             ami_listener_secret=pbx.settings.secret("ami_listener_secret"))
    _, sessions = open_db(s)
    listener = Listener(s).start()
    locker = sqlite3.connect(db_file, timeout=5)
    try:
        _traffic_while_database_down(pbx, s, listener, sessions, "dbdown",
                                     lambda: locker.execute("BEGIN EXCLUSIVE"), locker.rollback)
    finally:
        locker.close()
        listener.stop()
    assert not listener.pipeline.journal.pending()


def test_postgres_stopped_under_traffic_loses_nothing(pbx: Asterisk, tmp_path: Path) -> None:
    """PostgreSQL goes away while calls are made: batches wait in the journal, land when it is back."""
    from tests.support.postgres import PrivatePostgres

    pg = PrivatePostgres().start()
    try:
        s = pbx.settings.replace(database_url=pg.create_database("down"), runtime_dir=tmp_path / "rt",
                                 ami_secret=pbx.settings.secret("ami_secret"),
                                 ami_listener_secret=pbx.settings.secret("ami_listener_secret"))
        _, sessions = open_db(s)
        listener = Listener(s).start()
        try:
            _traffic_while_database_down(pbx, s, listener, sessions, "pgdown", pg.halt, pg.resume)
        finally:
            listener.stop()
        assert not listener.pipeline.journal.pending()
    finally:
        pg.stop()


def test_asterisk_restart_mid_call(tmp_path: Path) -> None:
    """Asterisk restarts while a call is up: the listener reconnects, the interrupted call gets one
    record (finished from CEL), and calls after the restart are recorded as usual."""
    from tests.support.pbx import pbx_test_settings

    s = pbx_test_settings(tmp_path / "rt", server_id="restart", database_url=sqlite_url(tmp_path / "r.db"))
    ast = Asterisk(s).start()
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        cut = _call("restart-cut", "13700000041", ring=1, talk=60, stay=60)
        with ast.ami() as ami:
            originate(ami, s, cut)
        time.sleep(3)  # answered and talking
        ast.stop()
        ast = Asterisk(s).start()
        deadline = time.monotonic() + 20
        while listener.conn.connects < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listener.conn.connects >= 2, "the listener did not reconnect"
        after = _call("restart-after", "13700000042", ring=1, talk=1, stay=30)
        with ast.ami() as ami:
            originate(ami, s, after)
        _, sessions = open_db(s)
        a = _wait_record(sessions, after.call_id)
        c = _wait_record(sessions, cut.call_id)
    finally:
        listener.stop()
        ast.stop()
    assert a.disposition == "answered" and not a.incomplete
    assert c.disposition == "answered" and c.ended_at is not None and c.caller_number == "13700000041"
    with sessions() as db:
        assert len(db.scalars(select(Call).where(Call.call_id == cut.call_id)).all()) == 1


def test_call_spanning_a_listener_restart_is_backfilled(pbx: Asterisk, tmp_path: Path) -> None:
    """A caller who queued long before the listener died and abandoned while it was down: the
    backfill takes every call that *ended* in the gap, however long before it started (before,
    only calls started at most 10 s before the last stored event were looked for)."""
    s = pbx.settings
    db_url = sqlite_url(tmp_path / "span.db")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_DATABASE_URL=db_url, HOTLINE_RUNTIME_DIR=str(s.runtime_dir),
               HOTLINE_AMI_PORT=str(s.ami_port), HOTLINE_SERVER_ID=s.server_id, HOTLINE_RING_CYCLE_S="1")

    logs: list[Path] = []

    def start() -> subprocess.Popen[bytes]:
        # its log to a file: a pipe nobody reads would block the listener once full
        logs.append(tmp_path / f"listener-{len(logs)}.log")
        with open(logs[-1], "wb") as err:
            return subprocess.Popen([sys.executable, "-m", "hotline", "listener", "listen"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)

    _, sessions = open_db(s.replace(database_url=db_url))
    first = start()
    try:
        _wait_connected(sessions, s.server_id, logs[-1])  # a loaded machine starts a process slowly
        waiting = _call("span-abandon", "13700000021", ring=0, talk=0, stay=20, mode="noanswer")
        with pbx.ami() as ami:
            originate(ami, s, waiting)
        time.sleep(14)  # queued for 14 s while the listener stores its events
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        time.sleep(9)  # the caller gives up while no listener runs
        second = start()
        try:
            # generous: the new process starts, connects and backfills on a loaded machine (30 s
            # was too short once, at load ~30)
            row = _wait_record(sessions, waiting.call_id, timeout=90)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert (row.disposition, row.caller_number, row.agent) == ("abandoned", "13700000021", None)
    assert row.vars.get("HOTLINE_SOURCE") == "backfill" and not row.incomplete
    assert 18 < (row.ended_at - row.started_at).total_seconds() < 23


def test_a_full_inbox_stops_reading_and_every_call_is_stored_once(pbx: Asterisk, tmp_path: Path) -> None:
    """A worker slower than Asterisk's events with a tiny inbox bound (issue #17): the reader stops
    reading AMI each time the inbox is full and reconnects once the worker has drained it; the
    calls cut by those gaps are completed from CEL and the ones inside them backfilled — every call
    placed is stored once, whole."""
    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "inbox.db"), listener_inbox_max_mb=0.01)
    listener = Listener(s, flush_interval=0.05)
    real_feed = listener.pipeline.feed_frames
    slow = {"on": True}

    def slow_feed(frames: Iterable[bytes]) -> None:
        if slow["on"]:
            time.sleep(0.05)  # the deliberately slow worker: ~20 reads a second, whatever their size
        real_feed(frames)

    listener.pipeline.feed_frames = slow_feed  # type: ignore[method-assign]
    listener.start()
    calls = [_call(f"inbox-{i}", f"1370003{i:04d}", ring=1, talk=2, stay=30) for i in range(4)]
    try:
        assert listener.conn.connected.wait(10)
        with pbx.ami() as ami:
            for c in calls:
                originate(ami, s, c)
        _, sessions = open_db(s)
        rows = [_wait_record(sessions, c.call_id, timeout=90) for c in calls]
        assert listener.inbox_holds >= 1, "the inbox never filled: the test proves nothing"
        slow["on"] = False
        # reading again, the last gap backfilled (stopping lands what is in flight)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (listener.holding or listener.down_since is not None
                                               or not listener.conn.connected.is_set()):
            time.sleep(0.2)
        assert not listener.holding and listener.down_since is None
    finally:
        listener.stop()
    with sessions() as db:
        ids = db.scalars(select(Call.call_id)).all()
        rows = list(db.scalars(select(Call).where(Call.call_id.in_([c.call_id for c in calls]))))
    assert sorted(ids.count(c.call_id) for c in calls) == [1, 1, 1, 1]
    for row in rows:
        assert (row.disposition, row.incomplete) == ("answered", False), (row.call_id, row.vars)
        assert (row.caller_number or "").startswith("1370003") and row.agent in ("8001", "8002", "8003")
