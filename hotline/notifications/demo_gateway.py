"""The demo's SMS gateway: a private Kannel (``bearerbox`` + ``smsbox``, Debian ``kannel``) with
Kannel's own ``fakesmsc`` (``kannel-extras``) as the phones, so the demo's SMS are sent and
reported delivered instead of queueing errors against a gateway that is not there.

Only what to run: the configuration, rendered into the run's private directory (free loopback
ports, a generated admin password, the hotline's own sendsms password), and the processes as
supervised services (``hotline run`` starts, restarts and stops them with the others)."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from hotline.settings import Settings
from hotline.supervisor import Service, http_answers, tcp_accepts

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")  # `dpkg -L kannel-extras`
SMSC_ID = "demo-phones"


def missing() -> list[str]:
    """The Kannel programs that are not installed (scripts/setup.sh installs them)."""
    return [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not p.exists()]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class KannelPorts:
    admin: int
    box: int
    smsc: int
    sendsms: int


def kannel_conf(ports: KannelPorts, admin_password: str, sendsms_user: tuple[str, str], smsc_id: str, store: Path,
                logs: tuple[Path, Path], *, log_level: int, resend_s: int) -> str:
    """A private Kannel's kannel.conf, all on loopback: bearerbox, one SMSC link of type ``fake``
    (``fakesmsc`` connects to it as the phones), smsbox's sendsms for one user. The one home of that
    configuration: the demo's gateway and the tests' Kannel both render it. ``logs``: bearerbox's and
    smsbox's log files; ``log_level`` 0 (debug) to 4 (panics only)."""
    return f"""group = core
admin-port = {ports.admin}
admin-interface = 127.0.0.1
admin-password = {admin_password}
smsbox-port = {ports.box}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "{logs[0]}"
log-level = {log_level}
dlr-storage = internal
store-type = file
store-location = "{store}/bearerbox.store"
sms-resend-freq = {resend_s}

group = smsc
smsc = fake
smsc-id = {smsc_id}
port = {ports.smsc}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports.box}
sendsms-port = {ports.sendsms}
sendsms-interface = 127.0.0.1
log-file = "{logs[1]}"
log-level = {log_level}

group = sendsms-user
username = {sendsms_user[0]}
password = {sendsms_user[1]}
user-allow-ip = 127.0.0.1
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
text = "ok"
"""


@dataclass(frozen=True)
class DemoGateway:
    base: Path  # runtime_dir/kannel: configuration, store and Kannel's own logs
    admin_port: int
    box_port: int
    smsc_port: int
    sendsms_port: int
    admin_password: str

    @classmethod
    def for_run(cls, s: Settings) -> DemoGateway:
        """Fresh free ports and admin password for this run (a port another program took since the
        last run cannot stop this one)."""
        return cls(s.runtime_dir / "kannel", _free_port(), _free_port(), _free_port(), _free_port(),
                   secrets.token_hex(16))

    @property
    def conf(self) -> Path:
        return self.base / "kannel.conf"

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def settings_env(self, s: Settings) -> dict[str, str]:
        """What points the services' SMS sender at this gateway, with delivery reports to the panel."""
        return {"HOTLINE_SMS_PROVIDER": "kannel", "HOTLINE_KANNEL_SENDSMS_URL": self.sendsms_url,
                "HOTLINE_KANNEL_SMSC_ID": SMSC_ID,
                "HOTLINE_SMS_DLR_URL": f"http://{s.web_host}:{s.web_port}/sms/dlr"}

    def write_config(self, s: Settings) -> None:
        """kannel.conf (0600: it holds the passwords) in a 0700 directory. Kannel logs warnings
        only: its info lines carry numbers and texts unmasked (R-PRIVACY in logs); what the phones
        got is in sms-phones.log, the demo's own customers."""
        self.base.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.base.chmod(0o700)
        b, logs = self.base, s.log_dir
        self.conf.write_text(kannel_conf(
            KannelPorts(self.admin_port, self.box_port, self.smsc_port, self.sendsms_port), self.admin_password,
            (s.kannel_username, s.secret("kannel_password")), SMSC_ID, b,
            (logs / "kannel-bearerbox.log", logs / "kannel-smsbox.log"), log_level=2, resend_s=5), encoding="utf-8")
        self.conf.chmod(0o600)

    def bearerbox(self) -> Service:
        return Service("sms-bearerbox", [str(BEARERBOX), "-v", "2", str(self.conf)],
                       lambda _s, _l: tcp_accepts("127.0.0.1", self.box_port))

    def boxes(self) -> list[Service]:
        """What connects to a running bearerbox: the phones (fakesmsc, printing every message it
        is given to its log, ``-m 0``: sending none) and smsbox (the sendsms HTTP the sender calls)."""
        phones = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0", "-m", "0", "1 2 text x"]
        return [Service("sms-phones", phones),
                Service("sms-smsbox", [str(SMSBOX), "-v", "2", str(self.conf)],
                        lambda _s, _l: http_answers(f"{self.sendsms_url}?username=x&password=y"))]
