"""Chaos soak: the soak's traffic (bench/soak.py) under `hotline run` while a random service is
SIGKILLed every ``--every`` seconds and brought back by the supervisor (hotline/supervisor.py; Asterisk
by run.py's AsteriskKeeper). Targets: the listener, the IVR, the panel, the scheduler (the SMS sender
is a thread of it), Asterisk itself, and with ``--postgres`` the database (crashed with SIGQUIT, an
immediate shutdown, and started again 2 s later by this bench, as systemd would). Run it in the
foreground or stop it with SIGTERM: a shell's background job ignores Ctrl-C's SIGINT.

Prints, per kill, what was down and for how long (until its new process answers), then the calls
Asterisk completed (CEL) against the records stored — target 0 missing, 0 duplicated — and the calls
dropped: placed calls Asterisk never completed (only an Asterisk kill may drop the calls it carried)
and records that say the call failed. Exit status 1 when the targets are missed.

    .venv/bin/python bench/chaos.py --minutes 5 --in-flight 30 --every 30
    .venv/bin/python bench/chaos.py --minutes 0.3 --in-flight 3 --every 6 --targets listener   # smoke
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.fleet import Fleet, Traffic, with_fleet
from bench.ledger import reconcile
from hotline.asterisk_logs import cel_path
from hotline.db import open_db
from hotline.models import Call
from hotline.supervisor import http_answers, tcp_accepts

TARGETS = ("listener", "ivr", "panel", "scheduler", "asterisk")


@dataclass
class Kill:
    target: str
    at: float  # time.time()
    pid: int | None
    marks: int  # log lines saying "up" before the kill
    back_at: float | None = None
    new_pid: int | None = None


class Chaos:
    def __init__(self, fleet: Fleet, pg: object | None, rnd: random.Random, targets: list[str]) -> None:
        self.fleet, self.pg, self.rnd, self.targets = fleet, pg, rnd, targets
        self.kills: list[Kill] = []
        self._db_restart_at = 0.0

    def _marks(self, target: str) -> int:
        logs = {"listener": ("listener.log", "AMI connected"), "scheduler": ("scheduler.log", "scheduler pass:")}
        if target not in logs:
            return 0
        name, text = logs[target]
        try:
            return (self.fleet.s.log_dir / name).read_text(errors="replace").count(text)
        except OSError:
            return 0

    def kill(self) -> Kill:
        target = self.rnd.choice(self.targets)
        pid = None
        if target == "database":
            self._crash_database()
        else:
            pid = self.fleet.pids().get(target)
            if pid is not None:
                import os

                os.kill(pid, signal.SIGKILL)
        k = Kill(target, time.time(), pid, self._marks(target))
        self.kills.append(k)
        return k

    def _crash_database(self) -> None:
        pg = self.pg
        proc = getattr(pg, "proc", None)
        if proc is None:
            return
        proc.send_signal(signal.SIGQUIT)  # immediate shutdown: what a crash leaves behind
        proc.wait(30)
        pg.proc = None  # type: ignore[union-attr]
        # started again 2 s later (systemd's RestartSec=2) from this thread: the server dies with the
        # thread that started it (PR_SET_PDEATHSIG), so not from a thread of its own
        self._db_restart_at = time.time() + 2

    def check_back(self, k: Kill) -> bool:
        """True once the killed target answers again (a new process, proven up)."""
        s = self.fleet.s
        if k.target == "database":
            if getattr(self.pg, "proc", None) is None and time.time() >= self._db_restart_at:
                self.pg.resume()  # type: ignore[union-attr]
            up = getattr(self.pg, "proc", None) is not None and self._db_answers()
        else:
            pid = self.fleet.pids().get(k.target)
            if pid is None or pid == k.pid:
                return False
            k.new_pid = pid
            up = {"listener": lambda: self._marks("listener") > k.marks,
                  "scheduler": lambda: self._marks("scheduler") > k.marks,
                  "ivr": lambda: tcp_accepts(s.agi_host, s.agi_port),
                  "panel": lambda: http_answers(f"http://{s.web_host}:{s.web_port}/login"),
                  "asterisk": self.fleet.ensure_agents}[k.target]()
        if up:
            k.back_at = time.time()
        return up

    def _db_answers(self) -> bool:
        try:
            self.pg._connect().close()  # type: ignore[union-attr]
            return True
        except Exception:
            return False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--minutes", type=float, default=5.0, help="how long new calls are started")
    ap.add_argument("--in-flight", type=int, default=30, help="simulated calls kept in flight")
    ap.add_argument("--agents", type=int, default=60, help="simulated agents added with QueueAdd")
    ap.add_argument("--every", type=float, default=30.0, help="seconds between kills")
    ap.add_argument("--targets", default=",".join(TARGETS),
                    help=f"what may be killed (default {','.join(TARGETS)}; --postgres adds database)")
    ap.add_argument("--scale", type=float, default=0.5, help="shrinks ring/talk/patience times")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="the store on a private PostgreSQL")
    ap.add_argument("--keep", action="store_true", help="keep the runtime dir")
    a = ap.parse_args(argv)
    targets = [t.strip() for t in a.targets.split(",") if t.strip()]
    if a.postgres and "database" not in targets and a.targets == ",".join(TARGETS):
        targets.append("database")
    unknown = set(targets) - {*TARGETS, "database"}
    if unknown or ("database" in targets and not a.postgres):
        ap.error(f"unknown targets {sorted(unknown)} (the database only with --postgres)")
    return with_fleet(a.postgres, "chaos", a.agents, a.keep,
                      lambda fleet, pg: run(fleet, Chaos(fleet, pg, random.Random(a.seed), targets), a))


def run(fleet: Fleet, chaos: Chaos, a: argparse.Namespace) -> int:
    traffic = Traffic(fleet, a.in_flight, scale=a.scale, seed=a.seed)
    since = time.time()
    t0 = time.monotonic()
    end = t0 + a.minutes * 60
    next_kill = t0 + a.every
    down: Kill | None = None
    print(f"chaos: {a.minutes:g} min at {a.in_flight} calls in flight, a kill every {a.every:g} s among "
          f"{', '.join(chaos.targets)}; store {fleet.s.db_url.split(':')[0]}", flush=True)
    while time.monotonic() < end or down is not None or time.time() < traffic.drain_until():
        now = time.monotonic()
        if now < end:
            traffic.step()
        if down is not None and chaos.check_back(down):
            print(f"  +{down.at - since:5.0f} s  {down.target:<9} killed (pid {down.pid}) → back after "
                  f"{(down.back_at or 0) - down.at:5.1f} s (pid {down.new_pid})", flush=True)
            down = None
        elif down is not None and time.time() - down.at > 120:
            print(f"  +{down.at - since:5.0f} s  {down.target:<9} killed (pid {down.pid}) → NOT back after 120 s",
                  flush=True)
            down = None
        if down is None and now >= next_kill and now < end:
            down = chaos.kill()
            next_kill = now + a.every
        time.sleep(0.1)
    traffic.close()
    return report(fleet, chaos, traffic, since)


def report(fleet: Fleet, chaos: Chaos, traffic: Traffic, since: float) -> int:
    _engine, sessions = open_db(fleet.s)
    ledger = reconcile(fleet.s, sessions, since, wanted=set(traffic.placed), settle_s=90)
    ast_kills = [k for k in chaos.kills if k.target == "asterisk"]

    def carried_by_killed_asterisk(call_id: str) -> bool:
        p = traffic.placed[call_id]
        return any(p.at <= k.at <= p.at + p.stay_s + 5 for k in ast_kills)

    not_completed = set(traffic.placed) - ledger.completed
    ours = sorted(c for c in not_completed if not carried_by_killed_asterisk(c))
    with sessions() as db:
        failed = [cid for cid, disp, incomplete in db.execute(
            select(Call.call_id, Call.disposition, Call.incomplete).where(Call.server == fleet.s.server_id))
            if (disp in ("failed", "unknown") or incomplete) and not carried_by_killed_asterisk(cid)
            and cid in traffic.placed]
    back = [k for k in chaos.kills if k.back_at is not None]
    print()
    print(f"kills {len(chaos.kills)}, back {len(back)}; calls placed {len(traffic.placed)} "
          f"(originates refused while Asterisk was down: {traffic.failed})")
    print(ledger.line())
    print(f"placed calls Asterisk never completed: {len(not_completed)} ({len(not_completed) - len(ours)} carried "
          f"by a killed Asterisk, {len(ours)} otherwise)")
    print(f"records of failed/unknown/incomplete calls not carried by a killed Asterisk: {len(failed)}")
    if ledger.missing or ledger.duplicated or ours or failed:
        print(f"missing {ledger.missing[:10]}, duplicated {list(ledger.duplicated)[:10]}, failed {failed[:10]}")
    cel = cel_path(fleet.s).read_text(errors="replace") if cel_path(fleet.s).exists() else ""
    for cid in ours[:10]:  # what Asterisk saw of a call it never completed, and the kills around it
        p = traffic.placed[cid]
        near = [f"{k.target} at +{k.at - since:.1f} s" for k in chaos.kills if abs(k.at - p.at) < 60]
        print(f"never completed: {cid} placed at +{p.at - since:.1f} s (patience {p.stay_s:g} s), "
              f"{cel.count(cid)} CEL lines; kills near it: {', '.join(near) or 'none'}")
    ok = ledger.ok and not ours and not failed and len(back) == len(chaos.kills)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
