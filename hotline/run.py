"""``hotline run``: the whole hotline on one machine — Asterisk, listener, IVR, panel — with
demo traffic, until Ctrl-C. Services are child processes of this one; stopping it stops them all."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

from hotline.pbx.process import Asterisk, AsteriskError
from hotline.settings import ROOT, Settings

# (name, command line after `python -m hotline`): one process per app; each refuses to start on
# a schema `hotline db upgrade` has not brought up to date, which is why the upgrade runs first
SERVICES = [
    ("listener", ["listener", "listen"]),
    ("ivr", ["ivr", "serve"]),
    ("panel", ["web", "serve"]),
    ("scheduler", ["scheduler", "run"]),
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the whole hotline (Asterisk, listener, IVR, panel) with demo traffic")
    p.add_argument("--no-demo", action="store_true", help="do not generate demo calls")
    p.add_argument("--demo-calls", type=int, default=40)
    p.set_defaults(func=_run)


def _hotline(*args: str) -> list[str]:
    return [sys.executable, "-m", "hotline", *args]


def _run(s: Settings, args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    s.log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def spawn(name: str, cmd: list[str]) -> None:
        logf = open(s.log_dir / f"{name}.log", "ab")
        children.append((name, subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=ROOT)))
        logf.close()

    subprocess.run(_hotline("prompts", "build"), check=True, env=env, cwd=ROOT)
    subprocess.run(_hotline("db", "upgrade"), check=True, env=env, cwd=ROOT)
    users = _demo_users(s, env)
    try:
        ast = Asterisk(s).start()
    except AsteriskError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    try:
        for name, cmd in SERVICES:
            spawn(name, _hotline(*cmd))
        time.sleep(1.0)
        if not args.no_demo:
            spawn("demo", _hotline("listener", "simulate", "--calls", str(args.demo_calls), "--concurrency", "4"))
        _print_where(s, ast, [n for n, _ in children])
        for name, role, password in users:
            print(f"  login      {name} / {password}  ({role})", flush=True)
        try:
            while not stop.wait(1):
                for name, proc in children:
                    if name != "demo" and proc.poll() is not None:
                        print(f"hotline: {name} exited with status {proc.returncode}; see {s.log_dir / (name + '.log')}",
                              file=sys.stderr)
                        stop.set()
        except KeyboardInterrupt:
            pass
    finally:
        print("\nstopping…", flush=True)
        for _, proc in children:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in children:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        ast.stop()
        print("stopped: Asterisk and every service are down", flush=True)
    return 0


DEMO_USERS = [("supervisor", "supervisor", None), ("inspector", "inspector", None), ("agent8001", "agent", "8001")]


def _demo_users(s: Settings, env: dict[str, str]) -> list[tuple[str, str, str]]:
    """Panel users for a first look, created once; their generated passwords are kept in
    runtime_dir/secrets/demo_users (mode 0600), never in the repo."""
    path = s.secrets_dir / "demo_users"
    if path.exists():
        return [tuple(line.split(" ", 2)) for line in path.read_text().splitlines() if line.count(" ") >= 2]  # type: ignore[misc]
    made = []
    for name, role, agent in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        cmd = _hotline("user", "add", name, "--role", role, "--password", password) + (["--agent", agent] if agent else [])
        if subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True).returncode == 0:
            made.append((name, role, password))
    s.secrets_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{n} {r} {p}\n" for n, r, p in made))
    return made


def _print_where(s: Settings, ast: Asterisk, running: list[str]) -> None:
    lines = [
        "hotline is running (Ctrl-C stops everything)",
        f"  panel      http://{s.web_host}:{s.web_port}/",
        f"  AMI        {s.ami_host}:{s.ami_port} user {s.ami_user} (secret in {s.secrets_dir / 'ami_secret'})",
        f"  SIP        udp 127.0.0.1:{s.sip_port}; hotline number {s.hotline_number}",
        f"  FastAGI    {s.agi_host}:{s.agi_port}",
        f"  database   {s.db_url}",
        f"  asterisk   {ast.layout.base} (started in {ast.start_seconds:.2f} s); CLI: .venv/bin/hotline pbx cli core show channels",
        f"  logs       {s.log_dir}/*.log, {ast.layout.messages}, {ast.layout.queue_log}",
        f"  services   {', '.join(running)}",
    ]
    print("\n".join(lines), flush=True)
