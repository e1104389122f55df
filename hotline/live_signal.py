"""A push when what the agent desk and the wallboard show has changed: the listener's live
snapshot (``live_state``) or an agent's presence (``desk_presence``).

The writers (the listener's store, ``hotline.desk.presence``) call :func:`notify` inside their
transaction; each panel process runs one :class:`LiveWatcher` thread, and every open event stream
of that process waits on it (:meth:`LiveWatcher.wait`) instead of reading the database on a timer.
The apps never talk to each other: the signal goes through the database they share.

- **PostgreSQL**: ``NOTIFY hotline_live`` (``pg_notify`` in the writer's transaction, so it is
  delivered at commit and never before the row is visible); the watcher holds one connection with
  ``LISTEN hotline_live``.
- **SQLite**: no message to send. The watcher holds one connection of its own and reads
  ``PRAGMA data_version`` every :data:`SQLITE_POLL_S` — a look at the WAL index in shared memory,
  no read of the database — which changes whenever another connection commits.

On either signal the watcher reads what changed — ``live_state``'s stamps and the agents of the
``desk_presence`` rows added since its last look — and wakes the streams if anything did; each
stream then works only if its own agent is concerned (``web.desk.state``). One look per change
per process, however many desks are open.

The streams subscribe (:func:`subscribed`); a watcher with no subscriber for :data:`IDLE_STOP_S`
stops, and the next subscriber starts a new one. It stops at once when its app closes
(:func:`stop_watching`, called by ``web.close_app``) and when its connection fails while nobody
subscribes (the database gone: nobody to serve, nothing to retry for).

A database the watcher cannot observe (in-memory SQLite, ``live_push = false`` for a PostgreSQL
reached through a pooler that drops ``LISTEN``) gives no watcher: the streams poll as before.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hotline.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "hotline_live"
SQLITE_POLL_S = 0.02  # data_version look-ups of the SQLite watcher: 50 a second, each a memory read
RETRY_S = 2.0  # a watcher whose connection failed opens a new one after this
IDLE_STOP_S = 10.0  # a watcher nobody subscribes to stops after this (a process with no stream open)
# what the watcher reads after a signal: the live snapshots' stamps, and the agents of the presence
# rows added since the last look (the primary key's index: a few rows at most)
_LIVE_KEY = {"sqlite": "SELECT group_concat(server || '@' || updated_at, ',') FROM live_state",
             "postgresql": "SELECT string_agg(server || '@' || updated_at::text, ',' ORDER BY server) FROM live_state"}
_NEW_PRESENCE = "SELECT id, agent FROM desk_presence WHERE id > {mark} ORDER BY id"


def notify(db: Session, what: str) -> None:
    """Tell the watchers, at this transaction's commit, that ``what`` changed (a server's live
    snapshot, an agent's presence). On SQLite the commit itself is the signal."""
    bind = db.get_bind()
    if bind.dialect.name == "postgresql":
        db.execute(text("SELECT pg_notify(:channel, :what)"), {"channel": CHANNEL, "what": what[:200]})


