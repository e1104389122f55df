"""One change of an agent's presence at a time, in every process that shares the database (the
panel's processes, the scheduler's tick, a CLI): the lock ``hotline.desk.presence.serial`` holds
from the read to the PBX's answer.

- a thread lock per (database, server, agent), re-entrant: a change calls another under the
  same lock (``set_state`` inside ``web.softphone.follow_registration``'s, ``on_call_event``
  inside ``live.sync``'s), and the locks below are per connection or per open file, not per
  thread — two threads of one process would share them.
- **PostgreSQL**: a session-level ``pg_advisory_lock`` keyed by (server_id, agent), on a
  connection of its own held for the block. Not a transaction-level one: every ``_store``
  commits, which would end it at the first commit, and a committed Session gives its connection
  back to the pool. The connections come from a small pool of their own beside the engine's
  (:data:`POOL_SIZE` kept, :data:`POOL_OVERFLOW` more at a peak), so a panel whose request
  threads hold the engine's pool cannot starve the locks; a process that dies ends its
  connection, and PostgreSQL drops its locks with it.
- **SQLite** (one host): ``flock`` on a file per agent in ``<database>-locks/`` beside the
  database (the directory 0700, the files 0600), named by a hash of server and agent (agent ids
  are operator text); the kernel drops the lock when its process dies. The files stay: removing
  one that another process has open would let two holders in. An in-memory SQLite lives in one
  process: the thread lock is the whole lock.

A lock not had within :data:`TIMEOUT_S` — an AMI round trip is a few seconds at most, so another
holder that long is stuck or the database is — raises :class:`PresenceBusy` before anything is
read or stored: the caller refuses the change (``Refusal.PRESENCE_BUSY``) or leaves it to the next
tick, and logs it; what is stored stays as the last holder left it."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from hotline.db import HeldUp, advisory_key, is_busy, make_engine, sqlite_path

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0
POOL_SIZE, POOL_OVERFLOW = 2, 8  # a process's lock connections on PostgreSQL: kept, and more at a peak
FLOCK_POLL_S = 0.01  # flock has no timeout: a waiter tries again this often


class PresenceBusy(HeldUp):
    """Another holder kept the agent's presence past :data:`TIMEOUT_S`: nothing was read or stored."""


Release = Callable[[], None]


@dataclass
class _Entry:
    lock: threading.RLock = field(default_factory=threading.RLock)
    depth: int = 0  # the holding thread's nesting; only that thread touches it
    release: Release | None = None  # ends the lock across processes (held from depth 1)


_entries: dict[tuple[str, str, str], _Entry] = {}
_entries_guard = threading.Lock()
_lock_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_lock_engines_guard = threading.Lock()


@contextmanager
def held(db: Session, server: str, agent: str, timeout_s: float | None = None) -> Iterator[None]:
    """Holds ``agent``'s presence (of ``server``) for the block, in this thread and against every
    other process on ``db``'s database; re-entrant. :class:`PresenceBusy` after ``timeout_s``
    (default :data:`TIMEOUT_S`)."""
    timeout_s = TIMEOUT_S if timeout_s is None else timeout_s
    engine = db.get_bind().engine  # a Session bound to a Connection locks on its engine
    entry = _entry((engine.url.render_as_string(hide_password=True), server, agent))
    deadline = time.monotonic() + timeout_s
    if not entry.lock.acquire(timeout=timeout_s):
        raise PresenceBusy(f"{agent}'s presence: another change in this process held it over {timeout_s:g} s")
    try:
        if entry.depth == 0:
            entry.release = _across(engine, server, agent, deadline, timeout_s)
        entry.depth += 1
        try:
            yield
        finally:
            entry.depth -= 1
            if entry.depth == 0 and entry.release is not None:
                release, entry.release = entry.release, None
                release()
    finally:
        entry.lock.release()


def _entry(key: tuple[str, str, str]) -> _Entry:
    with _entries_guard:
        return _entries.setdefault(key, _Entry())


def _across(engine: Engine, server: str, agent: str, deadline: float, timeout_s: float) -> Release:
    if engine.dialect.name == "postgresql":
        return _advisory(engine, server, agent, deadline, timeout_s)
    path = sqlite_path(engine.url)
    if path is None:
        return lambda: None  # in-memory SQLite: this process is every holder
    return _flock(lock_file(path, server, agent), agent, deadline, timeout_s)


def _busy(agent: str, timeout_s: float, where: str) -> PresenceBusy:
    return PresenceBusy(f"{agent}'s presence: another process held it over {timeout_s:g} s ({where})")


def lock_file(database: Path, server: str, agent: str) -> Path:
    """The SQLite lock file of one agent's presence: beside the database, named by a hash."""
    folder = database.parent / f"{database.name}-locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256("\0".join((server, agent)).encode()).hexdigest()
    return folder / f"presence-{digest[:32]}"


def _flock(path: Path, agent: str, deadline: float, timeout_s: float) -> Release:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(agent, timeout_s, path.name) from None
                time.sleep(FLOCK_POLL_S)
    except BaseException:
        os.close(fd)
        raise
    return lambda: os.close(fd)  # the close ends the flock


def _advisory(engine: Engine, server: str, agent: str, deadline: float, timeout_s: float) -> Release:
    key = advisory_key(f"hotline-presence:{server}:{agent}")
    try:
        try:
            conn = _locked(engine, key, deadline)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # the pool does not ping (a round trip per change): a kept connection the server ended
            # (a restart) fails here, once, and the pool drops its other old connections with it
            log.warning("%s's presence lock: its connection was gone (%s); once more on a new one", agent, exc.orig)
            conn = _locked(engine, key, deadline)
    except PoolTimeout:
        raise _busy(agent, timeout_s, "no lock connection free") from None
    except OperationalError as exc:
        if is_busy(exc):
            raise _busy(agent, timeout_s, "advisory lock") from None
        raise
    return lambda: _unlock(conn, key, agent)


def _locked(engine: Engine, key: int, deadline: float) -> Connection:
    """A lock connection holding advisory lock ``key``, had in one round trip: a query without
    parameters goes as one simple query, both statements in it. lock_timeout bounds the wait for
    an advisory lock as for any other."""
    conn = _lock_engine(engine).connect()
    try:
        ms = max(1, int((deadline - time.monotonic()) * 1000))
        conn.exec_driver_sql(f"SET lock_timeout = {ms}; SELECT pg_advisory_lock({int(key)})")
    except BaseException:
        conn.close()
        raise
    return conn


def _unlock(conn: Connection, key: int, agent: str) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except Exception as exc:  # the connection is gone or broken: closing it ends the lock too
        log.warning("%s's presence lock: unlock failed (%s); its connection is closed", agent, exc)
        conn.invalidate()
    finally:
        conn.close()


def _lock_engine(engine: Engine) -> Engine:
    """The lock connections' engine for ``engine``'s database: its own small pool, autocommit (a
    lock connection holds a lock, never a transaction), disposed with ``engine``; no ping when a
    connection is taken (``_advisory`` tries again on a new one when a kept one is gone)."""
    with _lock_engines_guard:
        found = _lock_engines.get(engine)
        if found is None:
            found = make_engine(engine.url.render_as_string(hide_password=False), pool_size=POOL_SIZE,
                                max_overflow=POOL_OVERFLOW, pool_timeout=TIMEOUT_S, isolation_level="AUTOCOMMIT",
                                pool_pre_ping=False)
            _lock_engines[engine] = found
            event.listen(engine, "engine_disposed", lambda _e, own=found: own.dispose())
        return found
