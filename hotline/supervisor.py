"""Child services of ``hotline run``, kept alive: a service that dies is started again after a
back-off (1 s, doubling up to ``run_restart_backoff_max_s``; back to 1 s once it stayed up a
minute), and says so on stdout and in its own log. A child dying never stops the others nor
Asterisk: live calls go on, and the restarted listener backfills what it missed."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotline import malloc_policy
from hotline.pbx.process import die_with_parent
from hotline.settings import ROOT, Settings

# A service is "up" once it answers; a predicate over (settings, what it logged since its start).
Probe = Callable[[Settings, str], bool]
STABLE_S = 60.0  # up this long: the next death starts the back-off again from 1 s


def hotline_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "hotline", *args]


def tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status is an answer
    except (OSError, ValueError):
        return False


@dataclass
class Service:
    name: str
    argv: list[str]
    probe: Probe | None = None  # None: up as soon as it runs
    restart: bool = True  # False: a finite job (demo traffic) that is left to end
    proc: subprocess.Popen[bytes] | None = None
    log_from: int = 0  # its log's size when it was last started: the probe reads what follows
    started_at: float = 0.0
    backoff_s: float = 1.0
    restart_at: float | None = None
    restarts: int = 0
    ended: bool = field(default=False)  # a finite job that exited


class Supervisor:
    """Starts services as children (each in its own session: a terminal's Ctrl-C reaches only
    ``hotline run``, which stops them in order), probes them, restarts the dead."""

    def __init__(self, s: Settings, env: dict[str, str], say: Callable[[str], None]) -> None:
        # the services' malloc policy that only their start can take (glibc's per-thread cache off, #17)
        self.s, self.env, self.say = s, malloc_policy.service_env(env), say
        self.services: list[Service] = []

    def log_path(self, svc: Service) -> Path:
        return self.s.log_dir / f"{svc.name}.log"

    def start(self, svc: Service) -> None:
        if svc not in self.services:
            self.services.append(svc)
        path = self.log_path(svc)
        with open(path, "ab") as logf:
            svc.log_from = logf.tell()
            svc.proc = subprocess.Popen(svc.argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=self.env, cwd=ROOT, preexec_fn=die_with_parent)
        svc.started_at, svc.restart_at = time.monotonic(), None

    def logged(self, svc: Service) -> str:
        try:
            with open(self.log_path(svc), "rb") as fh:
                fh.seek(svc.log_from)
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def is_up(self, svc: Service) -> bool:
        if svc.proc is None or svc.proc.poll() is not None:
            return False
        return svc.probe is None or svc.probe(self.s, self.logged(svc))

    def wait_up(self, timeout_s: float) -> list[str]:
        """Waits until every service answers; returns the problems ("" list: all up)."""
        deadline = time.monotonic() + timeout_s
        waiting = [svc for svc in self.services if svc.restart]
        while waiting:
            for svc in list(waiting):
                if svc.proc is not None and svc.proc.poll() is not None:
                    return [f"{svc.name} exited with status {svc.proc.returncode} during start-up:\n"
                            + self._tail(svc)]
                if self.is_up(svc):
                    waiting.remove(svc)
            if waiting and time.monotonic() > deadline:
                return [f"{svc.name} did not answer within {timeout_s:g} s:\n" + self._tail(svc) for svc in waiting]
            if waiting:
                time.sleep(0.2)
        return []

    def _tail(self, svc: Service, lines: int = 15) -> str:
        text = self.logged(svc).splitlines()[-lines:]
        return "\n".join(f"    {line}" for line in text) + f"\n    (log: {self.log_path(svc)})"

    def check(self) -> None:
        """One round: notice the dead, restart those whose back-off is over."""
        now = time.monotonic()
        for svc in self.services:
            if svc.ended or svc.proc is None:
                continue
            if svc.restart_at is not None:
                if now >= svc.restart_at:
                    svc.restarts += 1
                    self.start(svc)
                    self._note(svc, f"{svc.name} restarted (restart {svc.restarts}, pid {svc.proc.pid})")
                continue
            code = svc.proc.poll()
            if code is None:
                if now - svc.started_at >= STABLE_S:
                    svc.backoff_s = 1.0
                continue
            if not svc.restart:
                svc.ended = True
                self._note(svc, f"{svc.name} finished with status {code}")
                continue
            svc.restart_at = now + svc.backoff_s
            self._note(svc, f"{svc.name} exited with status {code}; restarting in {svc.backoff_s:g} s "
                            f"(Asterisk and calls in progress are not touched)")
            svc.backoff_s = min(svc.backoff_s * 2, max(self.s.run_restart_backoff_max_s, 1.0))

    def _note(self, svc: Service, text: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} hotline run: {text}"
        self.say(f"hotline: {text}")
        with open(self.log_path(svc), "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def stop_all(self, timeout_s: float = 10.0) -> None:
        """SIGINT (each service's Ctrl-C path: it flushes what it holds), then SIGKILL the late."""
        live = [svc.proc for svc in reversed(self.services) if svc.proc is not None and svc.proc.poll() is None]
        for proc in live:
            proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout_s
        for proc in live:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