class LiveWatcher:
    """One thread per process and database that counts the changes (:attr:`seq`) and wakes who
    waits for one. It also says what changed, so a stream whose agent is not concerned does no
    work: :attr:`live_key` (the live snapshots' stamps: a new one whenever any is rewritten) and
    :meth:`presence_mark` (per agent, a count of the presence rows added). Made and shared by
    :func:`subscribed`."""

    def __init__(self, url: str):
        self.url = url
        self.seq = 0
        self.live_key: str | None = None
        self.subscribers = 0
        self.idle_since = time.monotonic()
        self.done = False
        self._presence: dict[str, int] = {}
        self._mark: int | None = None  # the newest desk_presence id seen
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-watcher", daemon=True)

    def start(self) -> LiveWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def wait(self, seen: int, timeout: float) -> int:
        """Block until :attr:`seq` differs from ``seen`` or ``timeout`` passed; the current seq."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq != seen, timeout)
            return self.seq

    def presence_mark(self, agent: str) -> int:
        """Changes whenever a presence row of ``agent`` is added."""
        return self._presence.get(agent, 0)

    def _look(self, query: Callable[[str], list[tuple[Any, ...]]], dialect: str) -> None:
        """Reads what changed; wakes the waiters if anything did."""
        key = query(_LIVE_KEY[dialect])[0][0]
        if self._mark is None:  # the first look (or after a loss): the state as it is, nothing to report
            self._mark = int(query("SELECT coalesce(max(id), 0) FROM desk_presence")[0][0])
            self.live_key = key
            return
        rows = query(_NEW_PRESENCE.format(mark=self._mark))
        if rows:
            self._mark = int(rows[-1][0])
        changed = key != self.live_key
        with self._cond:
            self.live_key = key
            for _id, agent in rows:
                self._presence[agent] = self._presence.get(agent, 0) + 1
            if changed or rows:
                self.seq += 1
                self._cond.notify_all()

    def _bump(self) -> None:
        """Something may have changed unseen (a connection lost): every stream reads once."""
        with self._cond:
            self.seq += 1
            self.live_key = None
            self._presence = {a: n + 1 for a, n in self._presence.items()}
            self._mark = None
            self._cond.notify_all()

    def _over(self) -> bool:
        """Stopped, or nobody subscribed for IDLE_STOP_S (then it leaves the registry)."""
        if self._stop.is_set():
            return True
        with _lock:
            if self.subscribers == 0 and time.monotonic() - self.idle_since > IDLE_STOP_S:
                self.done = True
                if _watchers.get(self.url) is self:
                    del _watchers[self.url]
        return self.done

    def _unwanted(self) -> bool:
        """Stopped, or nobody subscribes (then it leaves the registry at once)."""
        with _lock:
            if self._stop.is_set() or self.subscribers == 0:
                self.done = True
                if _watchers.get(self.url) is self:
                    del _watchers[self.url]
        return self.done

    def _run(self) -> None:
        watch = self._watch_postgres if make_url(self.url).get_backend_name() == "postgresql" else self._watch_sqlite
        while not self._over():
            try:
                watch()
            except Exception as exc:  # the database restarting: streams fall back on their timeout meanwhile
                if self._unwanted():
                    log.debug("live watcher on %s stops: connection lost (%s) with no stream open",
                              self.url.split("@")[-1], exc)
                    return
                log.warning("live watcher on %s failed (%s); again in %.0f s", self.url.split("@")[-1], exc, RETRY_S)
                self._bump()
                self._stop.wait(RETRY_S)

    def _watch_sqlite(self) -> None:
        path = make_url(self.url).database or ""
        conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        try:
            version = None
            while not self._over():
                now = conn.execute("PRAGMA data_version").fetchone()[0]
                if now != version:
                    version = now
                    self._look(lambda q: conn.execute(q).fetchall(), "sqlite")
                time.sleep(SQLITE_POLL_S)
        finally:
            conn.close()

    def _watch_postgres(self) -> None:
        import psycopg

        conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._look(lambda q: conn.execute(q).fetchall(), "postgresql")  # LISTEN is in place from here
            while not self._over():
                # one look per wake-up, however many notifications came meanwhile
                if list(conn.notifies(timeout=1.0, stop_after=1)):
                    self._look(lambda q: conn.execute(q).fetchall(), "postgresql")


_watchers: dict[str, LiveWatcher] = {}
_lock = threading.Lock()


def stop_watching(url: str) -> None:
    """Stop this process's watcher of ``url`` now (its app closes: the database may go next)."""
    with _lock:
        w = _watchers.pop(url, None)
    if w is not None:
        w.done = True
        w.stop()


def pushable(s: Settings) -> bool:
    """Whether ``s``'s database can be watched (see the module's doc)."""
    url = s.db_url
    return (s.live_push and url not in ("sqlite://", "sqlite:///:memory:")
            and url.startswith(("sqlite", "postgresql")))


@contextlib.contextmanager
def subscribed(s: Settings) -> Iterator[LiveWatcher | None]:
    """This process's watcher of ``s``'s database (started if none runs) for as long as the block
    lasts, or None where there is none: then poll."""
    if not pushable(s):
        yield None
        return
    with _lock:
        w = _watchers.get(s.db_url)
        if w is None or w.done:
            w = _watchers[s.db_url] = LiveWatcher(s.db_url).start()
        w.subscribers += 1
    try:
        yield w
    finally:
        with _lock:
            w.subscribers -= 1
            w.idle_since = time.monotonic()


def wait_for_change(w: LiveWatcher | None, seen: int, poll: float, fallback: float) -> int:
    """The streams' pause between two reads: until the watcher reports a change (at most
    ``fallback`` seconds: wrap-ups end, users are rechecked), or ``poll`` seconds with no watcher."""
    if w is None:
        time.sleep(poll)
        return seen
    return w.wait(seen, fallback)
