"""What the presence lock (``hotline.desk.presence_lock``: one change of an agent's presence at a
time across processes) costs a change: ms per change, median and p95, with the lock against the
thread lock alone (what it was until 6 December, and still is for an in-memory database: the
cross-process part — the flock, the advisory lock — switched off in the same run), on SQLite and
on a private PostgreSQL (tests/support/postgres.py: fsync off, as in the tests).

The change measured is a desk click the PBX plays no part in: 继续整理 (``presence.extend_wrapup``:
the lock, the open row read, the wrap-up's end moved, the watchers told, committed), whole, nothing
stubbed; and a call's ring and end (``on_call_event``: a row each) — the AMI round trip of a
pause is not the lock's cost. Sequential, then N threads of one process and 2 processes, all on
one agent (they wait for each other: the lock's point) or each on its own. The two ways alternate
block by block (``--rounds``), so a neighbour's load falls on both alike. No timed asserts.

    .venv/bin/python bench/presence_lock.py [--changes 40] [--rounds 20] [--threads 4]
    .venv/bin/python bench/presence_lock.py --sqlite-only | --postgres-only | --url URL
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, text

from hotline.db import advisory_key, make_engine, open_db
from hotline.desk import presence, presence_lock
from hotline.desk.presence import SYSTEM, CallPhase
from hotline.settings import Settings, load
from hotline.vocabulary import AgentPresence as P

ALONE, LOCK, BEFORE = "thread lock alone", "the lock", "4 round trips (before)"
SPAWN = multiprocessing.get_context("spawn")  # fresh processes, as the panel's and the scheduler's are
_across = presence_lock._across
_way = {"now": LOCK}
_pinged: dict[Engine, Engine] = {}


def _ways(engine: Engine) -> tuple[str, ...]:
    return (ALONE, LOCK, BEFORE) if engine.dialect.name == "postgresql" else (ALONE, LOCK)


def _switchable(engine: Engine, server: str, agent: str, deadline: float, timeout_s: float) -> presence_lock.Release:
    """The cross-process part, or nothing (the baseline), or PostgreSQL's as it was: per block."""
    if _way["now"] == LOCK:
        return _across(engine, server, agent, deadline, timeout_s)
    if _way["now"] == BEFORE:
        return _advisory_before(engine, server, agent, deadline)
    return lambda: None


def _advisory_before(engine: Engine, server: str, agent: str, deadline: float) -> presence_lock.Release:
    """The advisory lock as it was until this bench (6 December), for a figure of the same run: four round
    trips (its pool's ping, the timeout, the lock, the unlock)."""
    key = advisory_key(f"hotline-presence:{server}:{agent}")
    if engine not in _pinged:
        _pinged[engine] = make_engine(engine.url.render_as_string(hide_password=False),  # pool_pre_ping on
                                      pool_size=presence_lock.POOL_SIZE, max_overflow=presence_lock.POOL_OVERFLOW,
                                      isolation_level="AUTOCOMMIT")
    conn = _pinged[engine].connect()
    conn.exec_driver_sql(f"SET lock_timeout = {max(1, int((deadline - time.monotonic()) * 1000))}")
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
    return lambda: presence_lock._unlock(conn, key, agent)


@contextmanager
def _switched() -> Iterator[None]:
    """The lock's cross-process part made switchable while the bench runs (in its process)."""
    presence_lock._across = _switchable
    try:
        yield
    finally:
        presence_lock._across = _across
        _way["now"] = LOCK
        for pinged in _pinged.values():
            pinged.dispose()
        _pinged.clear()


def _settings(url: str, runtime: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=Path(runtime), database_url=url)


def _wrapup(s: Settings, sessions: Any, agent: str) -> None:
    with sessions() as db:
        now = datetime.now(UTC)
        presence.record(db, s, agent, P.WRAP_UP, now, by=SYSTEM, call_id="bench",
                        wrapup_until=now + timedelta(hours=1))


def _click(s: Settings, db: Any, agent: str, i: int) -> bool:
    return presence.extend_wrapup(s, db, agent, 1.0).changed


def _call(s: Settings, db: Any, agent: str, i: int) -> bool:
    """A ring (available → ringing) on even i, its end (ringing → available) on odd."""
    phase = CallPhase.RINGING if i % 2 == 0 else CallPhase.ENDED
    return presence.on_call_event(s, db, agent, phase, f"c{i // 2}", datetime.now(UTC)).changed


