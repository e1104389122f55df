"""Ring → pop at a provincial hotline's scale (issue #17): ``--desks`` agents' desks open on the
whole hotline under `hotline run` (each service its own process, the panel on waitress, as on a
server), ``--in-flight`` simulated callers kept up.

In production every agent's desk runs in that agent's own browser, on that agent's own machine.
One 2-core machine cannot host 100 Chromium pages and the calls they show (bench/desk_pop.py tried:
the browsers starve the calls), so here most desks are the desk's own event stream read by a
thread of this bench — the same request, the same events, what the page's script receives — and
``--browser-desks`` of them are real desk pages in headless Chromium, measured as the page sees
them. For every ring of an agent the latency is from the listener's ring (``live.since``,
Asterisk's event time) to the event's arrival (stream readers) or to the pop shown (pages); the
server's part (ring → event written) is printed apart. Target: p95 ≤ 1 s. Not a test::

    .venv/bin/python bench/desk_pop_fleet.py --minutes 3 --in-flight 100 --desks 100 --browser-desks 10
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.desk_pop import _pct
from bench.fleet import Fleet, Traffic, with_fleet
from hotline.db import make_engine
from hotline.models import Call, RingAttempt
from tests.web.browser import chromium, login, new_page, wait_js
from tests.web.conftest import PASSWORD
from web.auth.users import add_user

LOGINS = threading.Semaphore(2)
MIN_RING_S = 1.0  # a ring shorter than the target itself may well be answered before its pop


@dataclass
class Pop:
    agent: str
    call_id: str
    ring_at: float  # the listener's ring (Asterisk's clock)
    sent_at: float  # the panel wrote the event
    shown_at: float  # the stream reader got it / the page showed it


@dataclass
class StreamDesk:
    """One agent's desk event stream, read as the page's script reads it."""

    base: str
    agent: str
    pops: list[Pop] = field(default_factory=list)
    updates: int = 0
    data_bytes: int = 0  # the events' "data:" lines, UTF-8 (what the panel wrote for this desk, nearly)
    error: str = ""
    # the panel ends a stream after MAX_STREAM_S (an hour) and the page's EventSource opens it
    # again: so does this reader. Until 7 December it did not, and every soak's desks went quiet
    # after their first hour (runs 14 and 15: the panel without its 60 streams from minute ~61)
    reconnects: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> StreamDesk:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            http = requests.Session()
            page = http.get(f"{self.base}/login", timeout=30).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            with LOGINS:  # a password hash costs ~0.3 s of CPU: 100 at once would starve the panel
                r = http.post(f"{self.base}/login", data={"csrf_token": token.group(1) if token else "",
                                                         "username": f"agent{self.agent}", "password": PASSWORD},
                              timeout=60)
            if "/login" in r.url:
                raise RuntimeError("login refused")
            while not self._stop.is_set():
                with http.get(f"{self.base}/desk/stream", stream=True, timeout=(30, 120)) as stream:
                    if stream.status_code != 200:
                        raise RuntimeError(f"desk stream answered {stream.status_code}")
                    self._read(stream)
                if not self._stop.wait(1.0):  # the stream's "retry: 1000"
                    self.reconnects += 1
        except Exception as e:  # reported at the end: a desk that never streamed counts as missing
            self.error = f"{type(e).__name__}: {e}"

    def _read(self, stream: Any) -> None:
        shown: str | None = None
        for line in stream.iter_lines(decode_unicode=True):
            if self._stop.is_set():
                return
            if not line or not line.startswith("data:"):
                continue
            got = time.time()
            snap = json.loads(line[5:])
            self.updates += 1
            self.data_bytes += len(line.encode()) + 2
            pop, live = snap.get("pop"), snap.get("live") or {}
            call_id = pop.get("call_id") if pop else None
            if call_id and call_id != shown and live.get("state") == "ringing" and live.get("since"):
                self.pops.append(Pop(self.agent, call_id, float(live["since"]), float(snap["now"]), got))
            shown = call_id


def _browser_pops(agent: str, page: Any) -> list[Pop]:
    return [Pop(agent, p["call_id"], p["ring_at"], p.get("sent_at") or 0.0, p["shown_at"])
            for p in page.evaluate("window.deskPopLog")
            if p.get("ring_at") and p.get("state") == "ringing"]


def _summary(name: str, pops: list[Pop]) -> str:
    if not pops:
        return f"  {name:<16} no pops"
    lat = [p.shown_at - p.ring_at for p in pops]
    sent = [p.sent_at - p.ring_at for p in pops if p.sent_at]
    out = (f"  {name:<16} n {len(lat):5}  ring → pop p50 {_pct(lat, 50) * 1000:6.0f}  p95 {_pct(lat, 95) * 1000:6.0f}  "
           f"p99 {_pct(lat, 99) * 1000:6.0f}  max {max(lat) * 1000:6.0f} ms")
    if sent:
        out += f"   (ring → event written p50 {_pct(sent, 50) * 1000:.0f}, p95 {_pct(sent, 95) * 1000:.0f} ms)"
    return out


def _rings(fleet: Fleet, desks: list[str], since: datetime) -> dict[tuple[str, str], float]:
    """Every ring of a desk's agent since ``since`` that lasted ``MIN_RING_S`` or more, by (agent,
    call id): its length. The listener stored them; a pop is expected for each."""
    engine = make_engine(fleet.s.db_url)
    try:
        with sessionmaker(engine)() as db:
            rows = db.execute(select(RingAttempt.agent, Call.call_id, RingAttempt.ring_seconds)
                              .join(Call, Call.id == RingAttempt.call_pk)
                              .where(RingAttempt.agent.in_(desks), RingAttempt.rang_at >= since,
                                     RingAttempt.ring_seconds >= MIN_RING_S)).all()
    finally:
        engine.dispose()
    return {(agent, call_id): float(secs or 0) for agent, call_id, secs in rows}


def _coverage(rings: dict[tuple[str, str], float], pops: list[Pop]) -> str:
    """The pops against the rings: a ring with no pop while it rang is a pop later than its ring
    (at least ``MIN_RING_S``), so the p95 over every ring counts it as never shown."""
    seen = {(p.agent, p.call_id): p.shown_at - p.ring_at for p in pops}
    lat = sorted(seen.get(k, float("inf")) for k in rings)
    if not lat:
        return "  no rings of a desk's agent were stored"
    unseen = sum(1 for k in rings if k not in seen)
    p95 = _pct(lat, 95)
    return (f"  rings of ≥ {MIN_RING_S:g} s to a desk's agent (stored by the listener): {len(rings)}; "
            f"no pop while ringing: {unseen}; p95 over every such ring "
            f"{'never' if p95 == float('inf') else f'{p95 * 1000:.0f} ms'}")


def desk_users(fleet: Fleet, exts: list[str]) -> str:
    """A desk login ``agent<ext>`` for each agent; returns the panel's base URL."""
    engine = make_engine(fleet.s.db_url)
    with sessionmaker(engine)() as db:
        for ext in exts:
            add_user(db, f"agent{ext}", "agent", PASSWORD, ext)
    engine.dispose()
    return f"http://{fleet.s.web_host}:{fleet.s.web_port}"


