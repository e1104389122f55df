"""Giving the memory glibc's malloc holds free back to the system, in a long-running threaded
service (#17: the panel's RSS over a soak).

Why: the panel serves every open desk and wallboard stream from its own waitress thread (64 and
more), and glibc gives the threads up to 8 arenas a core; memory freed inside an arena stays the
process's (only the free space at an arena's top is given back, by ``free`` itself). A soak with heap
snapshots showed the panel's traced Python memory flat (23.8 → 23.9 MB over 8 minutes) while
glibc's free-held memory rose 8.6 → 54 MB; one ``malloc_trim(0)`` in the running panel gave 24 MB
back at once. ``malloc_trim`` (glibc ≥ 2.8) releases the free pages of every arena, not only their
tops (``madvise(MADV_DONTNEED)``): afterwards the RSS is what is in use, plus part-used pages.

A daemon thread trims every :data:`EVERY_S`; each trim locks one arena at a time for a walk of its
free lists (milliseconds for the panel's ~150 MB). Off glibc (musl, macOS) there is nothing to call:
:func:`start` returns None."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
EVERY_S = 60.0


def _trimmer() -> Callable[[], bool] | None:
    """glibc's ``malloc_trim(0)`` as a function (True when memory went back), None off glibc."""
    name = ctypes.util.find_library("c")
    try:
        fn = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: bool(fn(0))


_TRIM = _trimmer()


def trim() -> bool:
    """Give the free memory of every malloc arena back now; True when some went back."""
    return _TRIM() if _TRIM is not None else False


def start(every_s: float = EVERY_S, stop: threading.Event | None = None) -> threading.Thread | None:
    """A daemon thread trimming every ``every_s`` until ``stop`` is set (None off glibc)."""
    if _TRIM is None:
        log.info("malloc_trim: not glibc, nothing to trim")
        return None
    if every_s <= 0:
        raise ValueError(f"malloc trim period must be > 0 s, got {every_s!r}")
    done = stop or threading.Event()

    def run() -> None:
        while not done.wait(every_s):
            try:
                trim()
            except Exception:  # never let a diagnostic-grade chore end the service
                log.exception("malloc_trim failed")

    thread = threading.Thread(target=run, name="malloc-trim", daemon=True)
    thread.start()
    return thread
