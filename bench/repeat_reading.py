"""The memory and CPU of the day's repeat reading (R-ONE-CALL, hotline.metrics.followup.repeat_counts
over kept hours: what every supervisor view of the day and the scheduler's rollup step run), at a
day's size (#17: it was the panel's and the scheduler's largest transient, growing with the day's
calls: 8.5 MB at 60 000 calls parsed all at once, ~2.5 MB walked an hour at a time).

For each ``--calls`` size it generates that many calls over the last ``--hours`` hours
(bench/callgen.py, a SQLite store kept in bench/out/), brings the rollups up to date (the
scheduler's step), then reads the day's repeats cold (the hours kept in the database only: a
panel started since) and warm (kept in this process), printing the tracemalloc peak over the
reading, its CPU ms (best of 5, without tracemalloc), and as the baseline of the same run the
peak of the same calls held all at once (``list(Calls.rows(...))``): the ratio is what walking
an hour at a time saves. Not a test::

    .venv/bin/python bench/repeat_reading.py [--calls 20000 60000] [--hours 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "out"


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start(1)
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn()
        return (tracemalloc.get_traced_memory()[1] - before) / 1e6
    finally:
        tracemalloc.stop()


def cpu_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best * 1000


def one_size(n: int, hours: float, out: Path) -> None:
    import bench.callgen as callgen
    from hotline import settings
    from hotline.db import open_db
    from hotline.metrics import cache, repeat_inputs
    from hotline.metrics.followup import _calls_between, repeat_counts
    from hotline.metrics.periods import period
    from hotline.metrics.refresh import refresh

    path = out / f"repeat_reading_{n}_{hours:g}h.db"
    path.unlink(missing_ok=True)  # the calls must be today's: generated again every run
    env = dict(os.environ, HOTLINE_DATABASE_URL=f"sqlite:///{path}", HOTLINE_RUNTIME_DIR=str(out / "runtime"))
    s = settings.load(env=env)
    _engine, sessions = open_db(s, upgrade=True)
    start, end = period("day", s)
    now = datetime.now(UTC)
    # within today (the day's reading): no further back than the local day's start
    callgen.SPAN_S = max(1, int(min(hours * 3600, (now - start).total_seconds() - 1)))
    callgen.generate(f"sqlite:///{path}", n, now=now, say=lambda *_a: None)
    refresh(sessions, s)
    since = now - timedelta(seconds=callgen.SPAN_S)
    with sessions() as db:
        window = timedelta(hours=s.repeat_window_h)

        def reading() -> Any:
            return repeat_counts(db, s, [(start, end)])

        def held_at_once() -> Any:
            kept = repeat_inputs.calls(db, s, start - window, end, _calls_between, start)
            assert kept is not None
            first = repeat_inputs.micros(start)
            return list(kept.rows(first - window // repeat_inputs.US, first))

        figures = {}
        for label, prepare in (("cold", cache.clear), ("warm", lambda: None)):
            prepare()
            walked = peak_mb(reading)
            prepare()
            whole = peak_mb(held_at_once)
            figures[label] = (walked, whole)
        ms = cpu_ms(reading)
    print(f"{n:>7} calls today (since {since:%H:%M} UTC): "
          + "; ".join(f"{k} peak {w:.2f} MB ({w * 1e6 / n:.0f} B a call), held at once {h:.2f} MB, ratio {w / h:.2f}"
                      for k, (w, h) in figures.items())
          + f"; {ms:.0f} ms CPU warm")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, nargs="+", default=[20000, 60000])
    ap.add_argument("--hours", type=float, default=10.0, help="the calls' span before now (within today)")
    ap.add_argument("--out", type=Path, default=OUT, help="where the generated stores are kept")
    a = ap.parse_args(argv)
    a.out.mkdir(exist_ok=True)
    for n in a.calls:
        one_size(n, a.hours, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