def run(fleet: Fleet, a: argparse.Namespace) -> int:
    desks = fleet.agents[:a.desks]
    base = desk_users(fleet, desks)
    in_browser = desks[:a.browser_desks]
    with chromium() as browser:
        pages = []
        for ext in in_browser:
            page = new_page(browser)
            login(page, base, f"agent{ext}")
            page.goto(base + "/desk")
            wait_js(page, "document.getElementById('desk').dataset.updates >= '1'", timeout=60)
            pages.append(page)
        streams = [StreamDesk(base, ext).start() for ext in desks[a.browser_desks:]]
        deadline = time.monotonic() + 120
        while any(d.updates == 0 and not d.error for d in streams) and time.monotonic() < deadline:
            time.sleep(0.2)
        print(f"{len(pages)} desk pages and {sum(d.updates > 0 for d in streams)} of {len(streams)} desk streams "
              f"open; {a.in_flight} calls kept in flight for {a.minutes} min", flush=True)
        for page in pages:
            page.evaluate("window.deskPopLog = []")
        traffic = Traffic(fleet, a.in_flight, scale=a.scale, seed=a.seed)
        started = datetime.now(UTC)
        t0 = time.monotonic()
        load: list[float] = []
        while time.monotonic() - t0 < a.minutes * 60:
            traffic.step()
            if int(time.monotonic() - t0) % 10 == 0:
                load.append(os.getloadavg()[0])
            time.sleep(0.2)
        time.sleep(5)  # the last rings' events
        browser_pops = [p for ext, page in zip(in_browser, pages, strict=True) for p in _browser_pops(ext, page)]
    for d in streams:
        d.stop()
    traffic.close()
    stream_pops = [p for d in streams for p in d.pops]
    broken = [f"{d.agent}: {d.error}" for d in streams if d.error]
    print(f"{len(traffic.placed)} calls placed ({traffic.failed} originate failures); load average during the "
          f"calls {min(load, default=0):.1f}–{max(load, default=0):.1f}; {os.cpu_count()} cpus")
    print(_summary("desk streams", stream_pops))
    print(_summary("desk pages", browser_pops))
    print(_summary("all desks", stream_pops + browser_pops))
    time.sleep(10)  # the last calls' records
    print(_coverage(_rings(fleet, desks, started), stream_pops + browser_pops))
    if broken:
        print(f"{len(broken)} desk streams broke: " + "; ".join(broken[:5]))
    return 1 if broken or not (stream_pops or browser_pops) else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--in-flight", type=int, default=100)
    ap.add_argument("--desks", type=int, default=100, help="agents with a desk open (at most --agents)")
    ap.add_argument("--browser-desks", type=int, default=10, help="of them, real desk pages in headless Chromium")
    ap.add_argument("--agents", type=int, default=120, help="simulated agents in the queue")
    ap.add_argument("--scale", type=float, default=1.0, help="shrinks ring/talk/patience times")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="the store on a private PostgreSQL")
    a = ap.parse_args(argv)
    if a.desks > a.agents:
        ap.error("--desks must not exceed --agents")
    # an open event stream holds one of waitress's threads: every desk's, with room for the rest
    return with_fleet(a.postgres, "desk_pop", a.agents, False, lambda fleet, _pg: run(fleet, a),
                      HOTLINE_WEB_THREADS=str(max(a.desks + 32, 64)))


if __name__ == "__main__":
    raise SystemExit(main())
