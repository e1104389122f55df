"""``hotline doctor``: what must hold for the hotline to work on this machine and its Asterisk,
checked one by one, one line each (OK / FAIL and what to do), exit status 1 on any failure. The
first thing to run when connecting an existing Asterisk, and after every change of the settings.

The AMI checks log in as each role (hotline/pbx/ami.py AmiRole) and ask Asterisk what that user may
send (``ListCommands`` lists only the actions a user's ``write`` allows): the listener must not be
able to Originate, the originate user must. Then the originate user sends an Originate that cannot
ring anything (a channel driver no Asterisk has: no channel is made) and the listener must see the
``OriginateResponse`` event it causes — with a ``Timestamp`` header (``timestampevents = yes``: the
builder times every ring from them, ASTERISK-NOTES). The listener's ``read`` classes and
``eventfilter`` lines, which AMI does not tell, are read from manager.conf (hotline.doctor_manager)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hotline.asterisk_logs import cel_path, log_problem, queue_log_path
from hotline.db import SchemaError, check_schema, settings_engine
from hotline.doctor_manager import (
    NEEDED_EVENTS,
    NEEDED_READ,
    conf_lines,
    hidden_events,
    manager_conf,
    manager_user,
    missing_read,
)
from hotline.pbx.ami import AmiRole, ami_login
from hotline.pbx.config import AMI_PERMISSIONS
from hotline.rules import internal_numbers
from hotline.settings import Settings, SettingsError
from hotline.supervisor import http_answers, tcp_accepts

# what the desk role sends (hotline/desk/, scheduler/daemon.py)
DESK_ACTIONS = ("QueueAdd", "QueueRemove", "QueuePause", "Redirect", "Setvar", "Getvar", "BlindTransfer", "Atxfer",
                "Hangup", "CoreShowChannels", "QueueStatus", "Originate")
# no channel driver has this name: the probe Originate fails before any channel is made, so it leaves
# no Newchannel / CEL behind (a Local channel into a missing context did: every doctor run was
# recorded as a failed call, live or backfilled) and still brings its OriginateResponse
PROBE_CHANNEL = "HotlineDoctorProbe/none"


class LoginRefused(RuntimeError):
    """Asterisk answered the Login with an error (wrong user or secret, or this host not permitted)."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: could not be checked here (not a failure; the line says what to look at)
    detail: str

    def line(self) -> str:
        word = {True: "OK  ", False: "FAIL", None: "SKIP"}[self.ok]
        return f"{word} {self.name}: {self.detail}"


