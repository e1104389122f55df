"""Keeps the supervisor page warm in the background of ``hotline web``.

hotline.metrics keeps the figures of past days (per local day, checked by count and newest
built_at) and reads today live, so a view of /supervisor costs well under 0.2 s over 1 M calls —
once those days are computed. Without this thread the first view after a start would compute them
(three KPI months and the period's past days: ~1.3 s), and the first view after midnight or after a
past day's calls changed would compute what is new. Here they are computed before anyone asks:
right away at start, then every ``panel_warm_interval_s``.

A round at start and after each midnight calls exactly what the page calls (the same functions with
the same arguments, so the same kept parts and cached KPI months are filled) and records which kept
spans those read; the rounds between only check those spans again (the validation queries,
``metrics.check_kept``) and compute the days whose calls changed. Started by ``hotline web`` only
(web/cli.py): ``create_app`` stays free of threads, so tests' apps are deterministic.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from hotline import metrics
from hotline.settings import Settings

log = logging.getLogger(__name__)

PERIODS = ("day", "week", "month")  # the choices of /supervisor?period=


def warm_page(db: Session, s: Settings) -> None:
    """What /supervisor reads for each of its periods (web/team/views.py ``index``)."""
    for kind in PERIODS:
        start, end = metrics.period(kind, s)
        year, month = metrics.kpi_month(s, start, end)
        metrics.team_and_agents(db, s, start, end)
        metrics.team_kpis(db, s, year, month)
        metrics.kpis(db, s, year, month)
        metrics.series(db, s, start, end)


class Warmer:
    """One daemon thread; :meth:`round` is one pass, callable directly (tests, the benchmark)."""

    def __init__(self, s: Settings, session_factory: sessionmaker[Session], interval_s: float | None = None) -> None:
        self.s = s
        self.Session = session_factory
        self.interval_s = s.panel_warm_interval_s if interval_s is None else interval_s
        self.rounds = 0
        self.failures = 0  # rounds that raised
        self._recorded: dict[tuple[Any, ...], Any] | None = None
        self._day: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> tuple[float, int]:
        """One pass with its own session: (seconds, kept day parts computed meanwhile — by this
        round, or by a page computing at the same time)."""
        t0, n0 = time.perf_counter(), metrics.kept_computed()
        today = metrics.period("day", self.s)[0]
        with self.Session() as db:
            if self._recorded is None or today != self._day:
                # at start and after midnight: the page's own calls (new spans, new KPI month)
                with metrics.recording_kept() as rec:
                    warm_page(db, self.s)
                self._recorded, self._day = rec, today
            else:
                metrics.check_kept(db, self.s, self._recorded)
        self.rounds += 1
        return time.perf_counter() - t0, metrics.kept_computed() - n0

    def pause(self, now: datetime | None = None) -> float:
        """Seconds to the next round: the interval, or just past the next local midnight if that
        comes first (yesterday then becomes a kept day)."""
        now = now or datetime.now(UTC)
        to_midnight = (metrics.period("day", self.s, now)[1] - now).total_seconds() + 1.0
        return max(0.0, min(self.interval_s, to_midnight))

    def run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                took, computed = self.round()
            except Exception as exc:  # a database down or any bug: logged, tried again next round
                self.failures += 1
                if not failing:
                    log.exception("panel warmer: round failed (tried again every %s s)", self.interval_s)
                else:
                    log.warning("panel warmer: round failed again: %s", exc)
                failing = True
            else:
                first = self.rounds == 1
                level = logging.INFO if first or computed or failing else logging.DEBUG
                log.log(level, "panel figures warmed in %.2f s (%d day parts computed, round %d)%s",
                        took, computed, self.rounds, f"; checked every {self.interval_s:g} s" if first else "")
                failing = False
            try:
                pause = self.pause()
            except Exception:
                pause = self.interval_s
            self._stop.wait(pause)

    def start(self) -> Warmer:
        self._thread = threading.Thread(target=self.run, name="panel-warmer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def start_for(app: Flask) -> Warmer | None:
    """The warmer of a panel app about to be served (``hotline web``), or None when it is off."""
    ext = app.extensions["hotline"]
    s: Settings = ext["settings"]
    if s.panel_warm_interval_s <= 0:
        log.info("panel warmer off (panel_warm_interval_s = %s)", s.panel_warm_interval_s)
        return None
    if isinstance(ext["engine"].pool, StaticPool):
        # in-memory SQLite: one connection shared by every thread, so the warmer's session ending
        # would end a page's transaction too
        log.info("panel warmer off: the in-memory database has one connection for every thread")
        return None
    return Warmer(s, ext["Session"]).start()
