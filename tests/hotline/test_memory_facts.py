"""hotline/memory_facts.py (#17): pymalloc's own figures follow what Python keeps, the mappings are
told apart by kind, and the log is off unless asked for."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotline import memory_facts


class Small:
    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n


def test_pymalloc_counts_the_small_objects_kept(capfd: pytest.CaptureFixture[str]) -> None:
    # the collector off between the readings: the 200 000 allocations would set it off, and the
    # cyclic garbage earlier tests left in this worker, freed then, offset what is kept (a suite's
    # run read +5.6 MB)
    gc.collect()
    gc.disable()
    try:
        before = memory_facts.pymalloc()
        kept = [Small(i) for i in range(200_000)]  # 48-byte blocks: ~9.6 MB in pymalloc's arenas
        after = memory_facts.pymalloc()
    finally:
        gc.enable()
    assert before is not None and after is not None
    assert after["allocated_bytes"] - before["allocated_bytes"] > 8_000_000
    assert after["arenas"] >= before["arenas"] + 5 and after["arena_bytes"] == after["arenas"] * 1024 * 1024
    assert after["arena_bytes"] >= after["allocated_bytes"] + after["available_bytes"] + after["unused_pool_bytes"]
    assert len(kept) == 200_000
    assert "arenas" not in capfd.readouterr().err  # the statistics were caught, not printed


def test_what_others_write_to_stderr_meanwhile_goes_on(capfd: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()

    def chatter() -> None:
        while not stop.is_set():
            sys.stderr.write("another thread's line\n")
            sys.stderr.flush()
            time.sleep(0.0005)

    t = threading.Thread(target=chatter)
    t.start()
    try:
        for _ in range(20):
            assert memory_facts.pymalloc() is not None
    finally:
        stop.set()
        t.join()
    err = capfd.readouterr().err
    assert "another thread's line" in err and "arenas" not in err
    assert all(line == "another thread's line" for line in err.splitlines() if line)


def test_none_when_python_allocates_with_malloc() -> None:
    out = subprocess.run([sys.executable, "-c", "from hotline import memory_facts; print(memory_facts.pymalloc())"],
                         env={"PYTHONMALLOC": "malloc", "PYTHONPATH": str(Path(memory_facts.__file__).parents[1])},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


SMAPS = """\
55d000000000-55d000400000 r-xp 00000000 08:01 123 /usr/bin/python3.11
Rss:                1000 kB
55d001000000-55d003000000 rw-p 00000000 00:00 0 [heap]
Rss:                5000 kB
7f0000000000-7f0000800000 rw-p 00000000 00:00 0
Rss:                 700 kB
7f0000800000-7f0004000000 ---p 00000000 00:00 0
Rss:                   0 kB
7f1000000000-7f1000001000 ---p 00000000 00:00 0
Rss:                   0 kB
7f1000001000-7f1000801000 rw-p 00000000 00:00 0
Rss:                 120 kB
7f2000000000-7f2000300000 rw-p 00000000 00:00 0
Rss:                3000 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
Rss:                 132 kB
"""


def test_mappings_by_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A glibc arena's heap (64 MiB aligned, its reservation inaccessible after it), a thread's stack
    (the stack size after a guard page), the main heap, files, and the rest."""
    monkeypatch.setattr(threading, "stack_size", lambda *_: 8 * 1024 * 1024)
    assert memory_facts.mappings_kb(SMAPS) == {"stacks": 120, "glibc_main": 5000, "glibc_heaps": 700,
                                               "other_anon": 3000, "files": 1000}


def test_a_live_threads_stack_is_told_apart() -> None:
    release = threading.Event()

    def deep(n: int) -> None:
        if n:
            list(map(deep, [n - 1]))  # through C, so each level takes C stack (Python calls do not)
        else:
            release.wait(30)

    t = threading.Thread(target=deep, args=(400,))
    t.start()
    try:
        time.sleep(0.2)
        kinds = memory_facts.mappings_kb()
    finally:
        release.set()
        t.join()
    assert kinds is not None and kinds["stacks"] > 100


def test_log_off_without_the_variable_and_a_bad_period_refused(tmp_path: Path) -> None:
    assert memory_facts.start_log("panel", env={}) is None
    with pytest.raises(ValueError, match="HOTLINE_MEMORY_LOG_EVERY_S"):
        memory_facts.start_log("panel", env={"HOTLINE_MEMORY_LOG": str(tmp_path / "m"),
                                             "HOTLINE_MEMORY_LOG_EVERY_S": "0"})


def test_log_writes_a_line_at_once_and_each_period(tmp_path: Path) -> None:
    path, stop = tmp_path / "mem" / "memory.jsonl", threading.Event()
    thread = memory_facts.start_log("panel", env={"HOTLINE_MEMORY_LOG": str(path),
                                                  "HOTLINE_MEMORY_LOG_EVERY_S": "0.2"}, stop=stop)
    assert thread is not None
    deadline = time.monotonic() + 30
    while not path.exists() or len(path.read_text().splitlines()) < 2:
        assert time.monotonic() < deadline, "fewer than 2 lines written"
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    first = json.loads(path.read_text().splitlines()[0])
    assert first["service"] == "panel" and first["rss_kb"] > 0 and first["pymalloc"]["arenas"] >= 1
    assert first["malloc"]["in_use_bytes"] > 0 and set(first["mappings_kb"]) >= {"stacks", "other_anon"}


def test_a_watched_figure_is_in_every_reading_and_a_failing_one_reads_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_facts, "_WATCHED", {})
    held = [b"x" * 10]
    memory_facts.watch("held", lambda: sum(map(len, held)))
    memory_facts.watch("broken", lambda: 1 // 0)
    assert memory_facts.process_facts()["extra"] == {"held": 10, "broken": None}
    held.append(b"y" * 5)
    assert memory_facts.process_facts()["extra"]["held"] == 15
