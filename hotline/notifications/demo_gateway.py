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
        self.conf.write_text(f"""group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = {self.admin_password}
smsbox-port = {self.box_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "{logs}/kannel-bearerbox.log"
log-level = 2
dlr-storage = internal
store-type = file
store-location = "{b}/bearerbox.store"
sms-resend-freq = 5

group = smsc
smsc = fake
smsc-id = {SMSC_ID}
port = {self.smsc_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.box_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{logs}/kannel-smsbox.log"
log-level = 2

group = sendsms-user
username = {s.kannel_username}
password = {s.secret("kannel_password")}
user-allow-ip = 127.0.0.1
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
text = "ok"
""", encoding="utf-8")
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
