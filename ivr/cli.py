"""``hotline ivr serve``: the IVR flows over FastAGI on settings.agi_host:agi_port."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from hotline import service_memory
from hotline.prompt_catalogue import missing_prompts
from hotline.settings import Settings
from ivr.app import build
from ivr.flow import PROMPTS_USED

log = logging.getLogger("ivr")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ivr", help="the IVR (FastAGI) the dialplan calls")
    isub = p.add_subparsers(dest="ivr_command", metavar="ACTION", required=True)
    isub.add_parser("serve", help="serve the IVR flows until stopped").set_defaults(func=_serve)


def _serve(s: Settings, args: argparse.Namespace) -> int:
    service_memory.start("ivr", s)  # before any thread: the arena cap counts only then (#17)
    missing = missing_prompts(s, PROMPTS_USED)
    if missing:
        # still serve: a caller hears silence for those, and the dialplan queues them anyway
        log.warning("prompts missing from %s (run `hotline prompts build`): %s", s.sounds_dir, ", ".join(missing))
    return asyncio.run(_main(s))


async def _main(s: Settings) -> int:
    app = build(s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.server.start()
    print(f"hotline ivr: FastAGI on {s.agi_host}:{s.agi_port}", flush=True)
    await stop.wait()
    await app.server.close()  # ends the sessions, then waits for their pending writes
    app.store.close()
    return 0
