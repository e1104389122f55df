"""A TURN server (Debian's coturn) for browser softphones that have no UDP path to Asterisk: the
browser relays its media through it (README "Browser softphone", setting ``softphone_turn``).

Credentials follow the TURN REST API's shared-secret scheme (coturn ``use-auth-secret``): the
username is ``<expiry unix time>:<agent>``, the password base64(HMAC-SHA1(secret, username)); the
panel hands them only to the logged-in agent's phone, and coturn refuses them once expired. The
secret (``softphone_turn_secret``, else generated into secrets_dir 0600) never leaves the server.

coturn runs from a configuration rendered into the private runtime directory (0600: it holds the
secret), relays only to Asterisk's media addresses (``softphone_turn_peers``), and runs no CLI,
no TLS listener and no database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.pbx.process import die_with_parent
from hotline.settings import Settings
from hotline.supervisor import tcp_accepts

log = logging.getLogger(__name__)
SECRET = "softphone_turn_secret"  # the setting, and the file in secrets_dir when it is unset


class TurnError(RuntimeError):
    pass


@dataclass(frozen=True)
class TurnCredential:
    username: str
    password: str
    expires_at: int


def credential(s: Settings, agent: str, now: float | None = None) -> TurnCredential:
    """A time-limited credential for ``agent`` (TURN REST API: coturn recomputes the HMAC)."""
    expires = int(now if now is not None else time.time()) + s.softphone_turn_ttl_s
    username = f"{expires}:{agent}"
    digest = hmac.new(s.secret(SECRET).encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires)


def turn_urls(s: Settings, host: str) -> list[str]:
    """What the browser is told: the setting, else the panel's own host name on the TURN port, over
    UDP and, for networks that let only TCP out, TCP."""
    if s.softphone_turn_url:
        return [s.softphone_turn_url]
    return [f"turn:{host}:{s.softphone_turn_port}?transport=udp", f"turn:{host}:{s.softphone_turn_port}?transport=tcp"]


def ice_servers(s: Settings, host: str, agent: str) -> list[dict[str, Any]]:
    """RTCPeerConnection's iceServers for ``agent``'s phone: the STUN server, the TURN server."""
    servers: list[dict[str, Any]] = []
    if s.softphone_stun_server:
        servers.append({"urls": "stun:" + s.softphone_stun_server})
    if s.softphone_turn:
        cred = credential(s, agent)
        servers.append({"urls": turn_urls(s, host), "username": cred.username, "credential": cred.password})
    return servers


def peers(s: Settings) -> list[str]:
    """The addresses the relay may send to: Asterisk's media, nothing else (an open relay would
    reach every host the TURN server reaches). Unset, that is this host's own addresses — the host
    candidates Asterisk's ICE offers (every interface but link-local) — and its external address."""
    if s.softphone_turn_peers:
        return list(s.softphone_turn_peers)
    found = [*host_addresses(), *([s.softphone_external_address] if s.softphone_external_address else [])]
    return list(dict.fromkeys(found)) or ["127.0.0.1"]


def relay_address(s: Settings) -> str:
    """Where coturn relays from. Asterisk answers a relayed candidate from the address the kernel
    picks for it, and TURN forwards only from addresses the browser holds a permission for (the
    candidates Asterisk offered, never loopback): so a loopback relay would drop Asterisk's media."""
    if s.softphone_turn_relay_address:
        return s.softphone_turn_relay_address
    bind = s.softphone_turn_bind
    try:
        if bind not in ("0.0.0.0", "::") and not ipaddress.ip_address(bind).is_loopback:
            return bind
    except ValueError:
        raise TurnError(f"softphone_turn_bind must be an IP address, not {bind!r}") from None
    v4 = [ip for ip in map(ipaddress.ip_address, host_addresses()) if ip.version == 4 and not ip.is_loopback]
    return str(v4[0]) if v4 else "127.0.0.1"


