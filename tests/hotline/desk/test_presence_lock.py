"""One change of an agent's presence at a time across PROCESSES (``hotline.desk.presence_lock``):
the panel's processes and the scheduler each change presence; a lock per process let one store
while another was between its row and its PBX action. The other processes here are real ones
(multiprocessing, spawned), on the suite's database (SQLite, or PostgreSQL with
HOTLINE_TEST_DB=postgres)."""

from __future__ import annotations

import logging
import multiprocessing
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from hotline.db import advisory_key, open_db, sqlite_path
from hotline.desk import presence, presence_lock
from hotline.desk.live import sync_all
from hotline.desk.presence_lock import PresenceBusy
from hotline.desk.refusals import Refusal
from hotline.live_snapshot import AgentLive, LiveSnapshot
from hotline.models import LiveState
from hotline.models.desk import PresenceChange
from hotline.settings import Settings, load
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.hotline.desk.fakes import RecordingAmi
from tests.support.postgres import dispose_engines, server, sqlite_url

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
SPAWN = multiprocessing.get_context("spawn")  # a fresh process, as the panel's and the scheduler's are
WAIT_S = 60.0  # a bound for the test's own waits (a spawned child imports the hotline first)


def _settings(runtime: str, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=Path(runtime), database_url=db_url)


class _FileAmi(RecordingAmi):
    """Logs each action to ``log`` (a file every process appends to) after ``delay_s``, as the PBX
    would apply it; sets ``started`` when an action begins."""

    def __init__(self, log: str, delay_s: float = 0.0, started: Event | None = None) -> None:
        super().__init__()
        self.log, self.delay_s, self.started = log, delay_s, started

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        if self.started is not None:
            self.started.set()
        time.sleep(self.delay_s)
        with open(self.log, "a") as f:
            f.write(f"{name} {fields.get('Paused', '')}\n")
        return super().action(name, variables, **fields)


def _unregistered(runtime: str, db_url: str, log: str, started: Event) -> None:
    """Another process (a panel's): the old softphone's "unregistered", 示忙, its pause slow."""
    s = _settings(runtime, db_url)
    engine, sessions = open_db(s)
    with sessions() as db:
        assert presence.set_state(s, db, "8001", P.BUSY, by="softphone", ami=_FileAmi(log, 1.0, started)).ok
    engine.dispose()


def _registered(runtime: str, db_url: str, log: str, started: Event) -> None:
    """A third process: the new softphone's "registered" once the first's row is stored."""
    s = _settings(runtime, db_url)
    engine, sessions = open_db(s)
    assert started.wait(WAIT_S)
    with sessions() as db:
        with presence.serial(s, db, "8001"):  # as web.softphone.follow_registration reads and decides
            cur = presence.current(db, s, "8001")
            with open(log, "a") as f:
                f.write(f"read {cur.state.value} {cur.by}\n")
            if (cur.state, cur.by) == (P.BUSY, "softphone"):
                assert presence.set_state(s, db, "8001", P.AVAILABLE, by="softphone", ami=_FileAmi(log)).ok
    engine.dispose()


def _hold(runtime: str, db_url: str, agent: str, holding: Event, release: Event) -> None:
    """Another process holds ``agent``'s presence until told to let go."""
    s = _settings(runtime, db_url)
    engine, sessions = open_db(s)
    with sessions() as db, presence.serial(s, db, agent):
        holding.set()
        release.wait(WAIT_S)
    engine.dispose()


def _run(*procs: Any) -> None:
    for p in procs:
        p.join(WAIT_S)
    assert [p.exitcode for p in procs] == [0] * len(procs)


@contextmanager
def _held_elsewhere(tmp_path: Path, db_url: str, agent: str = "8001") -> Iterator[None]:
    holding, release = SPAWN.Event(), SPAWN.Event()
    p = SPAWN.Process(target=_hold, args=(str(tmp_path), db_url, agent, holding, release))
    p.start()
    try:
        assert holding.wait(WAIT_S)
        yield
    finally:
        release.set()
        _run(p)


