"""The supervisor page's warm-up at a panel's start (#17): the first view of a fresh process paid
for reading the kept days and hours from their rollups, the R-KPI months (three months of calls
checked) and compiling the page's templates — 350–550 ms at 10 M calls a year. ``hotline web
serve`` does that once in a thread as it starts, before the first supervisor arrives; a page asked
for meanwhile computes nothing twice (it waits for the part the warm-up is computing)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from hotline.metrics.refresh import warm_up
from hotline.settings import Settings

log = logging.getLogger(__name__)
TEMPLATES = ("base.html", "_macros.html", "team/index.html")


def warm(app: Flask, s: Settings) -> float:
    """Compile the page's templates and read what it reads (:func:`~hotline.metrics.refresh.warm_up`).
    Seconds taken."""
    t0 = time.perf_counter()
    for name in TEMPLATES:
        app.jinja_env.get_template(name)
    warm_up(app.extensions["hotline"]["Session"], s)
    return time.perf_counter() - t0


def start(app: Flask, s: Settings, stop: threading.Event | None = None) -> threading.Thread:
    """:func:`warm` in a daemon thread, then again every ``panel_warm_interval_s`` (0: at start
    only): after midnight, a closed hour or the scheduler's rewrite of a changed day, the panel has
    read the new rollups before a supervisor's view would. A failure (the database not there yet)
    is logged and costs only the warm-up: the page then computes what it needs, as without it."""
    every = s.panel_warm_interval_s
    halt = stop or threading.Event()

    def run() -> None:
        first = True
        while True:
            try:
                took = warm(app, s)
                if first:
                    log.info("supervisor page warmed up in %.2f s", took)
            except Exception:
                log.exception("the supervisor page's warm-up failed; its next view will compute what it needs")
            first = False
            if every <= 0 or halt.wait(every):
                return

    thread = threading.Thread(target=run, name="panel-warm-up", daemon=True)
    thread.start()
    return thread
