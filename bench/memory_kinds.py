"""What each service's RSS is made of over a soak, from its memory log (``bench/soak.py --memory-log
FILE``, ``hotline/memory_facts.py``): per service, per kind (RSS, pymalloc's arenas and the bytes in
their blocks, glibc's memory in use and held free, its main heap and other arenas' heaps resident,
thread stacks, the other anonymous memory, SQLite's heap), the value at the end of the first
quarter, at the end, and the least-squares slope over the second half in MB/hour. Each minute gives
one reading, its lowest RSS (the services trim glibc's free memory every 60 s,
hotline/malloc_policy.py: the lowest is what stays). Figures only::

    .venv/bin/python bench/memory_kinds.py /tmp/mem.jsonl --minutes 30
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import slope_per_hour

MB = 1 / 1048576
# (column, what it reads from one reading, in MB)
KINDS: tuple[tuple[str, Any], ...] = (
    ("RSS", lambda d: d["rss_kb"] / 1024),
    ("py arenas", lambda d: (d.get("pymalloc") or {}).get("arena_bytes", 0) * MB),
    ("py blocks", lambda d: (d.get("pymalloc") or {}).get("allocated_bytes", 0) * MB),
    ("glibc in use", lambda d: (d.get("malloc") or {}).get("in_use_bytes", 0) * MB),
    ("glibc free", lambda d: (d.get("malloc") or {}).get("free_bytes", 0) * MB),
    ("main heap", lambda d: (d.get("mappings_kb") or {}).get("glibc_main", 0) / 1024),
    ("other heaps", lambda d: (d.get("mappings_kb") or {}).get("glibc_heaps", 0) / 1024),
    ("stacks", lambda d: (d.get("mappings_kb") or {}).get("stacks", 0) / 1024),
    ("other anon", lambda d: (d.get("mappings_kb") or {}).get("other_anon", 0) / 1024),
    ("sqlite", lambda d: (d.get("sqlite_bytes") or 0) * MB),
)


def lowest_per_minute(readings: list[dict[str, Any]], minutes: float) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Per service, (minute, the reading of that minute with the lowest RSS), minutes counted from the
    service's first reading and kept below ``minutes``."""
    by_service: dict[str, list[dict[str, Any]]] = {}
    for d in readings:
        by_service.setdefault(d["service"], []).append(d)
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name, rows in by_service.items():
        t0 = min(d["at"] for d in rows)
        lows: dict[int, dict[str, Any]] = {}
        for d in rows:
            m = int((d["at"] - t0) // 60)
            if m < minutes and (m not in lows or d["rss_kb"] < lows[m]["rss_kb"]):
                lows[m] = d
        out[name] = sorted(lows.items(), key=lambda kv: kv[0])
    return out


def report(readings: list[dict[str, Any]], minutes: float) -> str:
    """Per service and kind: MB at the end of the first quarter → at the end, and MB/hour over the
    second half (minutes ``minutes / 2`` to ``minutes``)."""
    lines = []
    for name, lows in sorted(lowest_per_minute(readings, minutes).items()):
        quarter = next((d for m, d in lows if m >= minutes / 4), None)
        second = [(m * 60.0, d) for m, d in lows if m >= minutes / 2]
        if quarter is None or len(second) < 2:
            lines.append(f"{name}: {len(lows)} minutes, too few for a second half of {minutes:g}")
            continue
        last = lows[-1][1]
        arenas = {(d.get("malloc") or {}).get("arenas") for _m, d in lows}
        cache = {"off" if d["thread_cache_off"] else "on" for _m, d in lows if "thread_cache_off" in d}
        lines.append(f"{name}: {len(lows)} minutes, threads {last.get('threads')}, glibc arenas "
                     f"{sorted(a for a in arenas if a is not None)}, per-thread cache "
                     f"{'/'.join(sorted(cache)) or 'not logged'}")
        for kind, read in KINDS:
            lines.append(f"  {kind:<13} {read(quarter):7.1f} → {read(last):7.1f} MB, 2nd half "
                         f"{slope_per_hour([(t, read(d)) for t, d in second]):+6.1f} MB/hour")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("log", type=Path, help="a memory log (bench/soak.py --memory-log)")
    ap.add_argument("--minutes", type=float, default=30.0,
                    help="the soak's minutes of calls: later readings are left out")
    a = ap.parse_args(argv)
    readings = [json.loads(line) for line in a.log.read_text().splitlines() if line.strip()]
    print(report(readings, a.minutes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
