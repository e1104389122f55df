"""Load benchmark for the FastAGI IVR: many concurrent sessions from a load client speaking AGI.

    .venv/bin/python bench/ivr_load.py [--concurrency 200] [--sessions 2000]

The server runs in this process on its own event loop thread, with a real SQLite database; the
load client (ivr.fakepeer) plays Asterisk, answering every command at once, in another thread.
Each session is a whole fault report (about 35 AGI commands, several database writes) or a menu
choice to the queue. Prints concurrency, sessions/s and the AGI command turnaround measured inside
the server (Asterisk's last line read → next command written: how long a channel waits on the IVR).
Target (issue 5): 200 concurrent sessions on 2 cores with p99 under 10 ms. Figures only, no asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.db import open_db
from hotline.settings import load
from ivr.app import build
from ivr.fakepeer import PeerScript, run_peer
from ivr.server import ServerThread
from tests.support.ports import free_port

FAULT = ["1", "1", "12345678", "1", "2", "1"]


async def load_client(host: str, port: int, concurrency: int, total: int, media_s: float) -> tuple[float, int]:
    sem = asyncio.Semaphore(concurrency)
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        script = PeerScript(caller=f"138{i:08d}", linkedid=f"bench.{i}",
                            keys=list(FAULT) if i % 2 == 0 else ["0"], media_s=media_s)
        if i < concurrency:  # callers arrive spread over about one session's length, not all at once
            await asyncio.sleep(random.uniform(0, media_s * 20))
        async with sem:
            res = await run_peer(host, port, script, uniqueid=f"bench.{i}")
        if res.variables.get("HOTLINE_IVR") == "done":
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(total)))
    return time.perf_counter() - t0, done


def _client_process(host: str, port: int, concurrency: int, total: int, media_s: float) -> tuple[float, int]:
    return asyncio.run(load_client(host, port, concurrency, total, media_s))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--media-ms", type=float, default=500.0,
                    help="each prompt / key wait lasts this long (real ones last seconds; 0 = flat out)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        s = load(config_file=None, env={}, runtime_dir=Path(tmp), agi_port=free_port(),
                 database_url=f"sqlite:///{tmp}/bench.db")
        _engine, sessions = open_db(s, upgrade=True)
        clock = lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 local: staffed  # noqa: E731
        holder = {}

        def make():
            holder["app"] = build(s, clock=clock, sessions=sessions)
            return holder["app"].server

        with ServerThread(make) as th, ProcessPoolExecutor(1) as client:
            # the client is another process, as Asterisk is: it does not share the server's GIL
            elapsed, done = client.submit(_client_process, s.agi_host, s.agi_port, a.concurrency,
                                          a.sessions, a.media_ms / 1000).result()
            stats = th.server.stats
            p50, p99 = stats.percentile(50), stats.percentile(99)
            commands = stats.commands
            print(f"IVR FastAGI load ({os.cpu_count()} cpus, SQLite, load client in another process)")
            print(f"  concurrency       {a.concurrency} (peak active sessions in the server: {stats.peak_active}),"
                  f" each prompt / key wait {a.media_ms:g} ms")
            print(f"  sessions          {a.sessions} ({done} finished by the flow, {stats.sessions_failed} failed)")
            print(f"  sessions/s        {a.sessions / elapsed:.0f}")
            print(f"  AGI commands      {commands} ({commands / elapsed:.0f}/s)")
            print(f"  turnaround p50    {p50 * 1000:.2f} ms")
            print(f"  turnaround p99    {p99 * 1000:.2f} ms   (target: < 10 ms at 200 concurrent)")
        holder["app"].store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
