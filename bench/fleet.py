"""The whole hotline under `hotline run` (its supervisor, hotline/supervisor.py), driven by simulated
callers, for the soak and the chaos benches: each service a process of its own, as on a server.

:class:`Fleet` starts ``hotline run --no-demo`` in a temporary runtime dir on free ports (optionally on
a private PostgreSQL) and knows the pid of each service; :class:`Traffic` keeps ``in_flight`` simulated
callers in the private Asterisk (Local channels into from-pstn: the IVR, the queue, simulated agents
added with QueueAdd; each caller hangs up after its patience ``SIM_STAY``, which bounds its life);
:func:`rss_table` summarises memory samples. The store is checked against Asterisk's CEL by
bench/ledger.py."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ami_listener.simulate import random_call
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.settings import ROOT, Settings
from tests.support.pbx import pbx_test_settings
from tests.support.processes import children

# the services of `hotline run` and how to find each among its children (the SMS sender is a thread
# of the scheduler: killing the scheduler kills it)
SERVICES = {"listener": "listener listen", "ivr": "ivr serve", "panel": "web serve", "scheduler": "scheduler run"}
SIM_AGENTS_FROM = 9000
# prompts built once and copied into each new runtime dir: `hotline run` keeps what is up to date
# (prompts/builder.py checks each file against its text), so only a changed phrase is rendered again
SOUNDS_CACHE = Path(__file__).resolve().parent / "out" / "fleet-sounds"


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Fleet:
    """``hotline run --no-demo`` as a child process, its output kept."""

    def __init__(self, database_url: str | None = None, agents: int = 120, **env: str) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="hotline-fleet-"))
        self.s: Settings = pbx_test_settings(self.base / "var", server_id="fleet", queue_strategy="rrmemory",
                                             queue_member_timeout_s=4, queue_timeout_s=60)
        if database_url:
            self.s = self.s.replace(database_url=database_url)
        self.agents = [str(SIM_AGENTS_FROM + i) for i in range(agents)]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        s = self.s
        self.env.update(PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(s.runtime_dir), HOTLINE_SERVER_ID=s.server_id,
                        HOTLINE_AMI_PORT=str(s.ami_port), HOTLINE_SIP_PORT=str(s.sip_port),
                        HOTLINE_AGI_PORT=str(s.agi_port), HOTLINE_WEB_PORT=str(s.web_port),
                        HOTLINE_RTP_START=str(s.rtp_start), HOTLINE_RTP_END=str(s.rtp_end), HOTLINE_RING_CYCLE_S="1",
                        HOTLINE_QUEUE_STRATEGY="rrmemory", HOTLINE_QUEUE_MEMBER_TIMEOUT_S="4",
                        HOTLINE_QUEUE_TIMEOUT_S="60", HOTLINE_ESPEAK_SPEED_WPM="260",
                        HOTLINE_GTTS_PROBE_TIMEOUT_S="0.5",
                        HOTLINE_CALLBACK_SCHEDULER_INTERVAL_S="5", HOTLINE_DATABASE_URL=s.db_url,
                        # R-ANS-HOURS around the clock: the benches measure agents' calls at any hour
                        HOTLINE_HOURS_OPEN="00:00", HOTLINE_HOURS_CLOSE="00:00", **env)
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._agents_on: int | None = None  # the Asterisk pid the simulated agents were added to
        self._restarts_seen = 0  # Asterisk restarts whose "started again" was awaited

    def start(self, timeout: float = 180) -> Fleet:
        if SOUNDS_CACHE.is_dir():
            shutil.copytree(SOUNDS_CACHE, self.s.sounds_dir, dirs_exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "hotline", "run", "--no-demo"], env=self.env,
                                     cwd=self.base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("hotline is running", timeout)
        if not SOUNDS_CACHE.is_dir():
            shutil.copytree(self.s.sounds_dir, SOUNDS_CACHE, dirs_exist_ok=True)
        self.ensure_agents()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.out:
            if self.proc is None or self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no {text!r} from hotline run:\n{self.out[-3000:]}")
            time.sleep(0.1)

    def pids(self) -> dict[str, int]:
        """The current pid of each service, Asterisk's included (from its pid file)."""
        assert self.proc is not None
        out = {name: pid for pid, cmd in children(self.proc.pid).items()
               for name, needle in SERVICES.items() if needle in cmd}
        try:
            out["asterisk"] = int((self.s.asterisk_dir / "run" / "asterisk.pid").read_text())
            os.kill(out["asterisk"], 0)
        except (OSError, ValueError):
            out.pop("asterisk", None)
        return out

    def ensure_agents(self) -> bool:
        """The simulated agents in the queue of the Asterisk running now (a restarted Asterisk has
        none): True when they are (added now or before)."""
        pid = self.pids().get("asterisk")
        if pid is None:
            return False
        if pid == self._agents_on:
            return True
        if self._agents_on is not None and self.out.count("Asterisk started again in") < self._restarts_seen + 1:
            # AMI answers before the dialplan is loaded: a call placed then fails at once inside
            # Asterisk. `hotline run` says it is back once `core waitfullybooted` returned.
            return False
        try:
            with Ami.from_settings(self.s, timeout=30, role=AmiRole.DESK) as ami:
                for ext in self.agents:
                    try:
                        ami.action("QueueAdd", Queue=self.s.queue_name, Interface=f"Local/{ext}@agents/n",
                                   MemberName=ext)
                    except AmiError:
                        pass  # already a member (a persistent member kept across the restart)
        except (AmiError, OSError):
            return False
        if self._agents_on is not None:
            self._restarts_seen += 1
        self._agents_on = pid
        return True

    def stop(self, keep: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)


