"""The scheduler daemon's rollup step (scheduler/daemon.py): the supervisor page's kept per-day
figures computed once, for every panel process, into ``metric_rollups``: a row per past day and per
closed hour of today (a page reads only the running hour live).

A closed hour's rows stay after its day is over (until the previous month's start:
:func:`hours_kept_from`), so yesterday's own row is written at the first step after midnight as the
sum of its hours, and a past day whose calls changed is computed again hour by hour (the changed
hours only, :func:`hotline.metrics.cache.days_from_hours`; the team's repeats of a run of them, and
of today's closed hours the repeat window reaches, from one reading: cache.compute_run).

A step calls what the page calls (:func:`page_figures`) with :func:`cache.writing_rollups` on: each
kept day or hour is checked against its rollup (count and newest built_at of its calls: the
validation queries only, ~15 ms a month over 1 M calls a year) and only those that are new
(yesterday, after midnight; the hour just closed) or whose calls changed (a rebuild, a backfill,
retention) are computed and written, and with them the sum of each span's parts (#17,
:func:`cache.sum_key`: a span whose sum holds is checked by that one row). Panels read the
rollups and compute a day or hour themselves only while its rollup is missing or stale (before the
next step), so they never show a wrong figure; a panel restart costs nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from hotline.metrics import cache, repeat_inputs, rollups, stamps
from hotline.metrics.kpi import kpis, team_kpis
from hotline.metrics.periods import kpi_month, period, running_hour
from hotline.metrics.series import series
from hotline.metrics.team import team_and_agents
from hotline.settings import Settings

PERIODS = ("day", "week", "month")  # the choices of /supervisor?period=


@dataclass(frozen=True)
class RefreshReport:
    written: int  # rollup rows computed and written (0 when nothing changed)
    purged: int  # rows of days older than the calls' retention, and of past days' hours
    seconds: float

    def __str__(self) -> str:
        return f"{self.written} rollups written, {self.purged} purged in {self.seconds:.2f} s"


def page_figures(db: Session, s: Settings, now: datetime | None = None) -> None:
    """What /supervisor reads for each of its periods (web/team/views.py ``index``), in its order:
    each period's parts checked against one look at its calls (:func:`stamps.one_reading`)."""
    for kind in PERIODS:
        start, end = period(kind, s, now)
        year, month = kpi_month(s, start, end)
        with stamps.one_reading():
            team_and_agents(db, s, start, end)
            team_kpis(db, s, year, month)
            kpis(db, s, year, month)
            series(db, s, start, end)


def warm_up(sessions: sessionmaker[Session], s: Settings) -> float:
    """A panel process's first look at what /supervisor reads (``hotline web serve`` runs it in a
    thread at start): the kept days and hours read from their rollups into this process, the R-KPI
    months computed, so that the first supervisor to open the page waits for none of it (#17).
    Writes nothing; a part whose rollup is stale is computed here as a page would. Seconds taken."""
    t0 = time.perf_counter()
    with sessions() as db:
        page_figures(db, s)
    return time.perf_counter() - t0


def hours_kept_from(s: Settings, now: datetime | None = None) -> datetime:
    """The first day whose hours' rollups are kept after it is over: the start of the previous
    month (the R-KPI months a page shows most; #17: a past day's rewrite then computes its changed
    hours only, hotline.metrics.cache.days_from_hours). ~24 rows a day per kind of figure, of the
    size of a day's (a few KB)."""
    this_month = period("month", s, now)[0]
    return period("month", s, this_month - timedelta(days=1))[0]


def refresh(sessions: sessionmaker[Session], s: Settings, now: datetime | None = None) -> RefreshReport:
    """One step, in one transaction: the changed past days' and hours' rollups written (all at
    the end), the expired ones deleted."""
    t0 = time.perf_counter()
    with sessions() as db:
        with cache.writing_rollups() as rows:
            page_figures(db, s, now)
        for key, (a, b, stamp, value) in rows.items():
            rollups.write(db, key[1], key[4:], a, b, stamp, value)
        today = period("day", s, now)[0]
        purged = rollups.purge_hours_before(db, hours_kept_from(s, now))
        purged += rollups.purge_kind_before(db, repeat_inputs.WHAT, repeat_inputs.kept_from(s, now))
        purged += rollups.purge_sums_before(db, s, running_hour(s, now))
        if s.retention_calls_days > 0:
            purged += rollups.purge_before(db, today - timedelta(days=s.retention_calls_days + 1))
        db.commit()
    return RefreshReport(len(rows), purged, time.perf_counter() - t0)