def host_addresses() -> list[str]:
    """This host's interface addresses (iproute2's ``ip -j addr``), loopback included; link-local
    ones are left out (Asterisk offers none)."""
    ip = shutil.which("ip")
    if not ip:
        log.warning("ip (iproute2) not found: TURN relays to 127.0.0.1 only; set softphone_turn_peers")
        return []
    try:
        out = subprocess.run([ip, "-j", "addr", "show"], capture_output=True, text=True, timeout=10, check=True)
        links = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("cannot list this host's addresses (%s): TURN relays to 127.0.0.1 only", exc)
        return []
    return [a["local"] for link in links for a in link.get("addr_info", [])
            if a.get("local") and a.get("scope") in ("global", "host")]


def config_text(s: Settings, pid_file: Path, log_file: Path) -> str:
    allowed = peers(s)
    for peer in allowed:
        try:
            ipaddress.ip_address(peer.split("-")[0])
        except ValueError:
            raise TurnError(f"softphone_turn_peers: {peer!r} is not an IP address (or a range a-b)") from None
    loopback = any(ipaddress.ip_address(p.split("-")[0]).is_loopback for p in allowed)
    lines = [
        f"listening-ip={s.softphone_turn_bind}", f"listening-port={s.softphone_turn_port}",
        f"relay-ip={relay_address(s)}",
        f"min-port={s.softphone_turn_min_port}", f"max-port={s.softphone_turn_max_port}",
        "use-auth-secret", f"static-auth-secret={s.secret(SECRET)}", f"realm={s.softphone_turn_realm}",
        "fingerprint", "no-cli", "no-tls", "no-dtls", "no-multicast-peers", "no-software-attribute",
        "no-rfc5780", "no-stun-backward-compatibility",
        f"pidfile={pid_file}", f"log-file={log_file}", "simple-log", "no-stdout-log",
        f"userdb={pid_file.parent / 'turndb'}",  # its own (unused) database, not /var/lib/turn's
        # deny every peer, then allow Asterisk's addresses (an allowed address wins over a denied one)
        "denied-peer-ip=0.0.0.0-255.255.255.255", "denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        *(f"allowed-peer-ip={p}" for p in allowed),
    ]
    if loopback:  # Asterisk on this host's loopback (one-machine set-ups, the tests)
        lines.append("allow-loopback-peers")
    if s.softphone_external_address:  # behind NAT: the relay address browsers are told
        lines.append(f"external-ip={s.softphone_external_address}")
    return "\n".join(lines) + "\n"


class TurnServer:
    """coturn as a child process, configured from the settings; ``start()`` waits until it answers."""

    def __init__(self, s: Settings):
        self.settings = s
        self.dir = s.runtime_dir / "turn"
        self.conf = self.dir / "turnserver.conf"
        self.log_file = s.log_dir / "turn.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def render(self) -> Path:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.settings.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = config_text(self.settings, self.dir / "turnserver.pid", self.log_file)
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the secret: private from byte one
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return self.conf

    def start(self, timeout_s: float = 15.0) -> TurnServer:
        binary = shutil.which("turnserver")
        if not binary:
            raise TurnError("turnserver not found: install Debian's coturn (scripts/setup.sh does)")
        conf = self.render()
        out = open(self.dir / "console.log", "ab")
        self.proc = subprocess.Popen([binary, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_parent, close_fds=True)
        out.close()
        deadline = time.monotonic() + timeout_s
        try:
            while not self.answers():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise TurnError(f"coturn did not start on {self.settings.softphone_turn_bind}:"
                                    f"{self.settings.softphone_turn_port}\n{self.log_tail()}")
                time.sleep(0.1)
        except BaseException:  # Ctrl-C during the start too: no coturn is left behind
            self.stop()
            raise
        log.info("coturn up on %s:%s", self.settings.softphone_turn_bind, self.settings.softphone_turn_port)
        return self

    def answers(self) -> bool:
        host = self.settings.softphone_turn_bind
        return tcp_accepts("127.0.0.1" if host in ("0.0.0.0", "::") else host, self.settings.softphone_turn_port)

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for f in (self.log_file, self.dir / "console.log"):
            if f.exists():
                out += f.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out) or "(coturn wrote no log)"

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> TurnServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
