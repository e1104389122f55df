"""What grew in each service between two heap snapshots (hotline/heap_snapshots.py, written when
``HOTLINE_TRACEMALLOC=<dir>``; bench/soak.py --tracemalloc): per service process, the snapshot at the
end of the run's first quarter (the warm-up fills caches) against the last one — the top allocation
sites by growth (file:line, +KB, +blocks) with the call path of the largest, the traced total, the
count of Python's allocated blocks, and the RSS and glibc malloc figures beside it. RSS that grows while the
traced memory does not is memory Python's allocators hold (fragmentation, glibc arenas), not a leak.

    .venv/bin/python bench/heap_growth.py bench/out/soak-heap
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SNAP = re.compile(r"^(?P<service>[a-z_]+)-(?P<pid>\d+)-(?P<n>\d+)\.snap$")


@dataclass
class Process:
    service: str
    pid: int
    snaps: list[Path]  # by number

    @property
    def label(self) -> str:
        return f"{self.service} (pid {self.pid})"

    def pair(self) -> tuple[Path, Path] | None:
        """The snapshot at the end of the first quarter and the last one (None with fewer than 2)."""
        if len(self.snaps) < 2:
            return None
        return self.snaps[min(len(self.snaps) // 4, len(self.snaps) - 2)], self.snaps[-1]


def processes(where: Path) -> list[Process]:
    found: dict[tuple[str, int], list[tuple[int, Path]]] = {}
    for p in where.glob("*.snap"):
        m = SNAP.match(p.name)
        if m:
            found.setdefault((m["service"], int(m["pid"])), []).append((int(m["n"]), p))
    return [Process(svc, pid, [p for _, p in sorted(snaps)]) for (svc, pid), snaps in sorted(found.items())]


def facts(snap: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(snap.with_suffix(".json").read_text()))
    except (OSError, ValueError):
        return {}


def site(stat: tracemalloc.StatisticDiff) -> str:
    frame = stat.traceback[0]
    return f"{_short(frame.filename)}:{frame.lineno}"


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return filename.removeprefix(root)


def growth(proc: Process, top: int = 15) -> list[str]:
    """The lines that say what grew in one service process."""
    pair = proc.pair()
    if pair is None:
        return [f"{proc.label}: {len(proc.snaps)} snapshot(s), 2 needed"]
    first, last = pair
    # unfiltered: a filter matches every trace by name (minutes on a service's heap)
    old, new = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
    f0, f1 = facts(first), facts(last)
    minutes = (f1.get("at", 0) - f0.get("at", 0)) / 60
    by_line = new.compare_to(old, "lineno")
    traced = sum(s.size_diff for s in by_line)
    lines = [f"{proc.label}: snapshots {first.name} → {last.name} ({minutes:.1f} min apart)",
             f"  traced {sum(s.size for s in by_line) / 2**20:.1f} MB, growth {traced / 1024:+.0f} KB "
             f"({_per_hour(traced / 2**20, minutes)} MB/hour)"]
    lines += _rss_lines(f0, f1, traced, minutes)
    lines.append(f"  {'+KB':>9} {'+blocks':>8} {'KB now':>9}  site")
    for s in [s for s in by_line if s.size_diff > 0][:top]:
        lines.append(f"  {s.size_diff / 1024:>+9.1f} {s.count_diff:>+8d} {s.size / 1024:>9.1f}  {site(s)}")
    by_path = [s for s in new.compare_to(old, "traceback") if s.size_diff > 0][:3]
    for s in by_path:
        lines.append(f"  call path of {s.size_diff / 1024:+.1f} KB (innermost last):")
        lines += [f"      {_short(fr.filename)}:{fr.lineno}" for fr in s.traceback]
    lines += _blocks_line(f0, f1)
    return lines


def _per_hour(mb: float, minutes: float) -> str:
    return f"{mb / minutes * 60:+.1f}" if minutes > 0 else "?"


def _rss_lines(f0: dict[str, Any], f1: dict[str, Any], traced: int, minutes: float) -> list[str]:
    if not f0.get("rss_kb") or not f1.get("rss_kb"):
        return []
    rss = (f1["rss_kb"] - f0["rss_kb"]) / 1024
    out = [f"  RSS {f0['rss_kb'] / 1024:.1f} → {f1['rss_kb'] / 1024:.1f} MB ({rss:+.1f}, "
           f"{_per_hour(rss, minutes)} MB/hour; of it untraced {rss - traced / 2**20:+.1f} MB, tracemalloc's own "
           f"{(f1.get('tracemalloc_overhead_bytes', 0) - f0.get('tracemalloc_overhead_bytes', 0)) / 2**20:+.1f} MB); "
           f"threads {f0.get('threads')} → {f1.get('threads')}"]
    m0, m1 = f0.get("malloc") or {}, f1.get("malloc") or {}
    if m0 and m1:
        out.append(f"  glibc malloc: arenas {m0.get('arenas')} → {m1.get('arenas')}; heap "
                   f"{m0['arena_bytes'] / 2**20:.1f} → {m1['arena_bytes'] / 2**20:.1f} MB, in use "
                   f"{m0['in_use_bytes'] / 2**20:.1f} → {m1['in_use_bytes'] / 2**20:.1f} MB, held free "
                   f"{m0['free_bytes'] / 2**20:.1f} → {m1['free_bytes'] / 2**20:.1f} MB, mmapped "
                   f"{m0['mmapped_bytes'] / 2**20:.1f} → {m1['mmapped_bytes'] / 2**20:.1f} MB")
    return out


def _blocks_line(f0: dict[str, Any], f1: dict[str, Any]) -> list[str]:
    b0, b1 = f0.get("pymalloc_blocks"), f1.get("pymalloc_blocks")
    out = [f"  Python's allocated blocks {b0} → {b1} ({b1 - b0:+d})"] if b0 is not None and b1 is not None else []
    s0, s1 = f0.get("sqlite_bytes"), f1.get("sqlite_bytes")
    if s0 is not None and s1 is not None:  # SQLite's page caches and statements: malloc'd, untraced
        out.append(f"  SQLite's heap {s0 / 2**20:.1f} → {s1 / 2**20:.1f} MB")
    return out


def report(where: Path, top: int = 15) -> str:
    procs = processes(where)
    if not procs:
        return f"no heap snapshots in {where}"
    out: list[str] = []
    for proc in procs:
        out += [*growth(proc, top), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("dir", type=Path, help="the HOTLINE_TRACEMALLOC directory")
    ap.add_argument("--top", type=int, default=15, help="allocation sites shown per service")
    a = ap.parse_args(argv)
    print(report(a.dir, a.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
