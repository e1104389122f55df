"""``hotline pbx render|start|cli``: the private Asterisk on its own (``hotline run`` starts it
with everything else)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from hotline.pbx.config import render
from hotline.pbx.process import Asterisk, AsteriskError
from hotline.pbx.turn import TurnError, TurnServer
from hotline.service_settings import in_force
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pbx", help="the private Asterisk: render its config, start it, talk to it")
    psub = p.add_subparsers(dest="pbx_command", metavar="ACTION", required=True)
    render_cmd = psub.add_parser("render", help="write the Asterisk configuration into the runtime directory")
    render_cmd.set_defaults(func=_render)
    psub.add_parser("start", help="start Asterisk alone and keep it up until Ctrl-C").set_defaults(func=_start)
    psub.add_parser("turn", help="run the softphones' TURN server (coturn, softphone_turn) until Ctrl-C"
                    ).set_defaults(func=_turn)
    cli = psub.add_parser("cli", help="run an Asterisk CLI command")
    cli.add_argument("line", nargs="+")
    cli.set_defaults(func=_cli)


def _render(s: Settings, args: argparse.Namespace) -> int:
    layout = render(in_force(s))  # the ring rule in force (R-ANS-4RINGS apology threshold), the panel's if set
    print(f"rendered into {layout.etc}")
    return 0


def _start(s: Settings, args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with Asterisk(s) as ast:
            print(f"asterisk up in {ast.start_seconds:.2f} s: AMI {s.ami_host}:{s.ami_port}, "
                  f"SIP udp {s.sip_port}, logs {ast.layout.log}", flush=True)
            try:
                while not stop.wait(1) and ast.running:
                    pass
            except KeyboardInterrupt:
                pass
    except AsteriskError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    return 0


def _turn(s: Settings, args: argparse.Namespace) -> int:
    """coturn from the rendered configuration (hotline run supervises this as its "turn" service)."""
    if not s.softphone_turn:
        print("hotline: softphone_turn is off: no TURN server to run", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with TurnServer(s) as turn:
            print(f"coturn up on {s.softphone_turn_bind}:{s.softphone_turn_port} (udp, tcp), "
                  f"config {turn.conf}, log {turn.log_file}", flush=True)
            while not stop.wait(1) and turn.running:
                pass
            if not turn.running:
                print(f"hotline: coturn exited\n{turn.log_tail()}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:  # Ctrl-C, or hotline run stopping its services: coturn is stopped
        return 0
    except TurnError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    return 0


def _cli(s: Settings, args: argparse.Namespace) -> int:
    print(Asterisk(s).cli(" ".join(args.line)), end="")
    return 0
