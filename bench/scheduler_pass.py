"""The scheduler's callback pass at a provincial hotline's rate (#17): ``--calls`` call records built
within the last ``scheduler_watermark_overlap_s`` (600 s; the fleet soak's 100 calls in flight make
~2 600), the overlap every pass reads again behind its watermark. Prints the CPU and wall time of a
new process's first pass (every call of the overlap fed to the task rules: the baseline, what every
pass cost before the daemon kept the calls it fed, scheduler.callbacks.FedCalls) and of the passes
after it, and their ratio. Not a test::

    .venv/bin/python bench/scheduler_pass.py [--calls 2600] [--passes 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "out"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2600)
    ap.add_argument("--passes", type=int, default=5, help="passes after the first")
    ap.add_argument("--out", type=Path, default=OUT, help="where the generated store is kept")
    a = ap.parse_args(argv)
    import bench.callgen as callgen
    from hotline import settings
    from hotline.db import open_db
    from scheduler.callbacks import FedCalls, run_pass

    a.out.mkdir(exist_ok=True)
    path = a.out / f"scheduler_pass_{a.calls}.db"
    path.unlink(missing_ok=True)  # the calls must be within the last 600 s: generated every run
    env = dict(os.environ, HOTLINE_DATABASE_URL=f"sqlite:///{path}", HOTLINE_RUNTIME_DIR=str(a.out / "runtime"))
    s = settings.load(env=env)
    _engine, sessions = open_db(s, upgrade=True)
    callgen.SPAN_S = int(s.scheduler_watermark_overlap_s * 0.9)
    now = datetime.now(UTC)
    callgen.generate(f"sqlite:///{path}", a.calls, now=now, say=lambda *_a: None)
    fed = FedCalls()
    times: list[tuple[float, float, int]] = []
    was = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the generated calls' overdue tasks escalate: not this bench's subject
    try:
        with sessions() as db:  # the watermark as a running scheduler leaves it: at the newest call
            run_pass(s, db, now)
        for _ in range(1 + a.passes):
            t, w = time.process_time(), time.perf_counter()
            with sessions() as db:
                rep = run_pass(s, db, now, fed)
            times.append(((time.process_time() - t) * 1000, (time.perf_counter() - w) * 1000, rep.calls))
    finally:
        logging.disable(was)  # the process's logging as it was (tests/bench runs this in the suite's process)
    first, after = times[0], times[1:]
    cpu, wall = median(x[0] for x in after), median(x[1] for x in after)
    print(f"{a.calls} calls in the overlap: a new process's first pass {first[0]:.0f} ms CPU / {first[1]:.0f} ms wall, "
          f"{first[2]} calls fed; the next {a.passes}: median {cpu:.0f} ms CPU / {wall:.0f} ms wall, "
          f"{sum(x[2] for x in after)} calls fed; ratio {cpu / first[0]:.3f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
