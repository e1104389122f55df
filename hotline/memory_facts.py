"""What a running service's memory is made of, and a log of it over a long run (#17: the panel's RSS
grew under a soak while the blocks malloc'd and alive stayed flat, so the RSS had to be split by
who holds it).

:func:`process_facts` reads, from inside the process: the RSS; glibc's malloc figures (all its
arenas summed); **pymalloc's** (Python's allocator for objects ≤ 512 bytes: 1 MiB arenas taken with
``mmap``, so neither glibc's figures nor heaptrack see them, and an arena goes back to the system
only when every block in it is free) from ``sys._debugmallocstats()``; SQLite's own heap; and the
anonymous mappings of ``/proc/self/smaps`` by kind (thread stacks, glibc's main heap and its other
arenas' heaps, the rest: pymalloc's arenas and malloc's large ``mmap`` blocks).

Off unless ``HOTLINE_MEMORY_LOG=<file>`` is in the service's environment: then :func:`start_log`
appends one JSON line of the facts every ``HOTLINE_MEMORY_LOG_EVERY_S`` seconds (default 60).
Unlike tracemalloc (``hotline.heap_snapshots``) it changes no allocation; each reading holds the
GIL for a walk of pymalloc's arenas and a read of smaps (milliseconds): a diagnostic all the same."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotline import malloc_policy

log = logging.getLogger(__name__)

ENV_LOG = "HOTLINE_MEMORY_LOG"
ENV_EVERY_S = "HOTLINE_MEMORY_LOG_EVERY_S"
DEFAULT_EVERY_S = 60.0
# glibc's non-main arenas reserve heaps of HEAP_MAX_SIZE (2 × 32 MiB on 64-bit): the part in use
# is a read-write mapping, the rest of the reservation an inaccessible one right after it
GLIBC_HEAP_KB = 64 * 1024


_WATCHED: dict[str, Callable[[], Any]] = {}


def watch(name: str, figure: Callable[[], Any]) -> None:
    """``figure()`` read into every reading of this process under ``extra`` → ``name``: what a
    service holds of its own that no allocator names (its streams' output buffers, its statement
    cache's entries). A figure that fails reads None."""
    _WATCHED[name] = figure


def _extra() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, figure in list(_WATCHED.items()):
        try:
            out[name] = figure()
        except Exception:  # a diagnostic: a figure that cannot be read now is no reason to lose the rest
            out[name] = None
    return out


def process_facts() -> dict[str, Any]:
    """What tracemalloc does not tell: RSS, glibc malloc (and whether its per-thread cache is off),
    pymalloc, the mappings by kind, threads, SQLite's own heap (page caches and statements of every
    connection: malloc'd outside Python), and the figures the service itself watches (:func:`watch`)."""
    return {"rss_kb": _status_kb("VmRSS"), "threads": threading.active_count(), "malloc": glibc_malloc(),
            "pymalloc_blocks": sys.getallocatedblocks(), "pymalloc": pymalloc(), "mappings_kb": mappings_kb(),
            "sqlite_bytes": sqlite_heap_bytes(), "thread_cache_off": malloc_policy.thread_cache_off(),
            "extra": _extra()}


# the lines sys._debugmallocstats() writes (anything else on stderr meanwhile is another thread's)
_STATS_LINE = re.compile(r"^\s*$|^Small block threshold|^class\s+size|^-----|^\s*\d+\s+\d+\s+\d+\s+\d+\s+\d+\s*$"
                         r"|^Total\s|^# |^\d+ arenas \*|^\d+ unused pools \*|^arena map counts|^\s*\d+ free ")
_FIGURE = re.compile(r"^(?:# )?(?P<name>.+?)\s+=\s+(?P<value>[\d,]+)\s*$")
_PYMALLOC_KEYS = {"arenas allocated total": "arenas_allocated_total", "arenas reclaimed": "arenas_reclaimed",
                  "arenas highwater mark": "arenas_highwater", "arenas allocated current": "arenas",
                  "bytes in allocated blocks": "allocated_bytes", "bytes in available blocks": "available_bytes"}
_STDERR_LOCK = threading.Lock()


def pymalloc() -> dict[str, int] | None:
    """pymalloc's arenas and how full they are, from ``sys._debugmallocstats()`` (None when Python
    allocates with malloc, ``PYTHONMALLOC=malloc``): ``arenas`` (1 MiB each), ``allocated_bytes`` (in
    blocks in use), ``available_bytes`` (free blocks of pools in use), ``unused_pool_bytes`` (free
    pools of arenas still held). The arenas' bytes less the allocated ones is what pymalloc holds."""
    text = _debugmallocstats()
    figures: dict[str, int] = {}
    for line in text.splitlines():
        m = _FIGURE.match(line)
        if not m:
            continue
        name, value = m["name"], int(m["value"].replace(",", ""))
        if name in _PYMALLOC_KEYS:
            figures[_PYMALLOC_KEYS[name]] = value
        elif "unused pools *" in name:
            figures["unused_pool_bytes"] = value
        elif "arenas *" in name:
            figures["arena_bytes"] = value
    return figures if "arenas" in figures else None


def _debugmallocstats() -> str:
    """The text ``sys._debugmallocstats()`` writes to the C stderr (file descriptor 2), caught in a
    file for a moment; lines other threads wrote to stderr meanwhile are written on to the real one."""
    with _STDERR_LOCK, tempfile.TemporaryFile() as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    others = [line for line in text.splitlines(keepends=True) if not _STATS_LINE.match(line)]
    if others:
        os.write(2, "".join(others).encode())
    return text


def mappings_kb(smaps: str | None = None) -> dict[str, int] | None:
    """The resident KiB of this process's anonymous private mappings by kind: ``stacks`` (threads'
    stacks: a read-write mapping of the stack size after a guard page), ``glibc_main`` (``[heap]``),
    ``glibc_heaps`` (the other arenas' heaps), ``other_anon`` (pymalloc's arenas, malloc's large
    ``mmap`` blocks, the rest), ``files`` (code and data of files mapped). None off Linux."""
    if smaps is None:
        try:
            smaps = Path("/proc/self/smaps").read_text()
        except OSError:
            return None
    maps: list[tuple[int, int, str, str, int]] = []  # start, end, perms, name, Rss kB
    for line in smaps.splitlines():
        head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
        if head:
            maps.append((int(head[1], 16), int(head[2], 16), head[3], head[4].strip(), 0))
        elif line.startswith("Rss:") and maps:
            maps[-1] = (*maps[-1][:4], int(line.split()[1]))
    stack_kb = _stack_kb()
    kinds = dict.fromkeys(("stacks", "glibc_main", "glibc_heaps", "other_anon", "files"), 0)
    for i, (start, end, perms, name, rss) in enumerate(maps):
        if name and not name.startswith("["):
            kinds["files"] += rss
            continue
        if name == "[heap]":
            kinds["glibc_main"] += rss
        elif name or not perms.startswith("rw"):
            continue  # [stack], [vdso], guard pages and reservations
        elif (i > 0 and maps[i - 1][1] == start and maps[i - 1][2].startswith("---")
              and (maps[i - 1][1] - maps[i - 1][0]) <= 64 * 1024 and (end - start) // 1024 == stack_kb):
            kinds["stacks"] += rss
        elif start % (GLIBC_HEAP_KB * 1024) == 0 and _reserved_kb(maps, i) == GLIBC_HEAP_KB:
            kinds["glibc_heaps"] += rss
        else:
            kinds["other_anon"] += rss
    return kinds


def _reserved_kb(maps: list[tuple[int, int, str, str, int]], i: int) -> int:
    """The KiB from mapping ``i``'s start to the end of the inaccessible mapping right after it."""
    end = maps[i][1]
    if i + 1 < len(maps) and maps[i + 1][0] == end and maps[i + 1][2].startswith("---"):
        end = maps[i + 1][1]
    return (end - maps[i][0]) // 1024


def _stack_kb() -> int:
    """A new thread's stack size (threading.stack_size, else glibc's default: the stack rlimit)."""
    size = threading.stack_size()
    if size:
        return size // 1024
    import resource

    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    return soft // 1024 if soft > 0 else 8192


def sqlite_heap_bytes() -> int | None:
    """``sqlite3_memory_used()`` of the SQLite library this process's ``sqlite3`` module uses (None
    when it cannot be reached): SQLite's heap, which tracemalloc does not see."""
    import sqlite3  # noqa: F401  (loads the library whose counter is read)

    name = ctypes.util.find_library("sqlite3")
    try:
        fn = ctypes.CDLL(name).sqlite3_memory_used
    except (OSError, AttributeError, TypeError):
        return None
    fn.restype = ctypes.c_int64
    return int(fn())


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def glibc_malloc() -> dict[str, int] | None:
    """glibc's own figures (mallinfo2, summed over its arenas) and its arena count (malloc_info's
    heaps); None off glibc. ``arena_bytes - in_use_bytes`` is memory malloc holds free: RSS that
    grows with it while the traced memory does not is fragmentation, not a leak."""
    libc = malloc_policy.libc()
    mallinfo2 = getattr(libc, "mallinfo2", None)  # glibc ≥ 2.33
    if libc is None or mallinfo2 is None:
        return None
    mallinfo2.restype = _Mallinfo2
    m = mallinfo2()
    return {"arena_bytes": m.arena, "mmapped_bytes": m.hblkhd, "in_use_bytes": m.uordblks,
            "free_bytes": m.fordblks, "releasable_top_bytes": m.keepcost, "arenas": _arena_count(libc)}


def _arena_count(libc: ctypes.CDLL) -> int | None:
    """The number of ``<heap nr=…>`` in malloc_info's XML (one per arena)."""
    try:
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
        libc.fclose.argtypes = [ctypes.c_void_p]
        with tempfile.NamedTemporaryFile(suffix=".xml") as tmp:
            fp = libc.fopen(tmp.name.encode(), b"w")
            if not fp:
                return None
            libc.malloc_info(0, fp)
            libc.fclose(fp)
            return len(re.findall(r"<heap nr=", Path(tmp.name).read_text()))
    except (OSError, AttributeError):
        return None


def start_log(service: str, env: dict[str, str] | None = None,
              stop: threading.Event | None = None) -> threading.Thread | None:
    """A daemon thread appending :func:`process_facts` (with ``service``, ``pid``, ``at``) as a JSON
    line to ``HOTLINE_MEMORY_LOG`` every ``HOTLINE_MEMORY_LOG_EVERY_S``, the first at once; None
    when the variable is unset."""
    env = dict(os.environ) if env is None else env
    where = env.get(ENV_LOG, "").strip()
    if not where:
        return None
    try:
        every_s = float(env.get(ENV_EVERY_S) or DEFAULT_EVERY_S)
    except ValueError:
        every_s = 0.0
    if every_s <= 0:
        raise ValueError(f"{ENV_EVERY_S} must be a number > 0, got {env.get(ENV_EVERY_S)!r}")
    path, done = Path(where), stop or threading.Event()
    path.parent.mkdir(parents=True, exist_ok=True)

    def run() -> None:
        while True:
            try:
                line = {"service": service, "pid": os.getpid(), "at": time.time(), **process_facts()}
                with path.open("a") as f:
                    f.write(json.dumps(line) + "\n")
            except Exception:  # a full disk must not stop the service it watches
                log.exception("memory facts of %s not written", service)
            if done.wait(every_s):
                return

    thread = threading.Thread(target=run, name="memory-log", daemon=True)
    thread.start()
    log.warning("%s: memory facts every %g s into %s", service, every_s, path)
    return thread
