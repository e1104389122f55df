"""Soak: the whole hotline under `hotline run` (every service its own process) kept at ``--in-flight``
simulated calls for ``--minutes``; the RSS of every service (and Asterisk) sampled every
``--sample-s`` and printed as a table (start, min, max, end, slope in MB per hour); at the end the
calls Asterisk completed (its CEL) against the records stored: 0 missing, 0 duplicated wanted
(exit status 1 otherwise). Figures only, no timed asserts.

    .venv/bin/python bench/soak.py --minutes 30 --in-flight 100
    .venv/bin/python bench/soak.py --minutes 0.3 --in-flight 4 --agents 8     # a smoke run
    .venv/bin/python bench/soak.py --minutes 45 --desks 30 --tracemalloc bench/out/soak-heap

With ``--tracemalloc DIR`` every service takes heap snapshots (hotline/heap_snapshots.py) every
``--snapshot-s`` and once more when the calls are over; bench/heap_growth.py's report on them is
printed at the end: what grew in each service after the first quarter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.desk_pop_fleet import StreamDesk, desk_users
from bench.fleet import SERVICES, Fleet, Traffic, rss_mb, rss_table, with_fleet
from bench.heap_growth import processes, report
from bench.ledger import reconcile
from hotline import heap_snapshots, memory_facts
from hotline.db import open_db


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--minutes", type=float, default=30.0, help="how long new calls are started")
    ap.add_argument("--in-flight", type=int, default=100, help="simulated calls kept in flight")
    ap.add_argument("--agents", type=int, default=120, help="simulated agents added with QueueAdd")
    ap.add_argument("--scale", type=float, default=0.5, help="shrinks ring/talk/patience times")
    ap.add_argument("--sample-s", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="the store on a private PostgreSQL")
    ap.add_argument("--keep", action="store_true", help="keep the runtime dir")
    ap.add_argument("--desks", type=int, default=0,
                    help="agents whose desk event stream stays open (the panel's work, as on a shift)")
    ap.add_argument("--tracemalloc", type=Path, metavar="DIR",
                    help="heap snapshots of every service into DIR (emptied first), analysed at the end")
    ap.add_argument("--snapshot-s", type=float, default=120.0, help="seconds between heap snapshots")
    ap.add_argument("--frames", type=int, default=20, help="frames kept per traced allocation")
    ap.add_argument("--tracemalloc-only", metavar="SERVICES", default="",
                    help="with --tracemalloc: only these services trace (comma-separated, e.g. panel)")
    ap.add_argument("--memory-log", type=Path, metavar="FILE",
                    help="every service appends what its RSS is made of to FILE (hotline/memory_facts.py)")
    ap.add_argument("--memory-log-s", type=float, default=60.0, help="seconds between memory facts")
    ap.add_argument("--set", action="append", default=[], metavar="HOTLINE_K=V",
                    help="a setting for every service of the run (the fleet drops the caller's HOTLINE_*), "
                         "e.g. HOTLINE_PANEL_WARM_INTERVAL_S=0 or HOTLINE_MALLOC_ARENA_MAX=2; repeatable")
    a = ap.parse_args(argv)
    env = {"HOTLINE_WEB_THREADS": str(max(a.desks + 32, 64))}
    for kv in a.set:
        key, eq, value = kv.partition("=")
        if not eq or not key.startswith("HOTLINE_"):
            ap.error(f"--set wants HOTLINE_NAME=VALUE, got {kv!r}")
        env[key] = value
    if a.memory_log:
        # the fleet drops the caller's HOTLINE_* variables: the log is passed on here
        env.update({memory_facts.ENV_LOG: str(a.memory_log.resolve()), memory_facts.ENV_EVERY_S: f"{a.memory_log_s:g}"})
    if a.tracemalloc:
        shutil.rmtree(a.tracemalloc, ignore_errors=True)
        a.tracemalloc.mkdir(parents=True)
        env.update({heap_snapshots.ENV_DIR: str(a.tracemalloc.resolve()),
                    heap_snapshots.ENV_EVERY_S: f"{a.snapshot_s:g}", heap_snapshots.ENV_FRAMES: str(a.frames),
                    heap_snapshots.ENV_ONLY: a.tracemalloc_only})
    return with_fleet(a.postgres, "soak", a.agents, a.keep, lambda fleet, _pg: soak(fleet, a), **env)


def soak(fleet: Fleet, a: argparse.Namespace) -> int:
    desks = fleet.agents[:a.desks]
    base = desk_users(fleet, desks) if desks else ""
    streams = [StreamDesk(base, ext).start() for ext in desks]
    traffic = Traffic(fleet, a.in_flight, scale=a.scale, seed=a.seed)
    since = time.time()
    t0 = time.monotonic()
    end = t0 + a.minutes * 60
    samples: dict[str, list[tuple[float, float]]] = {}
    peak = 0
    next_sample = t0
    print(f"soak: {a.minutes:g} min at {a.in_flight} calls in flight, {a.agents} simulated agents, "
          f"store {fleet.s.db_url.split(':')[0]}; services {sorted(fleet.pids())}"
          f"{''.join(f'; {kv}' for kv in a.set)}", flush=True)
    while True:
        now = time.monotonic()
        starting = now < end
        if starting:
            traffic.step()
            peak = max(peak, traffic.current())
        if now >= next_sample or (not starting and time.time() > traffic.drain_until()):
            for name, pid in fleet.pids().items():
                mb = rss_mb(pid)
                if mb is not None:
                    samples.setdefault(name, []).append((now - t0, mb))
            next_sample = now + a.sample_s
        if not starting and time.time() > traffic.drain_until():
            break
        time.sleep(0.1)
    traffic.close()
    for d in streams:
        d.stop()
    _engine, sessions = open_db(fleet.s)
    ledger = reconcile(fleet.s, sessions, since, wanted=set(traffic.placed), settle_s=60)
    print()
    print(f"calls placed {len(traffic.placed)} over {a.minutes * 60:.0f} s (originate failures {traffic.failed}), "
          f"peak in flight {peak}")
    print(ledger.line())
    not_completed = set(traffic.placed) - ledger.completed
    print(f"placed but never completed by Asterisk: {len(not_completed)}")
    print(f"RSS of every service over {time.monotonic() - t0:.0f} s (MB, sampled every {a.sample_s:g} s):")
    print(rss_table(samples))
    if streams:
        broken = [d.agent for d in streams if d.error]
        print(f"desk streams open: {len(streams)}; events read {sum(d.updates for d in streams)} "
              f"({sum(d.data_bytes for d in streams) / 1e6:.1f} MB); "
              f"pops {sum(len(d.pops) for d in streams)}; reconnected {sum(d.reconnects for d in streams)} times "
              f"(the panel ends a stream every hour); broken {len(broken)}")
    if ledger.missing or ledger.duplicated:
        print(f"missing {ledger.missing[:10]}, duplicated {list(ledger.duplicated)[:10]}")
    if a.tracemalloc:
        last_snapshots(fleet, a.tracemalloc, {n for n in a.tracemalloc_only.split(",") if n} or set(SERVICES))
        print(f"heap growth after the first quarter (tracemalloc snapshots in {a.tracemalloc}):")
        print(report(a.tracemalloc))
    return 0 if ledger.ok and not not_completed and traffic.failed == 0 else 1


def last_snapshots(fleet: Fleet, where: Path, traced: set[str], timeout: float = 300) -> None:
    """One more snapshot of every traced service now that the calls are over (SIGUSR2, which would
    end a service that does not trace), awaited."""
    pids = {pid for name, pid in fleet.pids().items() if name in SERVICES and name in traced}

    def taken() -> dict[int, int]:
        return {p.pid: len(p.snaps) for p in processes(where)}

    before = taken()
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = taken()
        if all(now.get(pid, 0) > before.get(pid, 0) for pid in pids):
            return
        time.sleep(0.5)
    print(f"heap snapshots: not every service wrote its last one within {timeout:g} s")


if __name__ == "__main__":
    sys.exit(main())