def with_fleet(postgres: bool, database: str, agents: int, keep: bool,
               body: Callable[[Fleet, Any], int], **env: str) -> int:
    """``body(fleet, pg)`` on a whole hotline under ``hotline run`` (its store on a private
    PostgreSQL when ``postgres``, else SQLite); all of it stopped after — on Ctrl-C and on SIGTERM,
    which stops it as Ctrl-C does: the services, Asterisk, the private PostgreSQL."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    pg = None
    try:
        url = None
        if postgres:
            from tests.support.postgres import PrivatePostgres

            pg = PrivatePostgres().start()
            url = pg.create_database(database)
        fleet = Fleet(url, agents=agents, **env)
        try:
            fleet.start()
            return body(fleet, pg)
        finally:
            fleet.stop(keep=keep)
            if keep:
                print(f"kept {fleet.base}")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if pg is not None:
            pg.stop()


@dataclass
class Placed:
    at: float  # time.time() of the originate
    stay_s: float  # the caller's patience: the call is over by at + stay_s (+ its hang-up)


@dataclass
class Traffic:
    """Keeps ``in_flight`` simulated callers in Asterisk: call :meth:`step` often (it originates at
    most ``burst`` calls a step). A failed originate (Asterisk down) is counted, not retried."""

    fleet: Fleet
    in_flight: int
    scale: float = 0.5
    seed: int = 1
    burst: int = 10
    placed: dict[str, Placed] = field(default_factory=dict)
    failed: int = 0
    _ami: Ami | None = None
    _ami_since: float = 0.0

    def __post_init__(self) -> None:
        self.rnd = random.Random(self.seed)

    def current(self) -> int:
        now = time.time()
        return sum(1 for p in self.placed.values() if p.at + p.stay_s + 1 > now)

    def step(self) -> None:
        want = min(self.in_flight - self.current(), self.burst)
        if want <= 0 or not self.fleet.ensure_agents():
            return
        for _ in range(want):
            call = random_call(self.rnd, self.fleet.s, scale=self.scale)
            try:
                ami = self._session()
                ami.originate(f"Local/{self.fleet.s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                              callerid=f'"{call.caller_name}" <{call.caller_number}>', channel_id=call.call_id,
                              variables=self._variables(call.stay_s, call.dtmf), timeout_s=60)
                self.placed[call.call_id] = Placed(time.time(), call.stay_s)
            except (AmiError, OSError):
                self.failed += 1
                self.close()
                return

    def _variables(self, stay_s: float, dtmf: str) -> dict[str, str]:
        # one behaviour for every agent of the call (bench/load_test.py): 90 % answer
        mode = self.rnd.choices(["answer", "noanswer"], [90, 10])[0]
        v = {"SIM_STAY": f"{stay_s:g}", "__SIM_MODE": mode,
             "__SIM_RING": f"{round(self.rnd.uniform(0.3, 6.0) * self.scale, 1):g}",
             "__SIM_TALK": f"{round(self.rnd.uniform(3, 40) * self.scale, 1):g}"}
        if dtmf:
            v["SIM_DTMF"] = dtmf
        return v

    def _session(self) -> Ami:
        # hotline.pbx.ami.Ami keeps every event of its session: a new one every few seconds
        if self._ami is not None and time.monotonic() - self._ami_since > 5:
            self.close()
        if self._ami is None:
            self._ami = Ami.from_settings(self.fleet.s, timeout=30).__enter__()
            self._ami_since = time.monotonic()
        return self._ami

    def close(self) -> None:
        if self._ami is not None:
            try:
                self._ami.close()
            except (AmiError, OSError):
                pass
            self._ami = None

    def drain_until(self) -> float:
        """When every call placed is over (time.time())."""
        return max((p.at + p.stay_s for p in self.placed.values()), default=time.time()) + 5


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) in MB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return 0.0 if var == 0 else sum((t - mt) * (v - mv) for t, v in points) / var * 3600


def rss_table(samples: dict[str, list[tuple[float, float]]]) -> str:
    """Per service: the RSS at the start, at each quarter of the run and at the end, and the slope
    over the whole run and over its second half (the first minutes fill caches: warm-up, not a trend)."""
    lines = [f"  {'service':<10} {'samples':>7} {'start':>7} {'¼':>7} {'½':>7} {'¾':>7} {'end':>7} {'max':>7} "
             f"{'MB/hour':>8} {'2nd half':>8}"]
    for name, pts in samples.items():
        if not pts:
            continue
        vals = [v for _, v in pts]
        at = [vals[min(len(vals) - 1, len(vals) * q // 4)] for q in (1, 2, 3)]
        lines.append(f"  {name:<10} {len(pts):>7} {vals[0]:>7.1f} {at[0]:>7.1f} {at[1]:>7.1f} {at[2]:>7.1f} "
                     f"{vals[-1]:>7.1f} {max(vals):>7.1f} {slope_per_hour(pts):>+8.1f} "
                     f"{slope_per_hour(pts[len(pts) // 2:]):>+8.1f}")
    return "\n".join(lines)
