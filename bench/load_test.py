"""Load test: a private real Asterisk kept at ≥ 100 concurrent calls, the listener in-process.

Simulated callers (Local channels, ami_listener.simulate) with random patience, and agents with
random ring and talk times (generic SIM_MODE/SIM_RING/SIM_TALK per call; enough agents added with
QueueAdd that most callers are answered), plus a few real SIP calls from SIPp to the `pstn`
endpoint. Runs for ``--minutes``, lets the calls in flight end, then checks that every call has
exactly one record and prints calls/s, events/s, the listener's CPU as a ratio of Asterisk's
(/proc/<pid>/stat; the listener's two threads are measured on their own, apart from the driver)
and the process memory over time. Figures only: nothing here asserts a speed.

    .venv/bin/python bench/load_test.py --minutes 1
    .venv/bin/python bench/load_test.py --postgres       # the store on a private PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from ami_listener.listen import Listener  # noqa: E402
from ami_listener.simulate import SimCall, random_call  # noqa: E402
from hotline.db import open_db  # noqa: E402
from hotline.models import AmiEventBatch, Call  # noqa: E402
from hotline.pbx.ami import AmiError  # noqa: E402
from hotline.pbx.process import Asterisk  # noqa: E402
from hotline.settings import load  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def free_port(udp: bool = False) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not udp:
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def cpu_seconds(stat_path: str) -> float:
    """utime + stime of a process or thread, from /proc/.../stat."""
    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ListenerCpu:
    """CPU of the listener's own threads (socket reader + pipeline worker) inside this process."""

    def __init__(self, listener: Listener):
        self.tids = [t.native_id for t in (listener._worker, listener.conn._thread) if t is not None]

    def seconds(self) -> float:
        total = 0.0
        for tid in self.tids:
            try:
                total += cpu_seconds(f"/proc/self/task/{tid}/stat")
            except OSError:
                pass
        return total


def sim_variables(call: SimCall, rnd: random.Random, scale: float) -> dict[str, str]:
    # one behaviour for every agent of the call: a per-agent variable for 120 agents would make
    # each Originate carry 360 variables
    mode = rnd.choices(["answer", "noanswer"], [90, 10])[0]
    return {"SIM_STAY": f"{call.stay_s:g}", "__SIM_MODE": mode,
            "__SIM_RING": f"{round(rnd.uniform(0.3, 6.0) * scale, 1):g}",
            "__SIM_TALK": f"{round(rnd.uniform(3, 40) * scale, 1):g}"}


def run_sipp(s, calls: int, hold_ms: int, log_dir: Path) -> subprocess.Popen[bytes] | None:
    if calls <= 0:
        return None
    if not shutil.which("sipp"):
        print("sipp not installed: no SIP calls (scripts/install-system.sh installs sip-tester)", file=sys.stderr)
        return None
    cmd = ["sipp", "-sn", "uac", "-s", s.hotline_number, f"127.0.0.1:{s.sip_port}", "-i", "127.0.0.1",
           "-p", str(free_port(udp=True)), "-m", str(calls), "-l", str(calls), "-r", "1", "-d", str(hold_ms),
           "-timeout", "120s", "-nostdin", "-trace_stat", "-trace_err", "-stf", str(log_dir / "sipp_stat.csv"),
           "-error_file", str(log_dir / "sipp_errors.log")]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=log_dir)


