"""The process's glibc malloc policy, one home for every long-running service (#17: the services' RSS
over a long run): glibc loaded once (:func:`libc`, read by ``hotline.memory_facts`` too), a fixed
mmap threshold set at start (:func:`fix_mmap_threshold`), optionally a cap on glibc's arenas
(:func:`cap_arenas`) and the memory malloc holds free given back every :data:`EVERY_S` (:func:`trim`).
:func:`start` does all three; every long-running service calls it first, through
``hotline.service_memory.start``.

**A fixed mmap threshold.** glibc serves a block of ``M_MMAP_THRESHOLD`` (128 KiB) or more with a
mapping of its own, unmapped on ``free``. By default that threshold is dynamic: once such a block is
freed, glibc raises the threshold to its size (up to 32 MiB on 64-bit) and the trim threshold to
twice that. From then on every large transient — a list's item array, a dict's table, a page's or a
result set's text — is carved from an arena's heap, and whatever is allocated beside it while it
lives pins those pages: part-used pages that neither ``free`` nor ``malloc_trim`` give back, which
grew with the running hour's data. Any explicit ``mallopt(M_MMAP_THRESHOLD)`` turns the adjustment
off (as ``MALLOC_MMAP_THRESHOLD_`` would); the setting ``malloc_mmap_threshold_kb`` (0: glibc's
dynamic threshold) is the knob. README "Load figures", "The panel's memory, by who holds it".

**A trim every minute.** Memory a thread freed stays in its arena (glibc gives the threads up to 8
arenas a core; only the free space at an arena's top goes back, by ``free`` itself).
``malloc_trim(0)`` (glibc ≥ 2.8) releases the wholly free pages of every arena
(``madvise(MADV_DONTNEED)``): one in a soaked panel gave 24 MB back at once. Each trim locks one
arena at a time for a walk of its free lists (milliseconds for the panel's ~150 MB).

**At most so many arenas** (``malloc_arena_max``, 2; 0: glibc's own). A thread's first ``malloc`` gives
it an arena of its own until there are 8 a core (16 here for the panel's ~97 waitress threads);
``mallopt(M_ARENA_MAX, n)`` has threads share ``n``. glibc fixes its limit once the 9th arena is
made, so the cap must come before the threads: :func:`start` runs before a service starts any. Fewer
arenas, fewer part-used heaps — and more threads waiting on one arena's lock. What it changed in the
fleet soak: README "Load figures".

**No per-thread cache** (:data:`TUNABLE`, set by whoever starts the service: :func:`service_env`
for ``hotline run``'s children, an ``Environment=`` line in ``deploy/systemd``). Each thread keeps
up to 7 freed blocks of each size up to 1 KiB for itself (glibc's tcache, ~240 KiB a thread at
most); malloc counts them in use, ``malloc_trim`` cannot reach them, and only the thread's end
frees them. The panel's ~97 long-lived threads filled theirs slowly: +2 MB of "in use" over 22
minutes of the fleet soak that no Python allocator saw (README "Load figures", runs 10 and 11).
glibc reads the setting only when a process starts (``GLIBC_TUNABLES``), so a service cannot set it
for itself; :func:`thread_cache_off` tells whether it runs with it. The threads share the arenas'
free lists instead (the GIL has them take turns anyway).

Off glibc (musl, macOS) there is nothing to call: :func:`libc` is None and :func:`start` does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)
EVERY_S = 60.0
M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers (malloc.h)
M_ARENA_MAX = -8
ENV_TUNABLES = "GLIBC_TUNABLES"
TUNABLE = ("glibc.malloc.tcache_count", "0")  # the per-thread cache off (see above)


@functools.cache
def libc() -> ctypes.CDLL | None:
    """glibc, loaded once per process; None off glibc (no ``mallopt``: musl, macOS)."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c"))
        lib.mallopt.argtypes, lib.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        lib.malloc_trim.argtypes, lib.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    except (OSError, AttributeError, TypeError):
        return None
    return lib


def fix_mmap_threshold(kb: int) -> bool:
    """Blocks of ``kb`` KiB and more mapped apart and unmapped on free, for good (glibc's dynamic
    threshold off); ``kb`` 0 leaves glibc's own. True when glibc took it."""
    lib = libc()
    if kb <= 0 or lib is None:
        return False
    return bool(lib.mallopt(M_MMAP_THRESHOLD, kb * 1024))


def cap_arenas(n: int) -> bool:
    """At most ``n`` glibc arenas for the process's threads from now on; 0 leaves glibc's own (8 a
    core). True when glibc took it; a negative ``n`` is refused (ValueError)."""
    if n < 0:
        raise ValueError(f"malloc arena cap must be >= 0 (0: glibc's own, 8 a core), got {n!r}")
    lib = libc()
    if n == 0 or lib is None:
        return False
    return bool(lib.mallopt(M_ARENA_MAX, n))


def trim() -> bool:
    """Give the free memory of every malloc arena back now; True when some went back."""
    lib = libc()
    return bool(lib.malloc_trim(0)) if lib is not None else False


def start(mmap_threshold_kb: int, arena_max: int = 0, every_s: float = EVERY_S,
          stop: threading.Event | None = None) -> threading.Thread | None:
    """The policy for a long-running service, before it starts a thread: the mmap threshold fixed,
    the arenas capped at ``arena_max`` (0: glibc's own), then a daemon thread trimming every
    ``every_s`` until ``stop`` is set (None off glibc). Bad values are a ValueError, glibc or not."""
    if every_s <= 0:
        raise ValueError(f"malloc trim period must be > 0 s, got {every_s!r}")
    capped = cap_arenas(arena_max)  # refuses a negative cap off glibc too
    if libc() is None:
        log.info("malloc policy: not glibc, nothing to set")
        return None
    if arena_max > 0 and not capped:
        log.warning("malloc policy: glibc refused a cap of %d arenas", arena_max)
    if mmap_threshold_kb > 0 and not fix_mmap_threshold(mmap_threshold_kb):
        log.warning("malloc policy: glibc refused an mmap threshold of %d KiB", mmap_threshold_kb)
    if not thread_cache_off():
        log.warning("malloc policy: glibc's per-thread cache is on (started without %s=%s=%s, which "
                    "`hotline run` and deploy/systemd set): each thread may keep ~240 KiB of freed memory",
                    ENV_TUNABLES, *TUNABLE)
    done = stop or threading.Event()

    def run() -> None:
        while not done.wait(every_s):
            try:
                trim()
            except Exception:  # never let a memory chore end the service
                log.exception("malloc_trim failed")

    thread = threading.Thread(target=run, name="malloc-trim", daemon=True)
    thread.start()
    return thread


def _tunables(value: str) -> dict[str, str]:
    """``GLIBC_TUNABLES``'s ``name=value:name=value`` as a dict (what it does not parse is dropped)."""
    return dict(item.split("=", 1) for item in value.split(":") if "=" in item)


def service_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a long-running service's process: ``GLIBC_TUNABLES`` with the per-thread cache off
    added to what it holds; a ``tcache_count`` the operator set there already is kept (their choice)."""
    out = dict(env)
    have = out.get(ENV_TUNABLES, "")
    name, value = TUNABLE
    if name not in _tunables(have):
        out[ENV_TUNABLES] = f"{have}:{name}={value}" if have else f"{name}={value}"
    return out


def thread_cache_off(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process started with glibc's per-thread cache off (``GLIBC_TUNABLES``, read by
    glibc at start only: a change of the variable later changes nothing)."""
    env = os.environ if env is None else env
    return _tunables(env.get(ENV_TUNABLES, "")).get(TUNABLE[0]) == TUNABLE[1]
