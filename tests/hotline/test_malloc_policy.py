"""hotline.malloc_policy (#17): with the mmap threshold fixed, a large block goes back to the system
on free even after a larger one was freed (glibc's dynamic threshold off); with the arenas capped,
threads share that many; the memory glibc holds free after a burst goes back on a trim; the
trimming thread runs until stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotline import malloc_policy
from hotline.settings import ROOT

# a 4 MiB block mapped and freed (glibc's dynamic threshold would rise to 4 MiB), then how much of a
# 1 MiB block glibc mapped apart: all of it with the threshold fixed, none from an arena's heap
_LARGE_AFTER_LARGER = """
import sys
from hotline import malloc_policy, memory_facts
if sys.argv[1] == "fixed":
    assert malloc_policy.fix_mmap_threshold(128)
big = bytes(4 << 20)
del big
before = memory_facts.glibc_malloc()["mmapped_bytes"]
block = bytes(1 << 20)
print(memory_facts.glibc_malloc()["mmapped_bytes"] - before)
"""


def _mapped_after_larger(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", _LARGE_AFTER_LARGER, mode], env=env, capture_output=True,
                         text=True, check=True)
    return int(out.stdout)


def test_a_fixed_threshold_maps_large_blocks_for_good() -> None:
    assert _mapped_after_larger("dynamic") == 0, "glibc's own threshold rose: the 1 MiB block came from a heap"
    assert _mapped_after_larger("fixed") >= 1 << 20


def test_a_threshold_of_zero_leaves_glibcs_own() -> None:
    assert malloc_policy.fix_mmap_threshold(0) is False


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
    assert malloc_policy.trim() is True  # the product runs on Debian's glibc: off it, trim() does nothing
    assert held - _rss_mb() > 30, "most of the ~70 MB freed went back"
    assert len(kept) == 5001  # alive until here


def test_start_fixes_the_threshold_then_trims_every_period_until_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    fixed: list[int] = []

    def counted() -> bool:
        calls.append(time.monotonic())
        return True

    monkeypatch.setattr(malloc_policy, "trim", counted)
    monkeypatch.setattr(malloc_policy, "fix_mmap_threshold", lambda kb: fixed.append(kb) or True)
    stop = threading.Event()
    thread = malloc_policy.start(128, every_s=0.02, stop=stop)
    assert fixed == [128]
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

    monkeypatch.setattr(malloc_policy, "trim", failing)
    stop = threading.Event()
    thread = malloc_policy.start(0, every_s=0.02, stop=stop)
    assert thread is not None
    deadline = time.monotonic() + 30
    while len(calls) < 2:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    stop.set()
    thread.join(30)


def test_a_period_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="> 0"):
        malloc_policy.start(128, every_s=0)


# twelve threads alive at once, each having malloc'd: how many arenas glibc made for them
_ARENAS_FOR_TWELVE_THREADS = """
import sys, threading
from hotline import malloc_policy, memory_facts
malloc_policy.cap_arenas(int(sys.argv[1]))
all_in = threading.Barrier(13)
def work():
    held = [bytes(3000) for _ in range(10)]  # above pymalloc's 512 bytes: from the thread's arena
    all_in.wait()
    all_in.wait()
threads = [threading.Thread(target=work) for _ in range(12)]
for t in threads:
    t.start()
