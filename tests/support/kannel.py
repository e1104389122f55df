"""A private Kannel for tests: ``bearerbox`` + ``smsbox`` on free loopback ports with a config under
a temp dir, one SMSC connection of type ``fake``, and Kannel's own ``fakesmsc`` (package
kannel-extras) connected to it as the phone side. Every message the SMSC is given shows up in
fakesmsc's output, which :meth:`PrivateKannel.received` decodes (UCS-2 texts back to str).

Each process dies with its parent (PR_SET_PDEATHSIG). ``halt()`` stops everything ("Kannel
down"), ``resume()`` starts it again on the same ports and config.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

from hotline.notifications.demo_gateway import KannelPorts, kannel_conf
from hotline.pbx.process import die_with_parent
from tests.support.ports import free_port

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"  # `dpkg -L kannel-extras`
USERNAME, PASSWORD, ADMIN_PASSWORD = "hotline-test", "sms-test-secret", "admin-test-secret"

_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")


@dataclass(frozen=True)
class Received:
    """One message as the phone side (fakesmsc) got it."""

    sender: str
    receiver: str
    coding: str  # fakesmsc's type: text, data, ucs-2…
    text: str
    parts: int = 1  # a concatenated SMS: how many parts it came in


def _url_bytes(data: str) -> bytes:
    """fakesmsc logs its bytes URL-encoded the form way (Kannel's octstr_url_encode): a 0x20 byte as
    '+', a plus sign as %2B. Read without that, every space of a message looked like a '+'."""
    return unquote_to_bytes(data.replace("+", " "))


def _decode(kind: str, data: str) -> str:
    if kind == "text":
        return data
    raw = _url_bytes(data)
    return raw.decode("utf-16-be") if kind in ("ucs-2", "ucs2") else raw.decode("utf-8", "replace")


def _concat_info(udh: bytes) -> tuple[bytes, int, int]:
    """(reference, parts, this part) from a UDH's concatenation element (IEI 0: 8-bit reference,
    IEI 8: 16-bit)."""
    i = 1  # after the UDH length byte
    while i < len(udh):
        iei, size = udh[i], udh[i + 1]
        body = udh[i + 2:i + 2 + size]
        if iei == 0x00:
            return body[:1], body[1], body[2]
        if iei == 0x08:
            return body[:2], body[2], body[3]
        i += 2 + size
    raise ValueError(f"UDH without a concatenation element: {udh.hex()}")


class PrivateKannel:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.admin_port, self.box_port, self.smsc_port, self.sendsms_port = (free_port() for _ in range(4))
        self.conf = base / "kannel.conf"
        self.phone_log = base / "fakesmsc.out"
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def write_config(self) -> None:
        b = self.base
        self.conf.write_text(kannel_conf(
            KannelPorts(self.admin_port, self.box_port, self.smsc_port, self.sendsms_port), ADMIN_PASSWORD,
            (USERNAME, PASSWORD), "fake", b, (b / "bearerbox.log", b / "smsbox.log"), log_level=0, resend_s=1),
            encoding="utf-8")

    def _spawn(self, argv: list[str], out: Path) -> subprocess.Popen[bytes]:
        with open(out, "ab") as fh:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                    cwd=self.base, preexec_fn=partial(die_with_parent, signal.SIGTERM))
        self.procs.append(proc)
        return proc

    def start(self) -> PrivateKannel:
        for binary in (BEARERBOX, SMSBOX, FAKESMSC):
            if not Path(binary).exists():
                raise RuntimeError(f"{binary} is missing: run scripts/install-system.sh (kannel, kannel-extras)")
        self.write_config()
        self._spawn([BEARERBOX, "-v", "1", str(self.conf)], self.base / "bearerbox.out")
        self._wait(lambda: self._status() is not None, "bearerbox's admin port")
        # -m 0: send nothing, only print what the SMSC gives it
        self._spawn([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0", "-m", "0", "1 2 text x"],
                    self.phone_log)
        self._spawn([SMSBOX, "-v", "1", str(self.conf)], self.base / "smsbox.out")
        self._wait(lambda: "online" in (self._status() or "") and self._sendsms_up(), "the SMSC link and smsbox")
        return self

    def _status(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/status.txt?password={ADMIN_PASSWORD}",
                                        timeout=1) as r:
                return str(r.read().decode("utf-8", "replace"))
        except OSError:
            return None

    def _sendsms_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.sendsms_url}?username=x&password=y", timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answered (403): up
        except OSError:
            return False

    def _wait(self, ready: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [str(p.args) for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"Kannel: {dead} exited; see {self.base}/*.out, *.log")
            time.sleep(0.05)
        raise RuntimeError(f"Kannel: {what} not ready in {timeout_s} s; see {self.base}/*.out, *.log")

    def received(self) -> list[Received]:
        """Every message fakesmsc got, in order; a long message sent in parts (concatenated SMS:
        UDH with a reference, the part count and number) is given once, whole, where its last part
        arrived."""
        if not self.phone_log.exists():
            return []
        out: list[Received] = []
        parts: dict[tuple[str, str, bytes], dict[int, bytes]] = {}
        for line in self.phone_log.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _GOT.search(line)
            if not m:
                continue
            sender, receiver, kind, rest = m[1], m[2], m[3], m[4]
            if kind != "udh":
                out.append(Received(sender, receiver, kind, _decode(kind, rest)))
                continue
            udh_text, _, payload = rest.partition(" ")
            _, _, data = payload.partition(" ")  # "data <urlencoded bytes>"
            udh = _url_bytes(udh_text)
            ref, total, seq = _concat_info(udh)
            key = (sender, receiver, ref)
            parts.setdefault(key, {})[seq] = _url_bytes(data)
            if len(parts[key]) == total:
                got = parts.pop(key)
                whole = b"".join(got[i] for i in range(1, total + 1))
                # we always send coding=2: the parts are UCS-2
                out.append(Received(sender, receiver, "ucs-2", whole.decode("utf-16-be"), total))
        return out

    def wait_received(self, n: int, timeout_s: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.received()) < n:
            time.sleep(0.05)
        return self.received()

    def halt(self) -> None:
        """Kannel down: every process stopped (smsbox first)."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def resume(self) -> PrivateKannel:
        return self.start()

    stop = halt


class DlrReceiver:
    """The panel's delivery-report route played by a test: an HTTP server on a free port that hands
    each report's query (a dict of single values) to ``on_report``."""

    def __init__(self, on_report: Callable[[dict[str, str]], None]) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                try:
                    on_report(query)
                    receiver.reports.append(query)
                    self.send_response(200)
                except Exception as exc:
                    receiver.errors.append(f"{query}: {exc}")
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet: the test reads the reports, not the server's access log."""

        self.reports: list[dict[str, str]] = []
        self.errors: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/dlr"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