def _bare(s: Settings, db: Any, agent: str, i: int) -> bool:
    """The lock alone: ``serial`` around nothing (its commit of nothing included)."""
    with presence.serial(s, db, agent):
        return True


CHANGES: dict[str, Callable[[Settings, Any, str, int], bool]] = {"click": _click, "call": _call, "bare": _bare}


def _blocks(s: Settings, sessions: Any, agent: str, change: str, n: int, rounds: int,
            wait: Callable[[], Any]) -> dict[str, list[float]]:
    """``rounds`` × (a block of each way) of ``n`` changes, after a short block of each not
    counted (connections opened, statements cached); each block starts when every worker is at
    ``wait``; seconds per change by way."""
    fn = CHANGES[change]
    with sessions() as db:
        ways = _ways(db.get_bind().engine)
        took: dict[str, list[float]] = {way: [] for way in ways}
        for r in range(rounds + 1):
            for way in ways:
                wait()
                _way["now"] = way
                for i in range(n if r else max(2, n // 20 * 2)):  # even: a call's ring then its end
                    t = time.perf_counter()
                    if not fn(s, db, agent, i):
                        raise RuntimeError(f"{change} {i} of {agent} made no change")
                    if r:
                        took[way].append(time.perf_counter() - t)
    return took


def _process(url: str, runtime: str, agent: str, change: str, n: int, rounds: int, barrier: Any, out: Any) -> None:
    s = _settings(url, runtime)
    engine, sessions = open_db(s)
    try:
        with _switched():
            out.put(_blocks(s, sessions, agent, change, n, rounds, barrier.wait))
    finally:
        engine.dispose()


def _merge(parts: Sequence[dict[str, list[float]]]) -> dict[str, list[float]]:
    return {way: [x for p in parts for x in p[way]] for way in parts[0]}


def _p95(xs: Sequence[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _line(label: str, took: dict[str, list[float]], workers: int) -> None:
    """Median and p95 of each way, and each lock's against the thread lock alone: ratio, ms added."""
    mb = median(took[ALONE]) * 1000
    cells = [f"{mb:7.2f} {_p95(took[ALONE]) * 1000:7.2f}"]
    for way in list(took)[1:]:
        m = median(took[way]) * 1000
        cells.append(f"{m:7.2f} {_p95(took[way]) * 1000:7.2f} ×{m / mb:6.2f} {m - mb:+6.2f}")
    print(f"  {label:<44} {'   '.join(cells)}   ({len(took[LOCK])} changes, {workers} worker{'s' * (workers > 1)})",
          flush=True)


def _header(ways: Sequence[str]) -> None:
    later = "".join(f"   {way:>30}" for way in ways[1:])
    print(f"  {'per change, ms':<44} {ALONE:>15}{later}", flush=True)
    print(f"  {'':<44} {'median':>7} {'p95':>7}" + "   median     p95  ratio  added" * (len(ways) - 1), flush=True)


class Bench:
    def __init__(self, url: str, runtime: str, a: argparse.Namespace) -> None:
        self.url, self.runtime, self.a = url, runtime, a
        self.s = _settings(url, runtime)
        self.engine, self.sessions = open_db(self.s)
        self.agents = iter(f"9{i:03d}" for i in range(1000))  # each scenario on agents of its own

    def agent(self, change: str) -> str:
        agent = next(self.agents)
        if change == "click":
            _wrapup(self.s, self.sessions, agent)
        elif change == "call":
            with self.sessions() as db:
                presence.record(db, self.s, agent, P.AVAILABLE, datetime.now(UTC), by=SYSTEM)
        return agent

    def sequential(self, label: str, change: str) -> None:
        took = _blocks(self.s, self.sessions, self.agent(change), change, self.a.changes, self.a.rounds, lambda: None)
        _line(label, took, 1)

    def threads(self, label: str, same: bool, change: str = "click") -> None:
        k = self.a.threads
        one = self.agent(change) if same else ""
        agents = [one if same else self.agent(change) for _ in range(k)]
        barrier = threading.Barrier(k)
        parts: list[dict[str, list[float]]] = []

        def run(agent: str) -> None:
            parts.append(_blocks(self.s, self.sessions, agent, change, self.a.changes // k, self.a.rounds,
                                 barrier.wait))
        workers = [threading.Thread(target=run, args=(agent,)) for agent in agents]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if len(parts) != k:
            raise RuntimeError(f"{k - len(parts)} of {k} threads failed")
        _line(label, _merge(parts), k)

    def processes(self, label: str, same: bool, change: str = "click", k: int = 2) -> None:
        one = self.agent(change) if same else ""
        agents = [one if same else self.agent(change) for _ in range(k)]
        barrier, out = SPAWN.Barrier(k), SPAWN.Queue()
        procs = [SPAWN.Process(target=_process, args=(self.url, self.runtime, agent, change, self.a.changes // k,
                                                      self.a.rounds, barrier, out)) for agent in agents]
        for p in procs:
            p.start()
        parts = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join(60)
        if any(p.exitcode != 0 for p in procs):
            raise RuntimeError(f"a process failed: exit codes {[p.exitcode for p in procs]}")
        _line(label, _merge(parts), k)

    def round_trips(self) -> None:
        """PostgreSQL: the statements (and pool pings) a lock connection sends per change."""
        lock_engine = presence_lock._lock_engine(self.engine)
        counted = {"statements": 0, "pings": 0}
        event.listen(lock_engine, "before_cursor_execute", lambda *_a: counted.__setitem__(
            "statements", counted["statements"] + 1))
        dialect, ping = lock_engine.dialect, lock_engine.dialect.do_ping

        def counting_ping(dbapi_conn: Any) -> bool:
            counted["pings"] += 1
            return ping(dbapi_conn)
        dialect.do_ping = counting_ping  # type: ignore[method-assign,assignment]
        agent, n = self.agent("click"), 20
        _way["now"] = LOCK
        with self.sessions() as db:
            for i in range(n):
                _click(self.s, db, agent, i)
        dialect.do_ping = ping  # type: ignore[method-assign]
        print(f"  the lock connection per change: {counted['statements'] / n:g} statements, "
              f"{counted['pings'] / n:g} pool pings", flush=True)

    def run(self) -> None:
        k = self.a.threads
        _header(_ways(self.engine))
        self.sequential("serial() around nothing, sequential", "bare")
        self.sequential("a click (extend_wrapup), sequential", "click")
        self.sequential("a ring or its end (a row each), sequential", "call")
        self.threads(f"a click, {k} threads, one agent", same=True)
        self.threads(f"a click, {k} threads, an agent each", same=False)
        self.processes("a click, 2 processes, one agent", same=True)
        self.processes("a click, 2 processes, an agent each", same=False)
        if self.engine.dialect.name == "postgresql":
            self.round_trips()

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _postgres() -> Iterator[str]:
    from tests.support.postgres import PrivatePostgres

    pg = PrivatePostgres().start()
    try:
        yield pg.create_database("presence")
    finally:
        pg.stop()


@contextmanager
def _sqlite(folder: Path) -> Iterator[str]:
    from tests.support.postgres import sqlite_url

    yield sqlite_url(folder / "hotline.db")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--changes", type=int, default=40, help="changes per way and round (split among workers)")
    ap.add_argument("--rounds", type=int, default=20, help="blocks of each way, alternating")
    ap.add_argument("--threads", type=int, default=4)
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    only.add_argument("--url", help="a migrated database of one's own instead (its agents 9000… are written)")
    a = ap.parse_args(argv)
    print(f"presence lock: {a.changes} changes × {a.rounds} rounds per way; {os.cpu_count()} cores, "
          f"{_load()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    backends: list[tuple[str, Callable[[Path], AbstractContextManager[str]]]] = [
        ("SQLite (flock)", _sqlite), ("PostgreSQL (advisory lock)", lambda _f: _postgres())]
    if a.url:
        backends = [(a.url.split(":")[0], lambda _f: nullcontext(a.url))]
    elif a.sqlite_only:
        backends = backends[:1]
    elif a.postgres_only:
        backends = backends[1:]
    with tempfile.TemporaryDirectory(prefix="hotline-presence-bench-") as tmp:
        for title, store in backends:
            print(f"{title}:", flush=True)
            with store(Path(tmp)) as url, _switched():
                bench = Bench(url, tmp, a)
                try:
                    bench.run()
                finally:
                    bench.close()
    print(f"done; {_load()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