class AmiSession:
    """A raw AMI connection (the doctor reads every frame, headers as sent)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.banner = self._read_until(b"\r\n").decode(errors="replace").strip()
        self._seq = 0

    def _read_until(self, sep: bytes) -> bytes:
        deadline = time.monotonic() + self.timeout
        while sep not in self.buf:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("AMI closed the connection")
            self.buf += chunk
        frame, self.buf = self.buf.split(sep, 1)
        return frame

    def frame(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for line in self._read_until(b"\r\n\r\n").decode(errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers.setdefault(key.strip(), value.strip())
        return headers

    def frames(self, seconds: float) -> Iterator[dict[str, str]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                yield self.frame()
            except TimeoutError:
                return

    def action(self, name: str, **fields: str) -> dict[str, str]:
        """Send an action and return its Response frame (events meanwhile are skipped)."""
        self._seq += 1
        action_id = f"doctor-{self._seq}"
        text = "".join(f"{k}: {v}\r\n" for k, v in {"Action": name, "ActionID": action_id, **fields}.items())
        self.sock.sendall(text.encode() + b"\r\n")
        for f in self.frames(self.timeout):
            if f.get("ActionID") == action_id and "Response" in f:
                return f
        raise TimeoutError(f"no answer to {name} within {self.timeout} s")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _login(s: Settings, role: AmiRole) -> AmiSession:
    user, secret = ami_login(s, role)
    session = AmiSession(s.ami_host, s.ami_port, s.doctor_timeout_s)
    answer = session.action("Login", Username=user, Secret=secret, Events="on")
    if answer.get("Response") != "Success":
        session.close()
        raise LoginRefused(f"AMI user {user!r} refused: {answer.get('Message', 'login failed')}")
    return session


def check_settings(s: Settings) -> Check:
    try:
        ZoneInfo(s.timezone)
    except (KeyError, ValueError) as exc:
        return Check("settings", False, f"timezone {s.timezone!r} is unknown ({exc}): set an IANA zone")
    if not s.agents:
        return Check("settings", False, "no agents: set agents = [\"8001\", …]")
    try:
        internal_numbers(s)
    except SettingsError as exc:
        return Check("settings", False, str(exc))
    return Check("settings", True, f"runtime_dir {s.runtime_dir}, database {_safe_url(s.db_url)}, "
                                   f"{len(s.agents)} agents, zone {s.timezone}")


def _safe_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def check_schema_version(s: Settings) -> Check:
    try:
        engine = settings_engine(s)
        try:
            check_schema(engine)
        finally:
            engine.dispose()
    except SchemaError as exc:
        return Check("database schema", False, str(exc))
    except Exception as exc:
        return Check("database schema", False, f"cannot open {_safe_url(s.db_url)}: {exc}")
    return Check("database schema", True, "current")


def check_disk(s: Settings) -> Check:
    where = s.runtime_dir if s.runtime_dir.exists() else s.runtime_dir.parent
    free_mb = shutil.disk_usage(where).free // (1024 * 1024)
    if free_mb < s.doctor_min_free_mb:
        return Check("disk space", False, f"{free_mb} MB free under {where}, below doctor_min_free_mb = "
                                          f"{s.doctor_min_free_mb}: free space (recordings, logs) or move runtime_dir")
    return Check("disk space", True, f"{free_mb} MB free under {where}")


def check_ami_reachable(s: Settings) -> Check:
    try:
        session = AmiSession(s.ami_host, s.ami_port, s.doctor_timeout_s)
    except OSError as exc:
        return Check("AMI reachable", False, f"{s.ami_host}:{s.ami_port}: {exc}: start Asterisk (hotline pbx start, or "
                                             "the system's), or set ami_host / ami_port to its manager.conf")
    session.close()
    if "Asterisk Call Manager" not in session.banner:
        return Check("AMI reachable", False, f"{s.ami_host}:{s.ami_port} answers {session.banner!r}, "
                                             "not Asterisk's AMI: check ami_port")
    return Check("AMI reachable", True, f"{s.ami_host}:{s.ami_port} ({session.banner})")


def _actions(session: AmiSession) -> set[str]:
    """The actions this user may send: ListCommands answers one header per allowed action."""
    answer = session.action("ListCommands")
    return {k.lower() for k in answer if k not in ("Response", "ActionID", "Message")}


def check_role(s: Settings, role: AmiRole) -> Check:
    """A role's login, and what it may send: the listener must not Originate nor run CLI
    commands; the originate user must Originate; the desk must send every desk action; the admin
    needs CLI commands only for the private Asterisk (SKIP without them)."""
    try:
        user = ami_login(s, role).user
    except (SettingsError, OSError) as exc:  # its secret cannot be read (runtime_dir/secrets)
        return Check(f"AMI {role.value} user", False, f"no secret: {exc}")
    name = f"AMI {role.value} user {user!r}"
    try:
        session = _login(s, role)
    except LoginRefused as exc:
        return Check(name, False, f"{exc}: give manager.conf's [{user}] the secret of ami_{role.value}_secret "
                                  "(or ami_secret), and permit this host")
    except OSError as exc:
        return Check(name, False, f"cannot log in: {exc}")
    try:
        allowed = _actions(session)
    finally:
        session.close()
    forbidden = sorted(a.title() for a in {"originate", "command"} & allowed)
    if role is AmiRole.LISTENER and forbidden:
        return Check(name, False, f"may send {', '.join(forbidden)}: the listener reads only; "
                                  f"set write = reporting in manager.conf's [{user}]")
    if role is AmiRole.ORIGINATE and "originate" not in allowed:
        return Check(name, False, f"may not Originate (callbacks, click-to-call): add originate to write in [{user}]")
    lacking = [a for a in DESK_ACTIONS if a.lower() not in allowed]
    if role is AmiRole.DESK and lacking:
        write = ",".join(sorted(AMI_PERMISSIONS[role][1]))
        return Check(name, False, f"may not send {', '.join(lacking)} (the agent desk; the scheduler puts agents "
                                  f"back on the queue): set write = {write} in [{user}]")
    if role is AmiRole.ADMIN and "command" not in allowed:
        return Check(name, None, "may not run CLI commands: only the private Asterisk needs that (hotline run, hotline "
                                 "pbx); an existing Asterisk needs no admin user")
    return Check(name, True, f"logs in; may send {len(allowed)} actions"
                             + ("" if role is not AmiRole.LISTENER else ", not Originate"))


def check_events(s: Settings) -> Check:
    """The listener sees an event caused by a harmless Originate, with a Timestamp header."""
    name = "AMI events and timestampevents"
    try:
        listener = _login(s, AmiRole.LISTENER)
    except (OSError, LoginRefused, SettingsError) as exc:
        return Check(name, False, f"listener cannot log in: {exc}")
    try:
        try:
            originate = _login(s, AmiRole.ORIGINATE)
        except (OSError, LoginRefused, SettingsError) as exc:
            return Check(name, False, f"originate user cannot log in to cause an event: {exc}")
        try:
            answer = originate.action("Originate", Channel=PROBE_CHANNEL, Application="Wait",
                                      Data="0", Async="true", Timeout="1000")
        finally:
            originate.close()
        if answer.get("Response") != "Success":
            return Check(name, False, f"the probe Originate was refused: {answer.get('Message')}")
        for f in listener.frames(s.doctor_timeout_s):
            if f.get("Event") == "OriginateResponse":
                if "Timestamp" not in f:
                    return Check(name, False, "events come without a Timestamp header: set timestampevents = yes "
                                              "in manager.conf's [general] and reload the manager")
                return Check(name, True, f"the listener receives events (OriginateResponse, "
                                         f"Timestamp {f['Timestamp']})")
    except OSError as exc:
        return Check(name, False, f"AMI connection failed: {exc}")
    finally:
        listener.close()
    return Check(name, False, f"the listener saw no OriginateResponse within {s.doctor_timeout_s:g} s: give its "
                              f"manager.conf user read = {','.join(NEEDED_READ)}")


def check_listener_conf(s: Settings) -> Iterator[Check]:
    """The listener user's ``read`` classes and ``eventfilter`` lines in manager.conf: two lines."""
    names = ("AMI read permissions", "AMI event filters")
    path = manager_conf(s)
    try:
        user = ami_login(s, AmiRole.LISTENER).user
    except (SettingsError, OSError):  # the role check says why; the user name is still the setting
        user = s.ami_listener_user
    try:
        conf = manager_user(conf_lines(path), user)
    except OSError as exc:
        verdict = False if s.manager_conf_path else None  # a file named by hand must be there
        for name in names:
            yield Check(name, verdict, f"cannot read {path} ({exc.strerror or exc}): set manager_conf_path to the "
                                       f"manager.conf of the Asterisk at {s.ami_host}:{s.ami_port}")
        return
    if not conf.found:
        yield Check(names[0], None, f"{path} has no [{user}]: not the manager.conf of the Asterisk at "
                                    f"{s.ami_host}:{s.ami_port}? set manager_conf_path to it, or check by hand that "
                                    f"[{user}] has read = {','.join(NEEDED_READ)} and no eventfilter hiding one of "
                                    "hotline.doctor_manager.NEEDED_EVENTS")
        yield Check(names[1], None, f"not checked: {path} has no [{user}] (above)")
        return
    missing = missing_read(conf.read)
    if missing:
        yield Check(names[0], False, f"{path} [{user}] read = {conf.read or '(nothing)'} leaves out "
                                     f"{', '.join(missing)}: the call builder loses those events (queues, agents, "
                                     f"variables); set read = {','.join(NEEDED_READ)}, then manager reload")
    else:
        yield Check(names[0], True, f"{path} [{user}] read = {conf.read}")
    hidden = hidden_events(conf.filters)
    if hidden:
        yield Check(names[1], False, f"{path} [{user}] filters out {', '.join(hidden)}, which the call builder "
                                     "needs: remove or narrow those eventfilter lines, then manager reload")
    else:
        yield Check(names[1], True, f"{len(conf.filters)} filters in {path} [{user}] hide none of the "
                                    f"{len(NEEDED_EVENTS)} events the builder needs")


