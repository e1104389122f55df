"""hotline/heap_snapshots.py: off by default; with HOTLINE_TRACEMALLOC a snapshot (and its facts)
per period and on SIGUSR2."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import heap_snapshots, memory_facts


class Kept:
    def __init__(self) -> None:
        self.data = bytearray(1000)


@pytest.fixture
def clean_tracing() -> Iterator[None]:
    was_tracing = tracemalloc.is_tracing()
    previous = signal.getsignal(signal.SIGUSR2)
    yield
    signal.signal(signal.SIGUSR2, previous)
    if not was_tracing:
        tracemalloc.stop()


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)


def test_off_without_the_variable() -> None:
    assert heap_snapshots.start("ivr", env={}) is None
    assert heap_snapshots.start("ivr", env={"HOTLINE_TRACEMALLOC": " "}) is None


def test_bad_period_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HOTLINE_TRACEMALLOC_EVERY_S"):
        heap_snapshots.start("ivr", env={"HOTLINE_TRACEMALLOC": str(tmp_path), "HOTLINE_TRACEMALLOC_EVERY_S": "0"})
    with pytest.raises(ValueError, match=r"HOTLINE_TRACEMALLOC_FRAMES.*'ten'"):
        heap_snapshots.start("ivr", env={"HOTLINE_TRACEMALLOC": str(tmp_path), "HOTLINE_TRACEMALLOC_FRAMES": "ten"})


@pytest.mark.usefixtures("clean_tracing")
def test_snapshots_every_period_and_on_sigusr2(tmp_path: Path) -> None:
    out = tmp_path / "heap"
    snaps = heap_snapshots.start("panel", env={"HOTLINE_TRACEMALLOC": str(out), "HOTLINE_TRACEMALLOC_EVERY_S": "3600",
                                              "HOTLINE_TRACEMALLOC_FRAMES": "5"})
    assert snaps is not None
    try:
        assert tracemalloc.is_tracing() and tracemalloc.get_traceback_limit() == 5
        os.kill(os.getpid(), signal.SIGUSR2)  # long before the hour is up
        first = out / f"panel-{os.getpid()}-0.snap"
        _wait_for(first.with_suffix(".json"))
        kept = [Kept() for _ in range(2000)]  # noqa: F841 — memory the next snapshot must see
        second = snaps.take()
    finally:
        snaps.stop()
    assert second == out / f"panel-{os.getpid()}-1.snap"
    old, new = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(second))
    here = [s for s in new.compare_to(old, "filename") if s.traceback[0].filename == __file__]
    assert here and here[0].size_diff > 2_000_000
    facts = json.loads(second.with_suffix(".json").read_text())
    assert facts["service"] == "panel" and facts["n"] == 1 and facts["rss_kb"] > 0
    assert facts["pymalloc_blocks"] > 2000 and "gc_types" not in facts  # no gc census (see the module)
    assert facts["malloc"]["arenas"] >= 1 and facts["malloc"]["in_use_bytes"] > 0
    assert not list(out.glob("*.part"))


def test_facts_count_sqlites_own_heap(tmp_path: Path) -> None:
    """SQLite's page cache is malloc'd outside Python (tracemalloc does not see it): the facts read
    SQLite's own counter, which follows a connection's cache as it fills and is freed."""
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 3000)  # ~3 MB of pages
    conn.commit()
    conn.close()
    before = memory_facts.process_facts()["sqlite_bytes"]
    reader = sqlite3.connect(tmp_path / "t.db")
    assert reader.execute("SELECT count(*), sum(length(x)) FROM t").fetchone() == (3000, 3_000_000)
    filled = memory_facts.process_facts()["sqlite_bytes"]
    reader.close()
    # the default cache is 2 000 KiB a connection: the scan filled it
    assert filled - before > 1_500_000, (before, filled)
    assert memory_facts.process_facts()["sqlite_bytes"] < filled - 1_500_000


def test_only_the_named_services_trace(tmp_path: Path) -> None:
    env = {heap_snapshots.ENV_DIR: str(tmp_path), heap_snapshots.ENV_ONLY: "panel, scheduler"}
    was_tracing = tracemalloc.is_tracing()
    assert heap_snapshots.start("listener", env) is None
    assert tracemalloc.is_tracing() == was_tracing and not list(tmp_path.iterdir())