all_in.wait()
print(memory_facts.glibc_malloc()["arenas"])
all_in.wait()
"""


def _arenas_for_twelve_threads(cap: int) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", _ARENAS_FOR_TWELVE_THREADS, str(cap)], env=env,
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_capped_arenas_are_shared_by_the_threads() -> None:
    assert _arenas_for_twelve_threads(0) > 2, "glibc's own: an arena per thread (up to 8 a core)"
    assert _arenas_for_twelve_threads(2) == 2


class _FakeLibc:
    def __init__(self) -> None:
        self.mallopts: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.mallopts.append((param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        return 0


def test_start_caps_the_arenas_and_fixes_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _FakeLibc()
    monkeypatch.setattr(malloc_policy, "libc", lambda: lib)
    stop = threading.Event()
    thread = malloc_policy.start(128, 2, stop=stop)
    stop.set()
    assert thread is not None
    thread.join(30)
    assert sorted(lib.mallopts) == sorted([(malloc_policy.M_ARENA_MAX, 2),
                                           (malloc_policy.M_MMAP_THRESHOLD, 128 * 1024)])
    assert malloc_policy.M_ARENA_MAX == -8  # malloc.h's number: another would set some other parameter


def test_an_arena_cap_of_zero_leaves_glibcs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _FakeLibc()
    monkeypatch.setattr(malloc_policy, "libc", lambda: lib)
    assert malloc_policy.cap_arenas(0) is False
    assert lib.mallopts == []


@pytest.mark.parametrize("glibc", [True, False])
def test_a_negative_arena_cap_is_refused(monkeypatch: pytest.MonkeyPatch, glibc: bool) -> None:
    lib = _FakeLibc()
    monkeypatch.setattr(malloc_policy, "libc", lambda: lib if glibc else None)
    with pytest.raises(ValueError, match=r"arena cap must be >= 0.*got -1"):
        malloc_policy.start(128, -1)
    assert lib.mallopts == []


# 24 threads churn blocks of 513–1 100 bytes (above pymalloc's 512: glibc's), free them all and stay
# alive: what glibc still counts in use is what their per-thread caches kept
_KEPT_BY_LIVE_THREADS = """
import random, threading
from hotline import memory_facts
done, freed = threading.Event(), threading.Barrier(25)
def work(seed):
    r, keep = random.Random(seed), []
    for _ in range(4000):
        keep.append(bytes(r.randint(513, 1100)))
        if len(keep) > 40:
            keep.pop(r.randrange(len(keep)))
    keep.clear()
    freed.wait()
    done.wait()
before = memory_facts.glibc_malloc()["in_use_bytes"]
threads = [threading.Thread(target=work, args=(i,)) for i in range(24)]
for t in threads:
    t.start()
freed.wait()
print(memory_facts.glibc_malloc()["in_use_bytes"] - before)
done.set()
"""


def _kept_by_live_threads(env: dict[str, str]) -> int:
    env = dict(env, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _KEPT_BY_LIVE_THREADS], env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def test_a_service_started_with_its_env_keeps_no_freed_memory_in_its_threads() -> None:
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    assert _kept_by_live_threads(plain) > 1 << 20, "glibc's own: each thread keeps freed blocks for itself"
    assert _kept_by_live_threads(malloc_policy.service_env(plain)) < 256 << 10


def test_the_services_env_adds_the_tunable_to_the_operators_and_keeps_their_own_count() -> None:
    name, value = malloc_policy.TUNABLE
    assert malloc_policy.service_env({"A": "1"}) == {"A": "1", "GLIBC_TUNABLES": f"{name}={value}"}
    assert malloc_policy.service_env({"GLIBC_TUNABLES": "glibc.malloc.check=3"})["GLIBC_TUNABLES"] == (
        f"glibc.malloc.check=3:{name}={value}")
    kept = {"GLIBC_TUNABLES": f"{name}=3"}
    assert malloc_policy.service_env(kept) == kept
    assert malloc_policy.thread_cache_off(malloc_policy.service_env({}))
    assert not malloc_policy.thread_cache_off(kept) and not malloc_policy.thread_cache_off({})


def test_a_supervisors_children_get_the_services_env(tmp_path: Path) -> None:
    from hotline.settings import Settings
    from hotline.supervisor import Supervisor

    sup = Supervisor(Settings(runtime_dir=tmp_path), {"A": "1"}, lambda _text: None)
    assert sup.env["A"] == "1" and malloc_policy.thread_cache_off(sup.env)
