"""The panel alone under a soak's read load (#17: what grows in the panel's RSS), far cheaper on 2
cores than the whole fleet: ``hotline web serve`` (waitress, as in production) on a SQLite database
this bench keeps writing into as the listener would — the live snapshot (``live_state``: every
agent ringing → talking → idle with a new call each cycle, the call's facts for the screen-pop) and
the calls it completes (``calls``, for the wallboard's SL and the pops' history) — while ``--desks``
desk event streams and ``--wallboards`` wallboard streams read every event at full rate and
``--pollers`` clients load pages (desk, wallboard, agent landing, calls list) in a loop. The desks
keep their agents' presence in step themselves (no scheduler runs), so presence rows are written
by the panel too.

It reads the panel's RSS every second, prints it every ``--sample`` seconds and at the end, per
minute, the lowest and highest RSS read with their slopes over the second half, and the load average; and every
``--facts-s`` seconds (60) what the RSS is made of, read inside the panel (``hotline.memory_facts``,
``HOTLINE_MEMORY_LOG``: pymalloc's arenas and the bytes in their blocks, glibc's in use and free, the
resident threads' stacks, glibc's heaps and the other anonymous memory), with the UTC time, so a
run across an hour's edge shows what the running hour's figures hold. ``--heaptrack FILE``
runs the panel under heaptrack (``heaptrack_print FILE.zst``); ``--env K=V`` passes settings or
glibc tunables (``MALLOC_ARENA_MAX=2``, ``PYTHONMALLOC=malloc``) to the panel. Not a test::

    .venv/bin/python bench/panel_soak.py --minutes 10 --desks 30 --wallboards 4
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callgen import AGENTS, FMT, SERVER, _flush, _sqlite_row, generate
from bench.fleet import rss_mb
from hotline import memory_facts
from hotline.db import open_db
from hotline.models import PresenceChange
from hotline.settings import ROOT, load
from tests.support.processes import children
from tests.web.conftest import PASSWORD
from web.auth.users import add_user

CYCLE_S = (2.0, 4.0, 1.0)  # ringing, talking, idle: one call per agent per cycle
LOGINS = threading.Semaphore(2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(base: Path, port: int, seed_calls: int, desks: int, extra: dict[str, str]) -> dict[str, str]:
    """A migrated database with ``seed_calls`` calls, the users, every agent available; the panel's env."""
    url = f"sqlite:///{base / 'hotline.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(PYTHONPATH=str(ROOT), HOTLINE_DATABASE_URL=url, HOTLINE_RUNTIME_DIR=str(base / "var"),
               HOTLINE_WEB_PORT=str(port), HOTLINE_WEB_HOST="127.0.0.1", HOTLINE_SERVER_ID=SERVER,
               HOTLINE_AGENTS=",".join(AGENTS), HOTLINE_DESK_WRAPUP_S="0",  # a wrap-up pauses through AMI: none here
               HOTLINE_WEB_THREADS=str(max(desks + 40, 64)), **extra)
    s = load(env=env)
    engine, factory = open_db(s, upgrade=True)
    engine.dispose()
    generate(url, seed_calls, say=lambda _m: None)
    engine, factory = open_db(s)
    with factory() as db:
        for ext in AGENTS:
            add_user(db, f"agent{ext}", "agent", PASSWORD, ext)
            db.add(PresenceChange(server=SERVER, agent=ext, state="available", previous="logged_out",
                                  started_at=datetime.now(UTC), by=ext))
        add_user(db, "boss", "supervisor", PASSWORD)
        db.commit()
    engine.dispose()
    return env


