"""hotline.malloc_trim (#17): the memory glibc holds free after a burst goes back to the system,
and the panel's trimming thread runs until stopped."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hotline import malloc_trim


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_trim_gives_back_what_glibc_holds_free() -> None:
    # 2 000-byte objects come from malloc's arenas (not pymalloc, not mmap); keeping every 8th,
    # the last included, leaves the freed ones inside the arena, where free() keeps them
    burst = [bytes(2000) for _ in range(40_000)]  # ~80 MB, zero-filled: resident
    kept = [*burst[::8], burst[-1]]
    del burst
    held = _rss_mb()
    assert malloc_trim.trim() is True  # the product runs on Debian's glibc: off it, trim() does nothing
    assert held - _rss_mb() > 30, "most of the ~70 MB freed went back"
    assert len(kept) == 5001  # alive until here


def test_the_thread_trims_every_period_until_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []

    def counted() -> bool:
        calls.append(time.monotonic())
        return True

    monkeypatch.setattr(malloc_trim, "_TRIM", counted)
    stop = threading.Event()
    thread = malloc_trim.start(0.02, stop)
    assert thread is not None and thread.daemon and thread.name == "malloc-trim"
    deadline = time.monotonic() + 30
    while len(calls) < 3:
        assert time.monotonic() < deadline, "the thread did not trim"
        time.sleep(0.01)
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def test_a_failing_trim_does_not_end_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def failing() -> bool:
        calls.append(1)
        raise OSError("boom")

    monkeypatch.setattr(malloc_trim, "_TRIM", failing)
    stop = threading.Event()
    thread = malloc_trim.start(0.02, stop)
    assert thread is not None
    deadline = time.monotonic() + 30
    while len(calls) < 2:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    stop.set()
    thread.join(30)


def test_a_period_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="> 0"):
        malloc_trim.start(0)