def check_asterisk_logs(s: Settings) -> Check:
    """The CEL and queue_log the listener backfills an AMI gap from (R-ONE-CALL: a caller who rang
    while the listener was down must still be seen)."""
    name = "Asterisk's CEL and queue_log"
    problem = log_problem(s)
    if problem is None:
        return Check(name, True, f"{cel_path(s)} and {queue_log_path(s)} readable (calls made while the listener "
                                 "is down are backfilled from them)")
    if not (s.cel_csv_path or s.queue_log_path) and (s.asterisk_dir / "etc" / "asterisk.conf").is_file():
        return Check(name, None, f"{problem}: the private Asterisk writes it with its first call")
    return Check(name, False, f"{problem}: calls made while the listener is down would be lost; set cel_csv_path "
                              "(cel_custom.conf with hotline's Master.csv mapping) and queue_log_path to what this "
                              "Asterisk writes")


def check_fastagi(s: Settings) -> Check:
    if tcp_accepts(s.agi_host, s.agi_port):
        return Check("FastAGI", True, f"{s.agi_host}:{s.agi_port} accepts (the IVR answers Asterisk's AGI calls)")
    return Check("FastAGI", False, f"{s.agi_host}:{s.agi_port} does not accept: start the IVR (hotline ivr serve, "
                                   "systemctl start hotline-ivr), and let Asterisk reach it (agi_host, firewall)")