class Writer:
    """The listener's writes: the live snapshot every ``every`` s, each completed call stored."""

    def __init__(self, db_path: str, first_id: int, every: float = 0.25) -> None:
        self.con = sqlite3.connect(db_path, timeout=30, isolation_level=None, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.every, self.next_id, self.rnd = every, first_id, random.Random(3)
        self.writes = self.calls = 0
        self.stop = threading.Event()
        self.phase = {a: (self.rnd.uniform(0, sum(CYCLE_S)), self._new_call()) for a in AGENTS}

    def _new_call(self) -> tuple[str, str]:
        self.next_id += 1
        return f"{1.8e9 + self.next_id:.0f}.{self.next_id}", f"13{self.rnd.randrange(10**9):09d}"

    def run(self) -> None:
        t0 = time.time()
        while not self.stop.wait(self.every):
            agents, calls, done = {}, {}, []
            now = time.time()
            for a, (offset, (call_id, number)) in self.phase.items():
                t = (now - t0 + offset) % sum(CYCLE_S)
                cycle = int((now - t0 + offset) // sum(CYCLE_S))
                if cycle != getattr(self, f"_c{a}", cycle):
                    done.append(self.next_id)
                    call_id, number = self._new_call()
                    self.phase[a] = (offset, (call_id, number))
                setattr(self, f"_c{a}", cycle)
                start = now - t
                state = "ringing" if t < CYCLE_S[0] else "talking" if t < CYCLE_S[0] + CYCLE_S[1] else "idle"
                on = state != "idle"
                agents[a] = {"state": state, "since": start + (CYCLE_S[0] if state == "talking" else 0),
                             "call_id": call_id if on else None, "queue": "hotline" if on else None}
                if on:
                    calls[call_id] = {"caller_number": number, "caller_name": None, "queued_at": start - 3,
                                      "vars": {"HOTLINE_FAULT_TYPE": "no_dial_tone"}, "seen": start - 5}
            data = {"queues": {"hotline": {"waiting": []}}, "agents": agents, "gap": False, "updated": now,
                    "calls": calls}
            self._write(data, len(done))

    def _write(self, data: dict[str, Any], completed: int) -> None:
        rows: list[tuple[Any, ...]] = []
        attempts: list[tuple[Any, ...]] = []
        for _ in range(completed):
            self.next_id += 1
            _sqlite_row(self.rnd, self.next_id, datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=10),
                        rows, attempts)
        try:
            self.con.execute("BEGIN IMMEDIATE")
            self.con.execute("INSERT OR REPLACE INTO live_state (server, updated_at, data) VALUES (?, ?, ?)",
                             (SERVER, datetime.now(UTC).strftime(FMT), json.dumps(data)))
            self.con.execute("COMMIT")
            self.calls += len(rows)
            if rows:
                _flush(self.con, rows, attempts)
            self.writes += 1
        except sqlite3.OperationalError as e:  # the database busy a moment: the next write has it all
            print(f"writer: {e}", flush=True)
            if self.con.in_transaction:
                self.con.execute("ROLLBACK")


def _login(base: str, user: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    with LOGINS:  # a password hash costs CPU: all at once would starve the panel
        r = http.post(f"{base}/login", data={"csrf_token": token.group(1) if token else "", "username": user,
                                             "password": PASSWORD}, timeout=120)
    if "/login" in r.url:
        raise RuntimeError(f"login of {user} refused")
    return http


class Reader:
    """One client: an event stream read line by line (reconnected when it ends), or page loads."""

    def __init__(self, base: str, user: str, paths: list[str], stream: bool, stop: threading.Event) -> None:
        self.base, self.user, self.paths, self.stream, self.stop = base, user, paths, stream, stop
        self.events = self.pages = self.errors = 0

    def run(self) -> None:
        http = None
        while not self.stop.is_set():
            try:
                http = http or _login(self.base, self.user)
                if self.stream:
                    with http.get(self.base + self.paths[0], stream=True, timeout=(30, 60)) as r:
                        for line in r.iter_lines(decode_unicode=True):
                            if self.stop.is_set():
                                return
                            if line and line.startswith("data:"):
                                json.loads(line[5:])
                                self.events += 1
                else:
                    for p in self.paths:
                        http.get(self.base + p, timeout=120).raise_for_status()
                        self.pages += 1
                    self.stop.wait(2.0)
            except Exception as e:  # counted; the client starts again, as a browser would
                self.errors += 1
                print(f"{self.user} {self.paths[0]}: {type(e).__name__}: {e}"[:200], flush=True)
                self.stop.wait(2.0)


def _panel_pid(proc: subprocess.Popen[str]) -> int:
    """The Python process serving (heaptrack's script runs it as a child)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kids = [p for p, cmd in children(proc.pid).items() if "web serve" in cmd]
        if kids:
            return kids[0]
        if "python" in Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace"):
            return proc.pid
        time.sleep(0.2)
    return proc.pid


def _wait_up(base: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the panel exited")
        try:
            requests.get(base + "/login", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("the panel did not answer")


def _report(samples: list[tuple[float, float]], loads: list[float], events: list[int]) -> None:
    """Per minute, the lowest and highest RSS read (the panel trims glibc's free memory every 60 s,
    hotline/malloc_policy.py: the lowest is what stays), and the slopes of both."""
    if len(samples) < 5:
        return
    t0 = samples[0][0]
    minutes: dict[int, list[float]] = {}
    counts: dict[int, list[tuple[float, int]]] = {}
    for (t, r), n in zip(samples, events, strict=True):
        minutes.setdefault(int((t - t0) // 60), []).append(r)
        counts.setdefault(int((t - t0) // 60), []).append((t, n))
    start = datetime.now(UTC) - timedelta(seconds=time.monotonic() - t0)
    print(f"minute 0 began at {start:%H:%M:%S} UTC")
    lows = [min(v) for _m, v in sorted(minutes.items())]
    highs = [max(v) for _m, v in sorted(minutes.items())]
    print("panel RSS per minute, MB, lowest: " + ", ".join(f"{r:.1f}" for r in lows))
    print("panel RSS per minute, MB, highest: " + ", ".join(f"{r:.1f}" for r in highs))
    rates = [(v[-1][1] - v[0][1]) / max(v[-1][0] - v[0][0], 1.0) for _m, v in sorted(counts.items())]
    print("events/s per minute: " + ", ".join(f"{r:.0f}" for r in rates))
    if len(lows) >= 4:
        half = len(lows) // 2
        span_h = (len(lows) - 1 - half) / 60
        print(f"second half ({len(lows) - half} minutes), MB/hour: lowest {(lows[-1] - lows[half]) / span_h:+.1f}, "
              f"highest {(highs[-1] - highs[half]) / span_h:+.1f}")
    print(f"load average {min(loads):.1f}–{max(loads):.1f}")


FACTS_HEAD = ("UTC      RSS | pymalloc: arenas  in blocks  held free | glibc: in use  free | resident: stacks "
              "glibc heaps  other anon | sqlite  threads   (MB)")


def facts_line(d: dict[str, Any]) -> str:
    """One reading of the panel's memory log as a row under :data:`FACTS_HEAD`."""
    mb = 1 / 1048576
    py, gl, kb = d.get("pymalloc") or {}, d.get("malloc") or {}, d.get("mappings_kb") or {}
    at = datetime.fromtimestamp(d["at"], UTC).strftime("%H:%M:%S")
    arenas = py.get("arena_bytes", 0) * mb
    blocks = py.get("allocated_bytes", 0) * mb
    heaps = (kb.get("glibc_main", 0) + kb.get("glibc_heaps", 0)) / 1024
    return (f"{at} {d['rss_kb'] / 1024:6.1f} | {arenas:15.1f} {blocks:10.1f} {arenas - blocks:10.1f} | "
            f"{gl.get('in_use_bytes', 0) * mb:13.1f} {gl.get('free_bytes', 0) * mb:5.1f} | "
            f"{kb.get('stacks', 0) / 1024:16.1f} {heaps:12.1f} {kb.get('other_anon', 0) / 1024:11.1f} | "
            f"{(d.get('sqlite_bytes') or 0) * mb:6.1f} {d.get('threads', 0):8d}")


def _new_facts(path: Path, seen: int) -> list[dict[str, Any]]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines[seen:] if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """The options, the run and its report in one reading order: long because it is a script's
    whole story (start, load, sample, stop, print), not several concepts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--desks", type=int, default=30)
    ap.add_argument("--wallboards", type=int, default=4)
    ap.add_argument("--pollers", type=int, default=2)
    ap.add_argument("--seed-calls", type=int, default=20000)
    ap.add_argument("--sample", type=float, default=20)
    ap.add_argument("--facts-s", type=float, default=60, help="the panel's memory facts every N s")
    ap.add_argument("--heaptrack", metavar="FILE", help="run the panel under heaptrack, its output FILE.zst")
    ap.add_argument("--env", action="append", default=[], metavar="K=V", help="extra environment of the panel")
    a = ap.parse_args(argv)
    base_dir = Path(tempfile.mkdtemp(prefix="hotline-panel-soak-"))
    port = _free_port()
    facts_path = base_dir / "memory.jsonl"
    extra = {memory_facts.ENV_LOG: str(facts_path), memory_facts.ENV_EVERY_S: f"{a.facts_s:g}",
             **dict(e.split("=", 1) for e in a.env)}
    env = _prepare(base_dir, port, a.seed_calls, a.desks, extra)
    cmd = [sys.executable, "-m", "hotline", "web", "serve"]
    if a.heaptrack:
        cmd = ["heaptrack", "-o", a.heaptrack, *cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=base_dir, stdout=open(base_dir / "panel.log", "w"),
                            stderr=subprocess.STDOUT, text=True)
    base, stop = f"http://127.0.0.1:{port}", threading.Event()
    pid = proc.pid
    writer = Writer(str(base_dir / "hotline.db"), first_id=a.seed_calls + 1)
    try:
        _wait_up(base, proc)
        pid = _panel_pid(proc)
        threading.Thread(target=writer.run, daemon=True).start()
        readers = ([Reader(base, f"agent{AGENTS[i % len(AGENTS)]}", ["/desk/stream"], True, stop)
                    for i in range(a.desks)]
                   + [Reader(base, "boss", ["/wallboard/stream"], True, stop) for _ in range(a.wallboards)]
                   + [Reader(base, f"agent{AGENTS[i]}", ["/desk", "/agent", "/calls"], False, stop)
                      for i in range(a.pollers)]
                   + [Reader(base, "boss", ["/wallboard", "/wallboard/snapshot"], False, stop)
                      for _ in range(a.pollers)])
        for r in readers:
            threading.Thread(target=r.run, daemon=True).start()
        print(f"panel pid {pid} on {base}, dir {base_dir}; {a.desks} desks, {a.wallboards} wallboards, "
              f"{2 * a.pollers} page pollers, {a.minutes} min", flush=True)
        samples: list[tuple[float, float]] = []
        loads: list[float] = []
        events: list[int] = []
        facts: list[dict[str, Any]] = []
        t0 = time.monotonic()
        printed = -a.sample
        while time.monotonic() - t0 < a.minutes * 60 and proc.poll() is None:
            # read every second, printed every --sample: the lowest of a minute must be the RSS just
            # after the panel's trim, whose phase drifts against any slower sampling
            rss = rss_mb(pid)
            if rss is not None:
                samples.append((time.monotonic(), rss))
                loads.append(os.getloadavg()[0])
                events.append(sum(r.events for r in readers))
            if rss is not None and time.monotonic() - t0 - printed >= a.sample:
                printed = time.monotonic() - t0
                print(f"+{printed:5.0f} s  RSS {rss:6.1f} MB  events {events[-1]}  pages "
                      f"{sum(r.pages for r in readers)}  errors {sum(r.errors for r in readers)}  "
                      f"writes {writer.writes} calls {writer.calls}  load {loads[-1]:.1f}", flush=True)
            for d in _new_facts(facts_path, len(facts)):
                facts.append(d)
                print(f"facts {facts_line(d)}", flush=True)
            time.sleep(1.0)
        _report(samples, loads, events)
        print(f"the panel's memory every {a.facts_s:g} s ({facts_path}):\n{FACTS_HEAD}")
        print("\n".join(facts_line(d) for d in facts + _new_facts(facts_path, len(facts))))
    finally:
        stop.set()
        writer.stop.set()
        try:
            os.kill(pid, signal.SIGINT)  # the panel's own stop (heaptrack then writes its end)
        except OSError:
            proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"panel log: {base_dir / 'panel.log'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
