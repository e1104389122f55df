"""Starting and stopping the private Asterisk as an ordinary child process."""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.pbx.config import TEMPLATES, Layout, render
from hotline.settings import Settings

log = logging.getLogger(__name__)


class AsteriskError(RuntimeError):
    pass


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """For Popen's preexec_fn (PR_SET_PDEATHSIG): if the hotline process is killed, its Asterisk (or
    a test's SIPp, PostgreSQL) does not live on as an orphan."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)
    except OSError:
        pass
    os.setsid()


def port_in_use(host: str, port: int, udp: bool = False) -> bool:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        if not udp:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        return False
    except OSError:
        return True
    finally:
        sock.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return state != "Z"
    except OSError:
        return True


class Asterisk:
    """One private Asterisk: ``start()`` renders its config and waits until it is ready."""

    def __init__(self, settings: Settings, templates: Path = TEMPLATES):
        self.settings = settings
        self.templates = templates
        self.layout = Layout(settings.asterisk_dir)
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_seconds: float | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> Asterisk:
        s = self.settings
        binary = shutil.which(s.asterisk_binary)
        if not binary:
            raise AsteriskError(f"{s.asterisk_binary!r} not found: run scripts/install-system.sh (see README)")
        self._clear_stale()
        ports = [(s.ami_host, s.ami_port, False, "AMI_PORT"), (s.ami_host, s.sip_port, True, "SIP_PORT")]
        if s.agent_softphone:  # the softphone's HTTP(S)/WebSocket server (http.conf)
            ports.append((s.softphone_bind, s.softphone_http_port, False, "SOFTPHONE_HTTP_PORT"))
            if s.softphone_tls:
                ports.append((s.softphone_bind, s.softphone_https_port, False, "SOFTPHONE_HTTPS_PORT"))
        for host, port, udp, setting in ports:
            if port_in_use(host, port, udp):
                raise AsteriskError(f"port {host}:{port} is already in use: "
                                    f"stop what holds it or set HOTLINE_{setting}")
        layout = render(s, self.templates)
        layout.messages.unlink(missing_ok=True)
        console = open(layout.log / "console.log", "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "-f", "-n", "-C", str(layout.conf)],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent, close_fds=True,
        )
        console.close()
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        log.info("asterisk %s ready in %.2f s (AMI %s:%s, SIP %s)", s.server_id, self.start_seconds,
                 s.ami_host, s.ami_port, s.sip_port)
        return self

    def _clear_stale(self) -> None:
        pid_file = self.layout.pid
        if pid_file.exists():
            try:
                pid = int(pid_file.read_text().strip() or 0)
            except ValueError:
                pid = 0
            if pid and _pid_alive(pid):
                raise AsteriskError(f"an Asterisk (pid {pid}) already runs from {self.layout.base}: "
                                    f"stop it first (hotline pbx stop) or use another runtime_dir")
            log.warning("removing stale pid file %s (pid %s is gone)", pid_file, pid)
            pid_file.unlink(missing_ok=True)
        if self.layout.ctl.exists():
            self.layout.ctl.unlink()

    def _wait_ready(self, t0: float) -> None:
        deadline = t0 + self.settings.asterisk_start_timeout_s
        last_error = "not started"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AsteriskError(f"asterisk exited with status {self.proc.returncode} during start-up\n"
                                    + self.log_tail())
            try:
                with self.ami(timeout=max(1.0, deadline - time.monotonic())) as ami:
                    out = ami.command("core waitfullybooted")
                    if "fully booted" not in out.lower():
                        raise AmiError(f"core waitfullybooted said {out!r}")
                    return
            except AmiError as exc:
                last_error = str(exc)
                time.sleep(0.1)
        raise AsteriskError(f"asterisk not ready within {self.settings.asterisk_start_timeout_s} s "
                            f"({last_error})\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        out = []
        for f in (self.layout.log / "console.log", self.layout.messages):
            if f.exists():
                tail = f.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {f} (last {len(tail)} lines) ---\n" + "\n".join(tail))
        return "\n".join(out) or "(asterisk wrote no log)"

    def stop(self, timeout: float = 10.0) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                with self.ami(timeout=2.0) as ami:
                    ami.action("Command", Command="core stop now")
            except AmiError:
                proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("asterisk did not stop in %s s: killing it", timeout)
                proc.kill()
                proc.wait(5)
        self.layout.pid.unlink(missing_ok=True)
        self.layout.ctl.unlink(missing_ok=True)
        self.proc = None

    def __enter__(self) -> Asterisk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- talking to it ------------------------------------------------------------------------
    def ami(self, timeout: float = 10.0) -> Ami:
        """An admin session: only the owner of this Asterisk (start, stop; tests) uses it."""
        return Ami.from_settings(self.settings, timeout, AmiRole.ADMIN)

    def cli(self, command: str) -> str:
        """A CLI command through the private control socket (``asterisk -rx``)."""
        out = subprocess.run([shutil.which(self.settings.asterisk_binary) or "asterisk",
                              "-C", str(self.layout.conf), "-rx", command],
                             capture_output=True, text=True, timeout=10)
        return out.stdout
