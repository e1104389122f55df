"""The QA sample's draws (hotline/qa_sample.py) on one local day of generated answered calls: the
code of this tree against a baseline revision's module (read from git, by default the one before a
repeat draw read only the calls that may be flagged), both in the same run on the same SQLite store,
alternately, each figure the best and the worst of ``--repeat``. Prints ms per draw and the ratio
now ÷ baseline; exit status 1 when the two codes plan different picks (no timed asserts).

    .venv/bin/python bench/qa_sample_draw.py [--calls 5000] [--agents 40] [--quota 2] [--repeat 5]

The cases: the first draw's plan (nothing drawn yet), a repeat draw with nothing new (every quota
met at random: what an inspector's second click and the scheduler's catch-up cost), and a repeat
draw after one call per agent was flagged later (each displaces a random pick). ``--late-apologised``
makes that share of the calls late with the apology played: not flagged, but read by the new path.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import types
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from hotline import qa_sample
from hotline.chanvars import ChanVar
from hotline.db import make_engine, migrate, open_db
from hotline.models import Call, QaSample
from hotline.settings import Settings, load

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 3)
BASELINE = "44eb9c7"  # main before the repeat draw read only the calls that may be flagged


def baseline_module(rev: str) -> types.ModuleType:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:hotline/qa_sample.py"],
                            check=True, capture_output=True, text=True).stdout
    module = sys.modules["qa_sample_baseline"] = types.ModuleType("qa_sample_baseline")  # dataclasses look it up
    exec(compile(source, f"{rev}:hotline/qa_sample.py", "exec"), module.__dict__)
    return module


def fill(db: Session, s: Settings, calls: int, agents: int, late_apologised: float) -> None:
    start = datetime(2026, 11, 3, 8, tzinfo=ZoneInfo(s.timezone))
    rows = []
    for n in range(calls):
        at = start + timedelta(seconds=n * 12 * 3600 / calls)
        agent = str(8001 + n % agents)
        late = n % 1000 < late_apologised * 1000
        rows.append({"server": "bench", "call_id": f"qa-{n}", "direction": "inbound", "caller_number": "13800000001",
                     "started_at": at, "queued_at": at, "answered_at": at + timedelta(seconds=5),
                     "ended_at": at + timedelta(minutes=2), "agent": agent, "final_agent": agent,
                     "wait_seconds": 25.0 if late else 5.0, "within_4_rings": not late, "talk_seconds": 115.0,
                     "disposition": "answered", "hangup_first": "caller", "built_at": at,
                     "vars": {ChanVar.LATE_APOLOGY.value: "1"} if late else {}, "transfers": []})
    db.execute(insert(Call), rows)
    db.commit()


def plan(module: Any, db: Session, s: Settings) -> list[tuple[int, str, int | None]]:
    return [(p.call.id, p.reason, p.displaces) for p in module.picks(db, s, DAY)]


def race(label: str, codes: dict[str, Any], db: Session, s: Settings, repeat: int) -> bool:
    """Times each code's plan alternately; whether they planned the same picks."""
    took: dict[str, list[float]] = {name: [] for name in codes}
    plans: dict[str, list[tuple[int, str, int | None]]] = {}
    for _ in range(repeat):
        for name, module in codes.items():
            db.expire_all()
            t = time.perf_counter()
            plans[name] = plan(module, db, s)
            took[name].append(time.perf_counter() - t)
    base, now = (min(took[n]) for n in ("baseline", "now"))
    figures = "  ".join(f"{n} {1000 * min(v):.1f}-{1000 * max(v):.1f} ms" for n, v in took.items())
    print(f"{label}: {len(plans['now'])} picks; {figures}; now ÷ baseline {now / base:.3f}", flush=True)
    return plans["now"] == plans["baseline"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--quota", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--late-apologised", type=float, default=0.0)
    ap.add_argument("--baseline", default=BASELINE, help="the git revision whose hotline/qa_sample.py is the baseline")
    a = ap.parse_args(argv)
    codes = {"baseline": baseline_module(a.baseline), "now": qa_sample}
    same: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/qa.db"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        s = load(config_file=None, env={}, runtime_dir=Path(tmp), database_url=url, qa_sample_per_agent=a.quota)
        Session = open_db(s)[1]
        with Session() as db:
            fill(db, s, a.calls, a.agents, a.late_apologised)
            print(f"{a.calls} answered calls by {a.agents} agents on {DAY}, quota {a.quota}, "
                  f"{a.late_apologised:.0%} late with the apology", flush=True)
            same.append(race("first draw (plan)", codes, db, s, a.repeat))
            drawn = qa_sample.draw(db, s, DAY)
            same.append(race(f"repeat draw, nothing new ({drawn} drawn before)", codes, db, s, a.repeat))
            flag_later(db)
            same.append(race("repeat draw, one call per agent flagged later", codes, db, s, a.repeat))
            db.execute(delete(QaSample))
            db.commit()
    if not all(same):
        print("FAILED: the two codes planned different picks")
        return 1
    return 0


def flag_later(db: Session) -> None:
    """One undrawn call per agent answered late without the apology (R-ANS-4RINGS), as the afternoon brings."""
    taken = set(db.scalars(select(QaSample.call_pk)))
    first: dict[str, int] = {}
    for pk, agent in db.execute(select(Call.id, Call.agent).order_by(Call.id)):
        if pk not in taken and agent not in first:
            first[agent] = pk
    db.execute(update(Call).where(Call.id.in_(first.values())).values(within_4_rings=False, vars={}))
    db.commit()


if __name__ == "__main__":
    raise SystemExit(main())
