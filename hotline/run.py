"""``hotline run``: the whole hotline on one machine — Asterisk, listener, IVR, panel, scheduler —
with demo traffic, until Ctrl-C (or SIGTERM), the only things that stop it all.

Before anything starts every port is checked; "hotline is running" is printed once every service
answers; a start that fails stops what was started and exits non-zero. Then the services are
supervised (hotline/supervisor.py): one that dies is restarted with back-off, and neither
Asterisk nor the calls in progress notice."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from hotline import demo
from hotline.db import open_db
from hotline.notifications import demo_gateway
from hotline.notifications.demo_gateway import DemoGateway
from hotline.pbx.process import Asterisk, AsteriskError
from hotline.pbx.ring_rule_sync import RingRuleSync
from hotline.service_settings import in_force
from hotline.settings import ROOT, Settings
from hotline.supervisor import Service, Supervisor, hotline_argv, http_answers, tcp_accepts

# every port a run binds: (setting, what listens, host setting, udp)
PORTS = [
    ("web_port", "panel", "web_host", False),
    ("ami_port", "AMI", "ami_host", False),
    ("sip_port", "SIP", "ami_host", True),  # the private Asterisk binds SIP on the AMI's loopback
    ("agi_port", "FastAGI", "agi_host", False),
]
# with softphone_turn: coturn (hotline.pbx.turn) listens on UDP and TCP
TURN_PORTS = [("softphone_turn_port", "TURN", "softphone_turn_bind", udp) for udp in (True, False)]
# with agent_softphone: Asterisk's HTTP server (ws://, the softphones' SIP), and https/wss with softphone_tls
SOFTPHONE_PORTS = [("softphone_http_port", "softphone WebSocket", "softphone_bind", False)]
SOFTPHONE_TLS_PORTS = [("softphone_https_port", "softphone secure WebSocket", "softphone_bind", False)]


def _ports(s: Settings) -> list[tuple[str, str, str, bool]]:
    """Every port this run binds, with its settings."""
    return [*PORTS, *(TURN_PORTS if s.softphone_turn else []), *(SOFTPHONE_PORTS if s.agent_softphone else []),
            *(SOFTPHONE_TLS_PORTS if s.agent_softphone and s.softphone_tls else [])]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the whole hotline (Asterisk, listener, IVR, panel, scheduler) "
                       "with demo traffic")
    p.add_argument("--no-demo", action="store_true", help="no demo calls and no demo logins")
    p.add_argument("--demo-calls", type=int, default=40,
                   help="how many simulated calls the demo makes, 4 at a time (40: about 10 minutes)")
    p.set_defaults(func=_run)


def services(s: Settings) -> list[Service]:
    """One process per app, each with what proves it answers. Each refuses a schema `hotline db
    upgrade` has not brought up to date, which is why the upgrade runs first."""
    return [
        Service("listener", hotline_argv("listener", "listen"), lambda _s, logged: "AMI connected" in logged),
        Service("ivr", hotline_argv("ivr", "serve"), lambda s_, _l: tcp_accepts(s_.agi_host, s_.agi_port)),
        Service("panel", hotline_argv("web", "serve"),
                lambda s_, _l: http_answers(f"http://{s_.web_host}:{s_.web_port}/login")),
        Service("scheduler", hotline_argv("scheduler", "run"), lambda _s, logged: "scheduler pass:" in logged),
    ] + ([Service("turn", hotline_argv("pbx", "turn"), lambda _s, logged: "coturn up" in logged)]
         if s.softphone_turn else [])  # the softphones' TURN server (hotline.pbx.turn)


def ports_taken(s: Settings) -> list[str]:
    """What stops a run before it starts anything: each taken port, and the setting to change."""
    problems = []
    for key, what, host_key, udp in _ports(s):
        host, port = str(getattr(s, host_key)), int(getattr(s, key))
        err = _bind_error(host, port, udp)
        if err is None:
            continue
        hint = f"HOTLINE_{key.upper()}={_free_port(host, udp)}" if err.errno == errno.EADDRINUSE else \
            f"HOTLINE_{host_key.upper()}=<an address of this host>"
        problems.append(f"{what} port {host}:{port}/{'udp' if udp else 'tcp'} cannot be used ({err.strerror}): "
                        f"stop what holds it or set {hint}")
    return problems


def _bind_error(host: str, port: int, udp: bool) -> OSError | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        if not udp:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        sock.bind((host, port))
        return None
    except OSError as exc:
        return exc
    finally:
        sock.close()


def _free_port(host: str, udp: bool) -> int:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])
    except OSError:
        return 0


def private_dirs(s: Settings) -> None:
    """0700 runtime directories (the umask, set in hotline.cli, makes new files 0600); files an
    older run left readable are closed too."""
    for d in (s.runtime_dir, s.log_dir, s.secrets_dir):
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        d.chmod(0o700)
    old = [*s.log_dir.iterdir(), *s.secrets_dir.iterdir(), *(p for p in s.runtime_dir.glob("hotline.db*"))]
    for f in (p for p in old if p.is_file() and not p.is_symlink()):
        f.chmod(f.stat().st_mode & 0o700)


def _run(s: Settings, args: argparse.Namespace) -> int:
    problems = ports_taken(s)
    if problems:
        for line in problems:
            print(f"hotline: {line}", file=sys.stderr)
        print("hotline: nothing was started", file=sys.stderr)
        return 1
    # SIGTERM stops the run the way Ctrl-C does, wherever it is (start-up included)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    private_dirs(s)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    s, hours = (s, None) if args.no_demo else demo_hours(s, env)
    s, phone = (s, None) if args.no_demo else demo_supervisor_phone(s, env)
    s, gateway, sms = (s, None, None) if args.no_demo else demo_sms(s, env)
    try:
        for step in (("prompts", "build"), ("db", "upgrade")):
            if subprocess.run(hotline_argv(*step), env=env, cwd=ROOT).returncode != 0:
                print(f"hotline: `hotline {' '.join(step)}` failed: nothing else was started", file=sys.stderr)
                return 1
        logins = [] if args.no_demo else demo_logins(s, env) + demo_field(s) + [ln for ln in (hours, phone, sms) if ln]
        ast = Asterisk(in_force(s)).start()  # the dialplan with the ring rule in force (the panel's)
    except AsteriskError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    sup = Supervisor(s, env, lambda text: print(text, flush=True))
    code = 0
    try:
        code = _serve(s, args, sup, ast, logins, gateway)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not leave a half-stopped hotline
            signal.signal(sig, signal.SIG_IGN)
        print("\nstopping…", flush=True)
        sup.stop_all()
        ast.stop()
        print("stopped: Asterisk and every service are down", flush=True)
    return code


def _serve(s: Settings, args: argparse.Namespace, sup: Supervisor, ast: Asterisk, logins: list[str],
           gateway: DemoGateway | None) -> int:
    """Start, wait until all answer, then supervise until interrupted; 1 when the start failed."""
    problems = []
    if gateway is not None:  # smsbox and the phones connect to a bearerbox that answers, or exit
        sup.start(gateway.bearerbox())
        problems = sup.wait_up(s.run_ready_timeout_s)
        for svc in [] if problems else gateway.boxes():
            sup.start(svc)
    for svc in [] if problems else services(s):
        sup.start(svc)
    problems = problems or sup.wait_up(s.run_ready_timeout_s)
    if problems:
        for line in problems:
            print(f"hotline: {line}", file=sys.stderr)
        print("hotline: start failed", file=sys.stderr)
        return 1
    if not args.no_demo:
        desks = demo_desks(s)
        sup.start(Service("demo", hotline_argv("listener", "simulate", "--calls", str(args.demo_calls),
                                               "--concurrency", "4"), restart=False))
    _print_where(s, ast, [svc.name for svc in sup.services if svc.restart])
    if not args.no_demo:
        print(f"  demo       {args.demo_calls} simulated calls, 4 at a time, then none (`hotline listener simulate`, "
              f"log demo.log); more: `.venv/bin/hotline run --demo-calls N` instead of `make run`, or "
              f"`.venv/bin/hotline listener simulate --calls N` beside it", flush=True)
        print(f"  desks      {desks}", flush=True)
    for line in logins:
        print(line, flush=True)
    keeper = AsteriskKeeper(s, ast)
    engine, sessions = open_db(s)
    sync = RingRuleSync(s, sessions, ast)  # the panel's ring rule → the dialplan's apology threshold
    try:
        while True:
            time.sleep(0.5)
            sup.check()
            keeper.check(sup.say)
            _sync_ring_rule(sync, sup.say)
    finally:
        engine.dispose()


def _sync_ring_rule(sync: RingRuleSync, say: Callable[[str], None]) -> None:
    try:
        if sync.check():
            say(f"hotline: ring rule changed in the panel: dialplan apology threshold now {sync.applied:g} s, reloaded")
    except Exception as exc:  # tried again on the next round; the calls go on meanwhile
        say(f"hotline: reloading the dialplan for the new ring rule failed: {exc}")


class AsteriskKeeper:
    """Asterisk dying is not a reason to stop either: it is started again with back-off."""

    def __init__(self, s: Settings, ast: Asterisk) -> None:
        self.s, self.ast = s, ast
        self.backoff_s, self.retry_at = 1.0, 0.0

    def check(self, say: Callable[[str], None]) -> None:
        proc = self.ast.proc
        if proc is None or proc.poll() is None or time.monotonic() < self.retry_at:
            return
        say(f"hotline: Asterisk exited with status {proc.returncode}; starting it again")
        try:
            self.ast.stop()
            self.ast.start()
            self.backoff_s = 1.0
            say(f"hotline: Asterisk started again in {self.ast.start_seconds or 0:.2f} s")
        except AsteriskError as exc:
            say(f"hotline: Asterisk did not start ({str(exc).splitlines()[0]}); next try in {self.backoff_s:g} s")
            self.retry_at = time.monotonic() + self.backoff_s
            self.backoff_s = min(self.backoff_s * 2, max(self.s.run_restart_backoff_max_s, 1.0))


# admin: the only role that reaches the operator's prompts (/prompts) and the service settings
# (/admin/settings) — without it a newcomer cannot try either
# technician: the demo's work orders are dispatched to it (hotline.demo); its page is /field
DEMO_USERS = [("supervisor", "supervisor", None), ("inspector", "inspector", None), ("agent8001", "agent", "8001"),
              ("admin", "admin", None), (demo.TECHNICIAN, "technician", None)]


def demo_logins(s: Settings, env: dict[str, str]) -> list[str]:
    """Panel users for a first look, created whenever they are missing (a deleted database loses
    them; the passwords file alone lets nobody in). A password is generated by `hotline user add`
    itself (never on a command line), printed once, at creation, and kept in
    runtime_dir/secrets/demo_users (0600)."""
    path = s.secrets_dir / "demo_users"
    kept = {ln.split(" ", 1)[0]: ln for ln in (path.read_text().splitlines() if path.exists() else []) if ln.strip()}
    have = _existing_users(s, [name for name, _, _ in DEMO_USERS])
    lines = []
    for name, role, agent in DEMO_USERS:
        if name in have:
            where = f"kept in {path}" if name in kept else "not kept here: `hotline user` made it"
            lines.append(f"  login      {name} ({role}; password shown when it was made, {where})")
            continue
        cmd = hotline_argv("user", "add", name, "--role", role, *(["--agent", agent] if agent else []))
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        password = next((ln.split(":", 1)[1].strip() for ln in done.stdout.splitlines()
                         if ln.startswith("password:")), "")
        if done.returncode != 0 or not password:
            lines.append(f"  login      {name}: not created ({done.stderr.strip() or done.stdout.strip()})")
            continue
        kept[name] = f"{name} {role} {password}"
        lines.append(f"  login      {name} / {password}  ({role}; shown once, kept in {path})")
    s.secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(line + "\n" for line in kept.values()))
    return lines


def demo_hours(s: Settings, env: dict[str, str]) -> tuple[Settings, str | None]:
    """The demo's agents answer around the clock (R-ANS-HOURS set to 00:00–00:00) unless the
    operator set the service hours (config file or environment): out of the default 08:00–22:00 —
    China's night, a European afternoon — the IVR sends every demo caller to the after-hours path
    and no desk would ever ring. ``env`` (the services') gets the same; returns the settings and
    the start-up line that says so."""
    default = Settings()
    if (s.hours_open, s.hours_close) != (default.hours_open, default.hours_close):
        return s, None
    env.update(HOTLINE_HOURS_OPEN="00:00", HOTLINE_HOURS_CLOSE="00:00")
    return (s.replace(hours_open="00:00", hours_close="00:00"),
            f"  hours      demo: agents answer around the clock (the service hours {default.hours_open}–"
            f"{default.hours_close}, R-ANS-HOURS, apply with --no-demo or once hours_open / hours_close are set)")


# [desk-sim-supervisor] (asterisk/extensions.conf): answers at once and stays 30 s
DEMO_SUPERVISOR_PHONE = "Local/s@desk-sim-supervisor"


def demo_supervisor_phone(s: Settings, env: dict[str, str]) -> tuple[Settings, str | None]:
    """The demo's 监听 / 耳语 / 强插 ring a simulated supervisor phone unless the operator named one
    (``desk_supervisor_endpoint``): the demo's supervisor has no extension, so the wallboard's
    monitoring buttons could otherwise only answer that there is no phone to ring. ``env`` (the
    services') gets the same; returns the settings and the start-up line that says so."""
    if s.desk_supervisor_endpoint:
        return s, None
    env["HOTLINE_DESK_SUPERVISOR_ENDPOINT"] = DEMO_SUPERVISOR_PHONE
    return (s.replace(desk_supervisor_endpoint=DEMO_SUPERVISOR_PHONE),
            f"  monitor    demo: 监听 / 耳语 / 强插 on the wallboard ring a simulated supervisor phone "
            f"({DEMO_SUPERVISOR_PHONE}: it answers and stays 30 s); a supervisor's extension or "
            f"desk_supervisor_endpoint rings a real one")


def demo_sms(s: Settings, env: dict[str, str]) -> tuple[Settings, DemoGateway | None, str | None]:
    """The demo's SMS go through a private Kannel whose phones are fakesmsc
    (``hotline.notifications.demo_gateway``) unless the operator named a gateway; without Kannel
    installed they stay queued (``sms_provider = none``), said once here rather than as a retry
    error on every message. ``env`` (the services') gets the same; returns the settings, the
    gateway to start and the start-up line."""
    default = Settings()
    if (s.sms_provider, s.kannel_sendsms_url) != (default.sms_provider, default.kannel_sendsms_url):
        return s, None, None
    absent = demo_gateway.missing()
    if absent:
        env["HOTLINE_SMS_PROVIDER"] = "none"
        return (s.replace(sms_provider="none"), None,
                f"  sms        no SMS gateway: Kannel is not installed ({', '.join(absent)}; scripts/setup.sh "
                f"installs it), so the demo's SMS stay queued in the outbox (/field/outbox)")
    gateway = DemoGateway.for_run(s)
    overrides = gateway.settings_env(s)
    env.update(overrides)
    s = s.replace(sms_provider="kannel", kannel_sendsms_url=gateway.sendsms_url, kannel_smsc_id=demo_gateway.SMSC_ID,
                  sms_dlr_url=overrides["HOTLINE_SMS_DLR_URL"])
    gateway.write_config(s)
    return (s, gateway, f"  sms        demo: a private Kannel ({gateway.conf}) sends the SMS; fakesmsc plays the "
                        f"phones (what they got: {s.log_dir / 'sms-phones.log'})")


def demo_field(s: Settings) -> list[str]:
    """The demo's fault reporters (customers) and its technician, made whenever missing
    (``hotline.demo``); the start-up line says who gets the work orders."""
    from hotline.timeutil import utcnow

    engine, sessions = open_db(s)
    try:
        with sessions() as db:
            demo.seed(db, in_force(s), utcnow())
            db.commit()
    except Exception as exc:  # the demo goes on without work orders; the reason is said
        return [f"  field      no demo technician ({exc})"]
    finally:
        engine.dispose()
    return [f"  field      every 4th demo caller reports a fault by keypad, each customer a different fault "
            f"({', '.join(r.number for r in demo.FAULT_REPORTERS)}): its work order goes to {demo.TECHNICIAN} "
            f"({', '.join(demo.districts(in_force(s)))}), whose page is /field"]


def demo_desks(s: Settings) -> str:
    """The demo's agents at their desks: each one logged out is logged in (示闲), so the demo calls
    ring a desk that shows them (the private Asterisk's agents are static queue members: they ring
    whatever the desk says). What it did, for the start-up lines."""
    from hotline.db import open_db
    from hotline.desk import presence
    from hotline.pbx.ami import Ami, AmiError, AmiRole

    engine, sessions = open_db(s)
    done: list[str] = []
    try:
        with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
            for agent in s.agents:
                if presence.current(db, s, agent).state == presence.P.LOGGED_OUT:
                    result = presence.set_state(s, db, agent, presence.P.AVAILABLE, by="demo", ami=ami)
                    done.append(agent if result.ok else f"{agent} (not logged in: {result.message})")
    except AmiError as exc:
        return f"not logged in ({exc})"
    finally:
        engine.dispose()
    return f"{', '.join(done)} logged in (示闲)" if done else "as they were left (log in at /desk)"


def _existing_users(s: Settings, names: list[str]) -> set[str]:
    from sqlalchemy import select

    from hotline.db import open_db
    from hotline.models import User

    engine, sessions = open_db(s)
    try:
        with sessions() as db:
            return set(db.scalars(select(User.username).where(User.username.in_(names))))
    finally:
        engine.dispose()


def _print_where(s: Settings, ast: Asterisk, running: list[str]) -> None:
    lines = [
        "hotline is running (Ctrl-C stops everything)",
        f"  panel      http://{s.web_host}:{s.web_port}/",
        f"  AMI        {s.ami_host}:{s.ami_port} user {s.ami_user} (secret in {s.secrets_dir / 'ami_secret'})",
        f"  SIP        udp 127.0.0.1:{s.sip_port}; hotline number {s.hotline_number}",
        f"  FastAGI    {s.agi_host}:{s.agi_port}",
        f"  database   {s.db_url}",
        f"  asterisk   {ast.layout.base} (started in {ast.start_seconds or 0:.2f} s); "
        "CLI: .venv/bin/hotline pbx cli core show channels",
        f"  logs       {s.log_dir}/*.log, {ast.layout.messages}, {ast.layout.queue_log}",
        f"  services   {', '.join(running)} (one that dies is restarted)",
    ]
    print("\n".join(lines), flush=True)