def main(argv: list[str] | None = None) -> int:
    """The whole run in order — options, a private Asterisk and store, agents, traffic, the wait,
    the figures — kept as one script a reader follows top to bottom (a bench, not the product)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=3.0, help="how long new calls are started (default 3)")
    ap.add_argument("--concurrency", type=int, default=100, help="simulated calls kept in flight (default 100)")
    ap.add_argument("--agents", type=int, default=120, help="simulated agents added with QueueAdd")
    ap.add_argument("--sipp-calls", type=int, default=5, help="SIP calls from SIPp (default 5)")
    ap.add_argument("--scale", type=float, default=0.5, help="shrinks ring/talk/patience times (default 0.5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="store into a private PostgreSQL (else SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the runtime dir (recordings, logs, database)")
    args = ap.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="hotline-load-"))
    pg = None
    if args.postgres:
        from tests.support.postgres import PrivatePostgres

        pg = PrivatePostgres().start()
        db_url = pg.create_database("load")
    else:
        db_url = f"sqlite:///{base / 'load.db'}"
    agents = [str(9000 + i) for i in range(args.agents)]
    s = load(config_file=None, env={}, runtime_dir=base, server_id="load", database_url=db_url,
             ami_port=free_port(), sip_port=free_port(udp=True), agi_port=free_port(), web_port=free_port(),
             ring_cycle_s=1.0, queue_strategy="rrmemory", queue_member_timeout_s=4, queue_timeout_s=60,
             agents=["8001", "8002", "8003"], asterisk_start_timeout_s=30)
    rnd = random.Random(args.seed)
    open_db(s, upgrade=True)[0].dispose()  # what `hotline db upgrade` does before the listener starts
    ast = Asterisk(s).start()
    listener = None
    try:
        listener = Listener(s).start()
        if not listener.conn.connected.wait(10):
            raise SystemExit("listener could not log in to AMI")
        finished: dict[str, int] = {}
        lock = threading.Lock()
        inner = listener.pipeline.on_call

        def on_call(rec) -> None:
            with lock:
                finished[rec.call_id] = finished.get(rec.call_id, 0) + 1
            if inner is not None:
                inner(rec)

        listener.pipeline.on_call = on_call  # the worker thread calls it as each call is built
        lcpu = ListenerCpu(listener)
        ast_stat = f"/proc/{ast.proc.pid}/stat"
        with ast.ami(timeout=30) as ami:
            for ext in agents:
                ami.action("QueueAdd", Queue=s.queue_name, Interface=f"Local/{ext}@agents/n", MemberName=ext)
        print(f"asterisk pid {ast.proc.pid} (AMI {s.ami_port}, SIP {s.sip_port}), {len(agents) + 3} agents, "
              f"store {db_url.split(':')[0]}, {args.minutes:g} min at {args.concurrency} concurrent calls",
              flush=True)

        placed: list[str] = []
        failed = 0
        sipp = run_sipp(s, args.sipp_calls, int(20000 * args.scale), base)
        t0 = time.monotonic()
        cpu0 = (lcpu.seconds(), cpu_seconds(ast_stat), cpu_seconds("/proc/self/stat"))
        events0 = listener.pipeline.counts["events"]
        samples: list[tuple[float, float, int, int]] = []
        next_sample = t0
        peak = 0
        end = t0 + args.minutes * 60
        # hotline.pbx.ami.Ami keeps every event it receives for the life of its session: a new
        # session every few seconds keeps that out of the listener's memory figures
        ami = ast.ami(timeout=30).__enter__()
        ami_since = time.monotonic()
        try:
            while time.monotonic() < end:
                if time.monotonic() - ami_since > 5:
                    ami.close()
                    ami = ast.ami(timeout=30).__enter__()
                    ami_since = time.monotonic()
                with lock:
                    in_flight = len(placed) - sum(1 for c in placed if c in finished)
                peak = max(peak, in_flight)
                for _ in range(min(args.concurrency - in_flight, 10)):
                    call = random_call(rnd, s, scale=args.scale)
                    try:
                        ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                                      callerid=f'"{call.caller_name}" <{call.caller_number}>',
                                      channel_id=call.call_id, variables=sim_variables(call, rnd, args.scale),
                                      timeout_s=60)
                        placed.append(call.call_id)
                    except AmiError as exc:
                        failed += 1
                        print(f"originate failed: {exc}", file=sys.stderr)
                now = time.monotonic()
                if now >= next_sample:
                    samples.append((now - t0, rss_mb(os.getpid()), len(listener.pipeline.tracker.open), in_flight))
                    next_sample = now + 10
                time.sleep(0.1)
        finally:
            ami.close()
        started_until = time.monotonic()
        # let every call in flight end (the longest: patience ≤ 90 s × scale, plus the grace)
        drain_deadline = time.monotonic() + 90 * args.scale + 60
        while time.monotonic() < drain_deadline:
            with lock:
                left = [c for c in placed if c not in finished]
            if not left and (sipp is None or sipp.poll() is not None):
                break
            time.sleep(0.5)
        time.sleep(2 * listener.flush_interval + 1.5)  # the last flush
        elapsed = time.monotonic() - t0
        cpu1 = (lcpu.seconds(), cpu_seconds(ast_stat), cpu_seconds("/proc/self/stat"))
        events = listener.pipeline.counts["events"] - events0
        samples.append((elapsed, rss_mb(os.getpid()), len(listener.pipeline.tracker.open), 0))
        sipp_rc = None
        if sipp is not None:
            try:
                sipp_rc = sipp.wait(30)
            except subprocess.TimeoutExpired:
                sipp.kill()
    finally:
        if listener is not None:
            listener.stop()
        ast.stop()

    _, sessions = open_db(s)
    with sessions() as db:
        per_call = dict(db.execute(select(Call.call_id, func.count()).where(Call.server == s.server_id)
                                   .group_by(Call.call_id)).all())
        sip_rows = db.scalar(select(func.count()).select_from(Call).where(Call.caller_number == "sipp"))
        dispositions = dict(db.execute(select(Call.disposition, func.count()).group_by(Call.disposition)).all())
        raw_bytes = db.scalar(select(func.sum(func.length(AmiEventBatch.raw_lz4)))) or 0
        incomplete = db.scalar(select(func.count()).select_from(Call).where(Call.incomplete.is_(True)))
    missing = [c for c in placed if per_call.get(c, 0) == 0]
    dup = {c: n for c, n in per_call.items() if n > 1}
    total_calls = sum(per_call.values())
    lis, ast_cpu, proc_cpu = (b - a for a, b in zip(cpu0, cpu1, strict=True))

    print()
    print(f"simulated calls placed {len(placed)} (originate failures {failed}), peak in flight {peak}; "
          f"SIPp calls {args.sipp_calls} (sipp exit {sipp_rc}), SIPp records {sip_rows}")
    print(f"records {total_calls}: missing {len(missing)}, duplicated {len(dup)}, incomplete {incomplete}; "
          f"dispositions {dispositions}")
    print(f"calls started over {started_until - t0:.0f} s, all ended after {elapsed:.0f} s")
    print(f"calls/s {total_calls / elapsed:.2f}   events/s {events / elapsed:.0f}   "
          f"events per call {events / max(total_calls, 1):.0f}   stored raw events per call (LZ4) "
          f"{raw_bytes / max(total_calls, 1) / 1024:.1f} KB")
    print(f"CPU seconds: asterisk {ast_cpu:.1f}, listener threads {lis:.1f}, whole bench process {proc_cpu:.1f}; "
          f"listener / asterisk = {lis / ast_cpu if ast_cpu else float('nan'):.2f}")
    print("memory over time (bench process RSS, listener in it):")
    for t, mb, open_calls, flight in samples:
        print(f"  t={t:5.0f} s  rss {mb:6.1f} MB  open calls in tracker {open_calls:4d}  in flight {flight:4d}")
    if pg is not None:
        pg.stop()
    if args.keep:
        print(f"kept {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if (missing or dup) else 0


if __name__ == "__main__":
    sys.exit(main())