def check_web_port(s: Settings) -> Check:
    where = f"{s.web_host}:{s.web_port}"
    if http_answers(f"http://{where}/login"):
        return Check("panel port", True, f"{where} answers HTTP (the panel runs)")
    try:
        with socket.socket(socket.AF_INET6 if ":" in s.web_host else socket.AF_INET) as sock:
            sock.bind((s.web_host, s.web_port))
    except OSError as exc:
        return Check("panel port", False, f"{where} is held by something that is not the panel ({exc.strerror}): "
                                          "stop it or set web_port")
    return Check("panel port", True, f"{where} is free for hotline web serve")


STUN_COOKIE = 0x2112A442  # RFC 5389's magic cookie


def stun_binding(host: str, port: int, timeout: float = 3.0) -> bool:
    """True when ``host:port`` answers a STUN Binding Request (RFC 5389) over UDP with a success
    response to it — what every browser asks the TURN server first."""
    txid = os.urandom(12)
    request = struct.pack("!HHI", 0x0001, 0, STUN_COOKIE) + txid
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        sock.sendto(request, (host, port))
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = sock.recv(2048)
            except (TimeoutError, ConnectionRefusedError):  # nothing listens: ICMP port unreachable
                return False
            if len(data) >= 20 and data[8:20] == txid:
                kind, _length, cookie = struct.unpack("!HHI", data[:8])
                return kind == 0x0101 and cookie == STUN_COOKIE  # a Binding success response
    return False


def check_turn(s: Settings) -> Check:
    """With ``softphone_turn``: the shared secret exists and is private, and coturn answers STUN."""
    from hotline.pbx.turn import SECRET

    where = f"{s.softphone_turn_bind}:{s.softphone_turn_port}"
    if not s.softphone_turn_secret:
        path = s.secrets_dir / SECRET
        if not path.is_file() or not path.read_text().strip():
            return Check("TURN", False, f"no shared secret {path}: start the TURN server once (hotline pbx turn, "
                                        "hotline run) to generate it, or set softphone_turn_secret")
        if path.stat().st_mode & 0o777 != 0o600:
            return Check("TURN", False, f"shared secret {path} is mode {path.stat().st_mode & 0o777:o}, not 600: "
                                        f"chmod 600 {path}")
    host = "127.0.0.1" if s.softphone_turn_bind in ("0.0.0.0", "::") else s.softphone_turn_bind
    try:
        answered = stun_binding(host, s.softphone_turn_port)
    except OSError as exc:
        return Check("TURN", False, f"{where}: {exc.strerror or exc}: check softphone_turn_bind")
    if not answered:
        return Check("TURN", False, f"{where} does not answer a STUN binding request: start coturn (hotline pbx "
                                    f"turn, or hotline run) and let UDP {s.softphone_turn_port} through")
    return Check("TURN", True, f"{where} answers STUN (coturn runs); its shared secret is private")


def checks(s: Settings) -> Iterator[Check]:
    """Every check in order; the AMI ones only once AMI answers."""
    yield check_settings(s)
    yield check_schema_version(s)
    yield check_disk(s)
    reach = check_ami_reachable(s)
    yield reach
    if reach.ok:
        for role in (AmiRole.LISTENER, AmiRole.ORIGINATE, AmiRole.DESK, AmiRole.ADMIN):
            yield check_role(s, role)
        yield check_events(s)
    yield from check_listener_conf(s)
    yield check_asterisk_logs(s)
    yield check_fastagi(s)
    yield check_web_port(s)
    if s.softphone_turn:
        yield check_turn(s)


def run(s: Settings, out: Callable[[str], None] = print) -> int:
    failed = 0
    for c in checks(s):
        out(c.line())
        failed += c.ok is False
    out(f"{failed} check(s) failed" if failed else "all checks passed")
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check settings, database, AMI users and events, FastAGI, disk, ports; "
                                      "exit status 1 on any failure")
    p.set_defaults(func=lambda s, _args: run(s))
