"""``hotline run``: the whole hotline on one machine — Asterisk, listener, IVR, panel — with
demo traffic, until Ctrl-C. Services are child processes of this one; stopping it stops them all."""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time

from hotline.pbx.process import Asterisk, AsteriskError
from hotline.settings import ROOT, Settings

# (name, module that must exist, command line after `python -m hotline`)
SERVICES = [
    ("listener", "ami_listener.cli", ["listen"]),
    ("ivr", "ivr.cli", ["ivr"]),
    ("panel", "web.cli", ["web"]),
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the whole hotline (Asterisk, listener, IVR, panel) with demo traffic")
    p.add_argument("--no-demo", action="store_true", help="do not generate demo calls")
    p.add_argument("--demo-calls", type=int, default=40)
    p.set_defaults(func=_run)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


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

    if _exists("prompts.cli"):
        subprocess.run(_hotline("prompts", "build"), check=True, env=env, cwd=ROOT)
    subprocess.run(_hotline("db", "upgrade"), check=True, env=env, cwd=ROOT)
    try:
        ast = Asterisk(s).start()
    except AsteriskError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    try:
        for name, module, cmd in SERVICES:
            if cmd and _exists(module):
                spawn(name, _hotline(*cmd))
        time.sleep(1.0)
        if not args.no_demo and _exists("ami_listener.simulate"):
            spawn("demo", _hotline("simulate", "--calls", str(args.demo_calls), "--concurrency", "4"))
        _print_where(s, ast, [n for n, _ in children])
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


def _print_where(s: Settings, ast: Asterisk, running: list[str]) -> None:
    lines = [
        "hotline is running (Ctrl-C stops everything)",
        f"  panel      http://{s.web_host}:{s.web_port}/" + ("" if "panel" in running else "  (not built yet)"),
        f"  AMI        {s.ami_host}:{s.ami_port} user {s.ami_user} (secret in {s.secrets_dir / 'ami_secret'})",
        f"  SIP        udp 127.0.0.1:{s.sip_port}; hotline number {s.hotline_number}",
        f"  FastAGI    {s.agi_host}:{s.agi_port}",
        f"  database   {s.db_url}",
        f"  asterisk   {ast.layout.base} (started in {ast.start_seconds:.2f} s); CLI: .venv/bin/hotline pbx cli core show channels",
        f"  logs       {s.log_dir}/*.log, {ast.layout.messages}, {ast.layout.queue_log}",
        f"  services   {', '.join(running) or '(none yet)'}",
    ]
    print("\n".join(lines), flush=True)