def test_two_processes_store_and_reach_the_pbx_in_one_order(tmp_path: Path, db_url: str) -> None:
    """The reload race of ``test_two_changes_at_once_reach_the_pbx_in_the_order_they_are_stored``
    between two processes (two panel processes behind a proxy, or the panel and the scheduler):
    with a lock per process the second read the first's 示忙 row and unpaused the member while
    the first's pause was still on its way — the PBX's last word "paused", the desk's 示闲."""
    s = _settings(str(tmp_path), db_url)
    engine, sessions = open_db(s)
    with sessions() as db:
        assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi()).ok
    log, started = str(tmp_path / "pbx.log"), SPAWN.Event()
    first = SPAWN.Process(target=_unregistered, args=(str(tmp_path), db_url, log, started))
    second = SPAWN.Process(target=_registered, args=(str(tmp_path), db_url, log, started))
    first.start()
    second.start()
    _run(first, second)
    with sessions() as db:
        assert presence.current(db, s, "8001").state == P.AVAILABLE
    engine.dispose()
    assert Path(log).read_text().splitlines() == [
        "QueuePause true", "read busy softphone", "QueuePause false"]  # the PBX's last word: unpaused


def test_a_change_held_up_past_the_bound_is_refused_and_stores_nothing(
        tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Another process holds the agent (stuck on a PBX that does not answer): a click waits
    ``TIMEOUT_S``, then is refused (``presence_busy``, logged) with nothing stored and nothing
    sent to the PBX; the scheduler's tick leaves the agent to its next tick. Once the holder is
    done, the same click goes through."""
    monkeypatch.setattr(presence_lock, "TIMEOUT_S", 0.5)
    s = _settings(str(tmp_path), db_url)
    engine, sessions = open_db(s)
    ami = RecordingAmi()
    with sessions() as db:
        assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=ami).ok
        db.add(LiveState(server="pbx1", updated_at=T0, data=LiveSnapshot(
            agents={"8001": AgentLive(AgentState.RINGING, T0.timestamp(), "c1", "hotline")}).to_dict()))
        db.commit()
        rows = db.scalar(select(func.count()).select_from(PresenceChange))
        sent = len(ami.sent)
        with _held_elsewhere(tmp_path, db_url), caplog.at_level(logging.WARNING):
            r = presence.set_state(s, db, "8001", P.BUSY, ami=ami)
            assert (r.ok, r.reason, r.presence.state) == (False, Refusal.PRESENCE_BUSY, P.AVAILABLE)
            assert sync_all(s, db, T0) == 0  # the ring is left to the next tick
            assert db.scalar(select(func.count()).select_from(PresenceChange)) == rows
            assert len(ami.sent) == sent
        assert "the change is refused" in caplog.text and "left to the next tick" in caplog.text
        assert presence.set_state(s, db, "8001", P.BUSY, ami=ami).ok
    engine.dispose()


def _try(runtime: str, db_url: str, agent: str, out: str) -> None:
    """Another process tries ``agent``'s lock once, briefly, and writes whether it had it."""
    s = _settings(runtime, db_url)
    engine, sessions = open_db(s)
    with sessions() as db:
        try:
            with presence_lock.held(db, s.server_id, agent, timeout_s=0.2):
                Path(out).write_text("had")
        except PresenceBusy:
            Path(out).write_text("busy")
    engine.dispose()


def _tried(tmp_path: Path, db_url: str, agent: str = "8001") -> str:
    out = tmp_path / "tried"
    p = SPAWN.Process(target=_try, args=(str(tmp_path), db_url, agent, str(out)))
    p.start()
    _run(p)
    return out.read_text()


def test_the_lock_is_reentrant_and_held_until_the_outermost_block_ends(tmp_path: Path, db_url: str) -> None:
    """A change inside another of the same agent (``set_state`` inside ``follow_registration``'s
    lock) goes on at once in its thread, and the inner block's end does not let another process
    in while the outer one holds; the outermost end does."""
    s = _settings(str(tmp_path), db_url)
    engine, sessions = open_db(s)
    with sessions() as db:
        with presence.serial(s, db, "8001"):
            assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi()).ok  # nested
            assert _tried(tmp_path, db_url) == "busy"
            assert _tried(tmp_path, db_url, "8002") == "had"  # one agent's lock, not every agent's
        assert _tried(tmp_path, db_url) == "had"
    engine.dispose()


def test_the_sqlite_lock_files_are_private_and_named_by_a_hash(tmp_path: Path) -> None:
    """Beside the database, in a 0700 directory, 0600 files, no agent text in a name (operator
    text, not a path's part); one per server and agent."""
    db_file = tmp_path / "hotline.db"
    s = _settings(str(tmp_path), sqlite_url(db_file))
    engine, sessions = open_db(s)
    folder = tmp_path / "hotline.db-locks"
    with sessions() as db, presence.serial(s, db, "../8001 x"):
        held = list(folder.iterdir())  # made by the lock, while it is held
    engine.dispose()
    [path] = held
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path == presence_lock.lock_file(db_file, s.server_id, "../8001 x") and "8001" not in path.name
    assert presence_lock.lock_file(db_file, s.server_id, "8002") != path
    assert presence_lock.lock_file(db_file, "other", "../8001 x") != path
    assert sqlite_path("sqlite://") is None and sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path(f"sqlite:///{db_file}") == db_file


