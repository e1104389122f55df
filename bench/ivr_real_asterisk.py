"""End-to-end IVR benchmark on a real Asterisk: many simultaneous simulated callers keying into from-pstn.

    .venv/bin/python bench/ivr_real_asterisk.py [--calls 300]

Starts its own private Asterisk (free ports, temporary runtime dir), builds the prompts with espeak
into it, runs the FastAGI IVR in this process (ServerThread) with its own temporary SQLite
database and short key timeouts, adds enough queue agents (AMI QueueAdd of Local/<ext>@agents/n)
that no caller waits for another, then originates all the calls at once into from-pstn
(sim-caller): about half key a whole fault report, the other half press 0 for an agent. The keys
are pressed by bench/keying_caller.py when the IVR listens (default), or with --caller timed by
the dialplan's fixed SendDTMF script, which loses keys once the IVR lags behind its pauses. Waits
until every call is gone and prints calls placed, calls that finished the IVR (HOTLINE_IVR=done),
fault reports in the IVR database, failed sessions, wall time and the server-side AGI command
turnaround (p50/p99). Unlike bench/ivr_load.py the peer is Asterisk itself, so the figures include
its AGI handling and real prompt/key timing. The AMI listener runs in this process too and records
every call; at the end its records are checked against Asterisk's CEL (bench/ledger.py): exit
status 1 when a call is missing or duplicated, a session errored or a call was still up. No timed
asserts. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from ami_listener.listen import Listener
from bench.keying_caller import KeyingCaller, scripts_for
from bench.ledger import Ledger, reconcile
from hotline.db import open_db
from hotline.models.ivr import FaultReport
from hotline.pbx.ami import Ami
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from ivr.app import IvrApp, build
from ivr.server import ServerThread
from tests.support.pbx import EventTap, pbx_test_settings

BASE_AGENTS = ["8001", "8002", "8003"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stat_path: str) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def pause(seconds: float) -> str:
    """SendDTMF pauses ('w' = 0.5 s) lasting at least ``seconds``."""
    return "w" * max(1, math.ceil(seconds / 0.5))


# The same keys as tests/ivr/test_ivr_calls.py fault_keys: fault report, own number, account + #,
# urban, fault type 2, a short description ended by #, confirm. Each key falls while the IVR plays
# or waits for it.
FAULT_KEYS = ("1" + pause(1) + "1" + pause(1) + "12345678#" + pause(1) + "1" + pause(1) + "2"
              + pause(1) + "#" + pause(1.5) + "#" + pause(1) + "1")
AGENT_KEYS = "0"  # the greeting passes the key on to the menu: 0 = an agent


class StaffedClock:
    """Real time running from today's 10:00 local: in service hours (R-ANS-HOURS) whenever the
    benchmark runs, so 0 reaches the queue rather than the out-of-hours notice."""

    def __init__(self, tz: str):
        local = datetime.now(ZoneInfo(tz)).replace(hour=10, minute=0, second=0, microsecond=0)
        self._base, self._t0 = local.astimezone(UTC), time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._t0)


def originate(ami: Ami, s: Settings, i: int, call_id: str, fault: bool, timed: bool) -> str:
    """One simulated caller; ``timed``: it keys the dialplan's timed script (else the
    KeyingCaller presses its keys when the IVR listens)."""
    keys = (FAULT_KEYS if fault else AGENT_KEYS) if timed else ""
    variables = {"SIM_STAY": "90" if fault else "30", "SIM_DTMF": keys,
                 "SIM_DTMF_DELAY": "1", "__SIM_RING": "1", "__SIM_TALK": "2"}
    ami.action("Originate", variables=variables, Channel=f"Local/{s.hotline_number}@from-pstn",
               Context="sim-caller", Exten="s", Priority=1, CallerID=f'"bench {i}" <138{i:08d}>',
               Async="true", Timeout=30000, ChannelId=call_id, OtherChannelId=call_id + "-2")
    return call_id


def wait_all_gone(tap: EventTap, ids: list[str], timeout: float) -> tuple[set[str], float]:
    """Polls the tap until every channel of every call has hung up; returns the calls still up."""
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        up: dict[str, set[str]] = {}
        down: dict[str, set[str]] = {}
        for m in tap.events():
            lid = m.get("Linkedid")
            if lid in pending:
                if m.name == "Newchannel":
                    up.setdefault(lid, set()).add(m.get("Uniqueid"))
                elif m.name == "Hangup":
                    down.setdefault(lid, set()).add(m.get("Uniqueid"))
        pending = {lid for lid in pending if not up.get(lid) or not up[lid] <= down.get(lid, set())}
        if pending:
            time.sleep(0.5)
    return pending, time.monotonic()


def is_fault(i: int, faults: float) -> bool:
    """Call i keys a fault report (else presses 0): ``faults`` of the calls, spread evenly."""
    return int((i + 1) * faults) > int(i * faults)


def run(calls: int, timeout: float, faults: float = 0.5, caller: str = "keying") -> int:
    """One bench run, set-up to figures in the order it happens (prompts, Asterisk, IVR, listener,
    the calls, the counts): one sequence on one temporary directory, read top to bottom."""
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        n_agent_calls = sum(not is_fault(i, faults) for i in range(calls))
        extra = [f"8{100 + k}" for k in range(max(0, n_agent_calls + 2 - len(BASE_AGENTS)))]
        s = pbx_test_settings(Path(tmp), agents=list(BASE_AGENTS), queue_timeout_s=120)
        s = s.replace(database_url=f"sqlite:///{tmp}/ivr.db", ivr_key_timeout_s=2.0, ivr_entry_timeout_s=3.0,
                      ivr_record_max_s=6, ivr_record_silence_s=3)
        from hotline.prompt_library.builder import build as build_prompts

        t = time.monotonic()
        report = build_prompts(s, engine="espeak", progress=None)
        if report.failed:
            raise SystemExit(f"building prompts failed: {report.failed}")
        print(f"prompts built with espeak in {time.monotonic() - t:.1f} s", flush=True)
        _engine, sessions = open_db(s, upgrade=True)
        holder: dict[str, IvrApp] = {}

        def make():
            holder["app"] = build(s, clock=StaffedClock(s.timezone), sessions=sessions)
            return holder["app"].server

        ivr = ServerThread(make)
        ids = [f"bench-{i:03d}-{uuid.uuid4().hex[:8]}" for i in range(calls)]
        keying = KeyingCaller(s, scripts_for(ids, lambda i: is_fault(i, faults)))
        timed = caller == "timed"
        # Asterisk stops on leaving, Ctrl-C included
        with Asterisk(s) as ast, EventTap(s) as tap, (nullcontext() if timed else keying):
            ivr.start()
            listener = Listener(s).start()
            if not listener.conn.connected.wait(15):
                raise SystemExit("listener could not log in to AMI")
            since = time.time()
            try:
                with ast.ami() as ami:
                    for ext in extra:
                        ami.action("QueueAdd", Queue=s.queue_name, Interface=f"Local/{ext}@agents/n",
                                   MemberName=ext)
                    t0 = time.monotonic()
                    cpu0 = (cpu_seconds("/proc/self/stat"), cpu_seconds(f"/proc/{ast.proc.pid}/stat"))
                    for i, call_id in enumerate(ids):
                        originate(ami, s, i, call_id, fault=is_fault(i, faults), timed=timed)
                print(f"{calls} calls originated in {time.monotonic() - t0:.2f} s; waiting for them to end",
                      flush=True)
                still_up, t_end = wait_all_gone(tap, ids, timeout)
                cpu1 = (cpu_seconds("/proc/self/stat"), cpu_seconds(f"/proc/{ast.proc.pid}/stat"))
                bench_cpu, ast_cpu = (b - a for a, b in zip(cpu0, cpu1, strict=True))
                print(f"CPU over the calls: this process (IVR, listener, event tap) {bench_cpu:.1f} s, "
                      f"Asterisk {ast_cpu:.1f} s, in {t_end - t0:.1f} s of wall time on {os.cpu_count()} cpus")
                ledger = reconcile(s, sessions, since, wanted=set(ids))
                fault_ids = {c for i, c in enumerate(ids) if is_fault(i, faults)}
                errors = _report(tap, ids, fault_ids, still_up, t_end - t0, ivr, sessions,
                                 len(BASE_AGENTS) + len(extra), ledger)
                print(f"  caller              {caller}: "
                      + ("the dialplan's timed SendDTMF script" if timed else keying.summary()))
                return 1 if errors or still_up or not ledger.ok or len(ledger.completed) != len(ids) else 0
            except KeyboardInterrupt:
                # stopping cancels the sessions still running; Python 3.11's asyncio streams log
                # each cancelled connection task as an error: noise, not news, on Ctrl-C
                logging.getLogger("asyncio").setLevel(logging.CRITICAL)
                raise
            finally:
                listener.stop()
                ivr.stop()  # before Asterisk goes, so open sessions end on a live connection
                if "app" in holder:
                    holder["app"].store.close()


def _report(tap: EventTap, ids: list[str], fault_ids: set[str], still_up: set[str], wall: float,
            ivr: ServerThread, sessions, agents: int, ledger: Ledger) -> int:  # type: ignore[no-untyped-def]
    """Prints the figures; returns the AGI sessions that errored."""
    wanted = set(ids)
    ivr_state: dict[str, str] = {}
    tickets: set[str] = set()
    connected: set[str] = set()
    missed: Counter[str] = Counter()  # IVR steps that got no key or a wrong one (HotlineIvr trace)
    for m in tap.events():
        lid = m.get("Linkedid")
        if lid not in wanted:
            continue
        if m.name == "VarSet" and m.get("Variable") == "HOTLINE_IVR":
            ivr_state[lid] = m.get("Value") or ""
        elif m.name == "VarSet" and m.get("Variable") == "HOTLINE_FAULT_TICKET" and m.get("Value"):
            tickets.add(lid)
        elif m.name == "AgentConnect":
            connected.add(lid)
        elif m.name == "UserEvent" and m.get("UserEvent") == "HotlineIvr" and m.get("Result") != "ok":
            missed[f"{m.get('Step')} {m.get('Result')}"] += 1
    agent_ids = set(ids) - fault_ids
    states = Counter(ivr_state.get(i, "(none)") for i in ids)
    time.sleep(1)  # the IVR writes behind the caller: let the last report update land
    with sessions() as db:
        by_status = dict(db.execute(select(FaultReport.status, func.count()).group_by(FaultReport.status)).all())
        stuck = dict(db.execute(select(FaultReport.last_step, func.count()).where(FaultReport.status == "incomplete")
                                .group_by(FaultReport.last_step)).all())
    stats = ivr.server.stats if ivr.server else None
    print()
    print(f"IVR on a real Asterisk ({os.cpu_count()} cpus, SQLite, IVR in-process, {agents} queue agents)")
    print(f"  calls placed        {len(ids)} ({len(fault_ids)} fault reports by keypad, {len(agent_ids)} press 0)")
    print("  HOTLINE_IVR         " + ", ".join(f"{k}={v}" for k, v in sorted(states.items())))
    print(f"  finished the IVR    {states.get('done', 0)} (HOTLINE_IVR=done)")
    print(f"  ticket read back    {len(tickets & fault_ids)} of {len(fault_ids)} fault callers")
    print(f"  reached an agent    {len(connected & agent_ids)} of {len(agent_ids)} callers pressing 0")
    print(f"  fault reports rows  {sum(by_status.values())} ("
          + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) + ")")
    if stuck:
        print("  incomplete reports, last step entered: "
              + ", ".join(f"{k} {v}" for k, v in sorted(stuck.items(), key=lambda kv: -kv[1])))
    print("  steps not keyed     " + (", ".join(f"{k} {v}" for k, v in missed.most_common()) or "none")
          + "  (IVR trace: a timeout or an invalid key)")
    if stats is not None:
        p50, p99 = stats.percentile(50), stats.percentile(99)
        print(f"  AGI sessions        {stats.sessions_started} started, {stats.sessions_failed} errored,"
              f" {stats.bad_requests} bad requests, peak {stats.peak_active} at once")
        print(f"  AGI commands        {stats.commands}")
        if p50 is not None and p99 is not None:
            print(f"  turnaround p50      {p50 * 1000:.2f} ms")
            print(f"  turnaround p99      {p99 * 1000:.2f} ms   (server side: Asterisk's reply read → next command)")
    print(f"  wall time           {wall:.1f} s (first originate → last channel gone)"
          + (f"; {len(still_up)} calls still up at the timeout" if still_up else ""))
    print(f"  listener            {ledger.line()}")
    if ledger.missing or ledger.duplicated:
        print(f"  missing {ledger.missing[:10]}, duplicated {list(ledger.duplicated)[:10]}")
    return stats.sessions_failed if stats is not None else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--faults", type=float, default=0.5, help="share of callers keying a fault report (the "
                    "others press 0 for an agent)")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for every call to end")
    ap.add_argument("--caller", choices=("keying", "timed"), default="keying",
                    help="keying: presses keys when the IVR listens (bench/keying_caller.py); timed: the "
                         "dialplan's SendDTMF script with fixed pauses (loses keys once the IVR's steps "
                         "take longer than its pauses)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    # the event tap's own disconnect on leaving is logged as a warning: not news here
    logging.getLogger("ami_listener.connection").setLevel(logging.ERROR)
    try:
        return run(a.calls, a.timeout, a.faults, a.caller)
    except KeyboardInterrupt:
        print("\ninterrupted: IVR and Asterisk stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
