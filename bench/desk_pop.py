"""Benchmark of the agent desk's screen-pop (issue 13 §2): ring → pop in the browser.

Starts its own private Asterisk (free ports, temporary runtime dir, 20 static agents that are
simulated and answer by themselves), the listener and the panel in-process on one SQLite
database, and headless Chromium with one desk page per agent (each logged in as that agent).
Calls into the hotline are placed ``--concurrency`` at a time; for every call the latency is
the time from the listener's AgentCalled (Asterisk's own event timestamp) to the moment the
agent's desk showed the pop (the browser's clock; one machine, one clock). Prints p50 / p95 /
p99 / max, for the push (``hotline.live_signal``) and, with ``--path both``, for the polling path
before it in the same run (``live_push = false``), with their ratio. The issue's target: p95 ≤
500 ms. Not a test: run it by hand::

    .venv/bin/python bench/desk_pop.py --calls 60 --concurrency 20 --desks 20 --path both
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_listener.listen import Listener
from ami_listener.simulate import SimCall
from hotline.pbx.ami import Ami
from hotline.pbx.process import Asterisk
from tests.support.pbx import pbx_test_settings
from tests.support.postgres import sqlite_url
from tests.web.browser import chromium, login, new_page, serve, wait_js
from tests.web.conftest import PASSWORD
from web import create_app
from web.auth.users import add_user
from web.context import session_factory

RING_S, TALK_S = 1.5, 2.0  # the simulated agents' answer and talk times: short calls, many rings


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _place(s: Any, n: int, concurrency: int, spacing: float) -> list[str]:
    """``n`` calls, at most ``concurrency`` up at a time, one started every ``spacing`` seconds;
    returns their call ids."""
    ids = [f"pop-{uuid.uuid4().hex[:10]}" for _ in range(n)]
    slots = threading.Semaphore(concurrency)
    # every agent answers alike: the dialplan's defaults (SIM_MODE/RING/TALK), not three variables
    # per agent — an AMI action holds at most 128 lines, so per-agent ones stop at ~40 agents
    same = {"__SIM_MODE": "answer", "__SIM_RING": f"{RING_S:g}", "__SIM_TALK": f"{TALK_S:g}"}

    def one(call_id: str) -> None:
        call = SimCall(call_id, "13800000000", "bench", RING_S + TALK_S + 30)
        with slots, Ami.from_settings(s) as ami:
            ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                          callerid=f'"{call.caller_name}" <{call.caller_number}>', channel_id=call_id,
                          variables=call.variables() | same, timeout_s=60)
            time.sleep(RING_S + TALK_S + 1.5)  # about as long as the call lasts

    threads = [threading.Thread(target=one, args=(c,)) for c in ids]
    for t in threads:
        t.start()
        time.sleep(spacing)
    for t in threads:
        t.join()
    return ids


def _open_desks(browser: Any, base: str, exts: list[str]) -> list[Any]:
    pages = []
    for ext in exts:
        page = new_page(browser)
        login(page, base, f"agent{ext}")
        page.goto(base + "/desk")
        wait_js(page, "document.getElementById('desk').dataset.updates >= '1'")
        pages.append(page)
    return pages


def _measure(s: Any, pages: list[Any], calls: int, concurrency: int, spacing: float) -> list[float]:
    """Places the calls and reads the pops the desks logged for them."""
    for page in pages:
        page.evaluate("window.deskPopLog = []")
    t0 = time.monotonic()
    ids = set(_place(s, calls, concurrency, spacing))
    time.sleep(1.0)
    print(f"  calls done in {time.monotonic() - t0:.1f} s", flush=True)
    pops = [p for page in pages for p in page.evaluate("window.deskPopLog")]
    rang = [p for p in pops if p["call_id"] in ids and p.get("ring_at") and p.get("state") == "ringing"]
    lat = [p["shown_at"] - p["ring_at"] for p in rang]
    missed = len(ids) - len({p["call_id"] for p in pops if p["call_id"] in ids})
    print(f"  pops seen while ringing: {len(lat)} (of {calls} calls; calls with no pop at all: {missed})")
    sent = sorted(p["sent_at"] - p["ring_at"] for p in rang if p.get("sent_at"))
    if sent:  # the server's part: ring → the event written to the stream (the rest is the browser's)
        print(f"  ring → event sent: p50 {statistics.median(sent) * 1000:.0f} ms  p95 {_pct(sent, 95) * 1000:.0f} ms")
    return lat


def run(calls: int, concurrency: int, agents: int, spacing: float, paths: list[str],
        warmup: int = 0) -> dict[str, list[float]]:
    """Each path in turn on the same Asterisk, listener, panel and desks: ``push`` (the listener
    writes an agent's change at once, the streams wake on ``hotline.live_signal``) and ``poll``
    (``live_push = false``: the snapshot every 0.2 s, the streams every ``wallboard_poll_s``)."""
    exts = [str(8001 + i) for i in range(agents)]
    out: dict[str, list[float]] = {}
    # the panel's streams may still open the database while the directory goes: not an error here
    with tempfile.TemporaryDirectory(prefix="desk-pop-", ignore_cleanup_errors=True) as tmp:
        s = pbx_test_settings(Path(tmp) / "var", agents=exts, queue_strategy="rrmemory", queue_timeout_s=60)
        s = s.replace(database_url=sqlite_url(Path(tmp) / "desk.db"))
        app = create_app(s)
        with app.app_context(), session_factory()() as db:
            for ext in exts:
                add_user(db, f"agent{ext}", "agent", PASSWORD, ext)
        with Asterisk(s) as _ast:
            listener = Listener(s).start()
            try:
                if not listener.conn.connected.wait(10):
                    raise SystemExit("the listener did not log in to AMI")
                with serve(app) as base, chromium() as browser:
                    if warmup:  # the first calls of a fresh process (imports, caches, the pages' own): not measured
                        pages = _open_desks(browser, base, exts)
                        print(f"warm-up: {warmup} calls", flush=True)
                        _measure(s, pages, warmup, concurrency, spacing)
                        for page in pages:
                            page.close()
                    for path in paths:
                        ps = s.replace(live_push=path == "push")
                        listener.settings = ps
                        app.extensions["hotline"]["settings"] = ps  # the streams opened from now on
                        pages = _open_desks(browser, base, exts)
                        print(f"{path}: {len(pages)} desks open; placing {calls} calls, {concurrency} at a time",
                              flush=True)
                        lat = _measure(ps, pages, calls, concurrency, spacing)
                        if lat:
                            _report(path, lat)
                        out.setdefault(path, []).extend(lat)
                        for page in pages:
                            page.close()
            finally:
                listener.stop()
    return out


def _report(path: str, lat: list[float]) -> None:
    print(f"  {path:5} n {len(lat):4}  p50 {statistics.median(lat) * 1000:5.0f} ms  "
          f"p95 {_pct(lat, 95) * 1000:5.0f} ms  p99 {_pct(lat, 99) * 1000:5.0f} ms  max {max(lat) * 1000:5.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--agents", "--desks", type=int, default=20, dest="agents",
                    help="agents, each with a desk open")
    ap.add_argument("--spacing", type=float, default=None,
                    help="seconds between call starts (default: a call's length / concurrency, a steady "
                         "state of --concurrency calls up; 0.05 for a burst)")
    ap.add_argument("--path", choices=("push", "poll", "both"), default="push",
                    help="push (live_signal), poll (live_push = false, the path before it), or both in one run")
    ap.add_argument("--warmup", type=int, default=10, help="calls placed first and not measured")
    ap.add_argument("--rounds", type=int, default=1,
                    help="with --path both: alternate push and poll this many times (a machine whose load "
                         "drifts weighs on both alike); the figures are over every round")
    a = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request: noise here
    spacing = (RING_S + TALK_S + 1.5) / a.concurrency if a.spacing is None else a.spacing
    print(f"one call started every {spacing:.2f} s", flush=True)
    paths = ["push", "poll"] * max(1, a.rounds) if a.path == "both" else [a.path]
    results = run(a.calls, a.concurrency, a.agents, spacing, paths, a.warmup)
    if not all(results.values()):
        print("no pops measured")
        return 1
    print(f"ring → pop in the browser ({os.cpu_count()} cpus, SQLite, listener + panel in-process, "
          f"{a.agents} desks in one headless Chromium)")
    print("over every round:")
    for path, lat in results.items():
        _report(path, lat)
    if len(results) == 2:
        push, poll = results["push"], results["poll"]
        print(f"  push / poll: p50 {statistics.median(push) / statistics.median(poll):.2f}, "
              f"p95 {_pct(push, 95) / _pct(poll, 95):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