def test_an_in_memory_database_serialises_in_its_process(tmp_path: Path) -> None:
    s = _settings(str(tmp_path), "sqlite://")
    engine, sessions = open_db(s)
    with sessions() as db, presence.serial(s, db, "8001"):
        assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi()).ok
    assert not list(tmp_path.rglob("*-locks"))
    engine.dispose()


def test_an_answer_stops_the_other_rings_each_under_its_own_lock(
        tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ringall call answered by 8001 ends 8002's ring too (``_stop_other_rings``) — under
    8002's lock: while another process is changing 8002 (its desk, its tick), its row is not
    written over; its own sync ends the ring once the holder is done."""
    monkeypatch.setattr(presence_lock, "TIMEOUT_S", 0.5)
    s = _settings(str(tmp_path), db_url)
    engine, sessions = open_db(s)
    with sessions() as db:
        for agent in ("8001", "8002"):
            assert presence.set_state(s, db, agent, P.AVAILABLE, now=T0, ami=RecordingAmi()).ok
            assert presence.on_call_event(s, db, agent, presence.CallPhase.RINGING, "c1", T0).changed
        with _held_elsewhere(tmp_path, db_url, "8002"):
            assert presence.on_call_event(s, db, "8001", presence.CallPhase.ANSWERED, "c1", T0).changed
            assert presence.current(db, s, "8002").state == P.RINGING
        # its own sync, once the holder is done: the listener no longer sees it ringing
        assert presence.on_call_event(s, db, "8002", presence.CallPhase.ENDED, "c1", T0).presence.state == P.AVAILABLE
        assert presence.current(db, s, "8001").state == P.TALKING
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """PostgreSQL whatever HOTLINE_TEST_DB says: these tests are about the advisory lock."""
    url = server().create_database("lock")
    yield url
    dispose_engines(url)
    server().drop_database(url)


@contextmanager
def _other_session(url: str) -> Iterator[Any]:
    """A PostgreSQL session of its own, ended (its advisory locks with it) when the block ends."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _free_elsewhere(url: str, key: int) -> bool:
    with _other_session(url) as conn:
        return bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))


def test_a_postgres_lock_is_two_round_trips_and_still_bounded(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the lock costs a change is its round trips (bench/presence_lock.py): one to take it —
    the timeout and the lock in one query — and one to let go; no ping of its pool per change. It
    was four (ping, timeout, lock, unlock). The timeout still bounds a wait for another holder."""
    s = _settings(str(tmp_path), pg_url)
    engine, sessions = open_db(s)
    lock_engine = presence_lock._lock_engine(engine)
    sent: list[str] = []
    event.listen(lock_engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: sent.append(statement))
    pings: list[Any] = []
    ping = lock_engine.dialect.do_ping
    monkeypatch.setattr(lock_engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    key = advisory_key(f"hotline-presence:{s.server_id}:8001")
    with sessions() as db:
        for _ in range(3):
            with presence.serial(s, db, "8001"):
                assert not _free_elsewhere(pg_url, key)
        assert _free_elsewhere(pg_url, key)
        assert (len(sent), pings) == (6, []), sent
        with _other_session(pg_url) as other:
            assert other.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
            with pytest.raises(PresenceBusy, match="advisory lock"):
                with presence_lock.held(db, s.server_id, "8001", timeout_s=0.3):
                    pytest.fail("had a lock another session holds")
    engine.dispose()


def test_a_lock_connection_the_server_ended_is_replaced_once(
        tmp_path: Path, pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """No ping (above): a kept lock connection the server ended — a PostgreSQL restart, an idle
    timeout — fails the next change's lock, which takes a new connection once (logged) and holds
    the lock; the click goes through."""
    s = _settings(str(tmp_path), pg_url)
    engine, sessions = open_db(s)
    key = advisory_key(f"hotline-presence:{s.server_id}:8001")
    with sessions() as db:
        assert presence.set_state(s, db, "8001", P.AVAILABLE, now=T0, ami=RecordingAmi()).ok  # a connection kept
        with _other_session(pg_url) as admin:
            ended = admin.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert ended >= 2  # the engine's and the lock's
        with caplog.at_level(logging.WARNING), presence.serial(s, db, "8001"):
            assert not _free_elsewhere(pg_url, key)
        assert "its connection was gone" in caplog.text
        assert presence.set_state(s, db, "8001", P.BUSY, ami=RecordingAmi()).ok
    engine.dispose()
