"""Heap snapshots of a running service, a diagnostic for memory that grows over a long run (#17).

Off unless ``HOTLINE_TRACEMALLOC=<dir>`` is in the service's environment (``hotline run`` passes its
own on to every service): then :func:`start`, called first thing by each service's start, turns on
``tracemalloc`` (``HOTLINE_TRACEMALLOC_FRAMES`` frames per allocation, default 10) and a daemon thread
writes ``<dir>/<service>-<pid>-<n>.snap`` (a ``tracemalloc.Snapshot``; ``Snapshot.load`` reads it)
every ``HOTLINE_TRACEMALLOC_EVERY_S`` seconds (default 300), and at once on SIGUSR2. Next to each
one ``<n>.json`` holds what tracemalloc does not see (``hotline.memory_facts``: the RSS, glibc's
malloc figures, pymalloc's arenas, the mappings by kind, the threads, SQLite's heap).
bench/heap_growth.py compares them.
No ``gc.get_objects()`` census by type: taken in a service (from any thread) it hands out tuples that
another thread is still building, whose next resize then fails (``SystemError: Objects/tupleobject.c:
bad argument to internal function`` in the panel's SQLAlchemy, seen in the first soak that did it).
tracemalloc costs CPU (every allocation is traced) and memory (a trace per block): a diagnostic,
never on by default."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.memory_facts import process_facts

log = logging.getLogger(__name__)

ENV_DIR = "HOTLINE_TRACEMALLOC"
ENV_EVERY_S = "HOTLINE_TRACEMALLOC_EVERY_S"
ENV_FRAMES = "HOTLINE_TRACEMALLOC_FRAMES"
# only these services (comma-separated names) trace: tracemalloc slows a service several times, and
# a slowed listener falls behind the calls and starves what is watched downstream (the desks)
ENV_ONLY = "HOTLINE_TRACEMALLOC_ONLY"
DEFAULT_EVERY_S = 300.0
DEFAULT_FRAMES = 10


@dataclass
class HeapSnapshots:
    """Writes the numbered snapshots of one service (see the module's doc)."""

    service: str
    out_dir: Path
    every_s: float
    taken: int = 0
    wake: threading.Event = field(default_factory=threading.Event)
    stop_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, n: int, suffix: str) -> Path:
        return self.out_dir / f"{self.service}-{os.getpid()}-{n}{suffix}"

    def take(self) -> Path:
        """One snapshot now, with its facts; its path."""
        with self.lock:
            n = self.taken
            self.taken += 1
            facts = process_facts()  # first: the RSS without the snapshot's own objects
            snap = tracemalloc.take_snapshot()
            facts.update(service=self.service, pid=os.getpid(), n=n, at=time.time(),
                         traced_bytes=tracemalloc.get_traced_memory()[0],
                         tracemalloc_overhead_bytes=tracemalloc.get_tracemalloc_memory())
            # the facts first: a service stopped between the two writes (its snapshot thread is a
            # daemon) leaves facts without a snapshot, which no reader looks for, never the reverse
            _write_atomically(self.path(n, ".json"), lambda p: Path(p).write_text(json.dumps(facts, indent=1)))
            snap_path = self.path(n, ".snap")
            _write_atomically(snap_path, snap.dump)
            del snap
            return snap_path

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.wake.wait(self.every_s)
            self.wake.clear()
            if self.stop_event.is_set():
                return
            try:
                self.take()
            except Exception:  # a full disk must not stop the service it watches
                log.exception("heap snapshot of %s not written", self.service)

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()


def start(service: str, env: dict[str, str] | None = None) -> HeapSnapshots | None:
    """Heap snapshots for this process when ``HOTLINE_TRACEMALLOC`` asks for them, else None.
    Call it from the main thread (SIGUSR2 is installed there) before the service's work starts."""
    env = dict(os.environ) if env is None else env
    where = env.get(ENV_DIR, "").strip()
    only = {name.strip() for name in env.get(ENV_ONLY, "").split(",") if name.strip()}
    if not where or (only and service not in only):
        return None
    try:
        every_s = float(env.get(ENV_EVERY_S) or DEFAULT_EVERY_S)
        frames = int(env.get(ENV_FRAMES) or DEFAULT_FRAMES)
    except ValueError:
        every_s, frames = 0.0, 0
    if every_s <= 0 or frames < 1:
        raise ValueError(f"{ENV_EVERY_S} must be a number > 0 and {ENV_FRAMES} a whole number ≥ 1 (got "
                         f"{env.get(ENV_EVERY_S)!r}, {env.get(ENV_FRAMES)!r})")
    out_dir = Path(where)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not tracemalloc.is_tracing():
        tracemalloc.start(frames)
    snaps = HeapSnapshots(service, out_dir, every_s)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGUSR2, lambda *_: snaps.wake.set())
    threading.Thread(target=snaps.run, name="heap-snapshots", daemon=True).start()
    log.warning("%s: tracemalloc on (%d frames), a heap snapshot every %g s (and on SIGUSR2) into %s",
                service, frames, every_s, out_dir)
    return snaps


def _write_atomically(path: Path, write: Any) -> None:
    """A reader of the directory never sees half a file: written aside, then renamed."""
    tmp = path.with_name(path.name + ".part")
    write(str(tmp))
    os.replace(tmp, path)
