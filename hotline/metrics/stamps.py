"""The stamps a kept part of the metrics is checked by (hotline.metrics.cache): a span's stamp is
(count of the calls started in it, newest ``built_at`` of those started in it or in the window
``back`` before it). A kept part is valid while its span's stamp is the one it was computed with.

A look reads the stamps the database keeps per UTC hour (``call_hours``, kept by triggers on
``calls``: migration 0021), ~24 rows a day whatever the calls; a span that is not on whole UTC hours
(a zone with a :30 offset) is looked at in ``ix_calls_started_built``. A span is always read the
same way, so a stamp written with a rollup and the stamp it is checked against are made alike.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from hotline.metrics.periods import HOUR, utc_hour
from hotline.metrics.queries import in_period
from hotline.metrics.rollups import Stamp
from hotline.models import Call, CallHour


def stamp_of(n: Any, newest: Any) -> Stamp:
    return int(n or 0), newest


def added(stamps: Iterable[Stamp]) -> Stamp:
    stamps = list(stamps)
    newest = [m for _, m in stamps if m is not None]
    return sum(n for n, _ in stamps), max(newest) if newest else None


def on_hours(a: datetime, b: datetime, back: timedelta) -> bool:
    """Whether [a - back, b) starts and ends on whole UTC hours, so that ``call_hours`` answers its
    look: local days and hours in a zone of whole-hour offsets (Asia/Shanghai) and a repeat window
    in hours. Otherwise (a :30 zone) the calls' index answers it."""
    return utc_hour(a) == a and utc_hour(b) == b and back % HOUR == timedelta(0)


def stamp_query(a: datetime, b: datetime, back: timedelta, alone: bool = False) -> Any:
    """The stamp of [a, b): (count of the calls started in it, newest built_at of those started in
    [a - back, b)), from the per-hour stamps the database keeps (``call_hours``, migration 0021:
    ~24 rows a day) when the span is on whole hours, else from ``ix_calls_started_built`` (an
    entry per call). ``alone``: one more column, m0, the newest built_at without ``back`` (the same
    rows read). A span is always read the same way, so a stamp written with a rollup and the stamp
    it is checked against are made alike."""
    if on_hours(a, b, back):
        hour: Any = CallHour.hour
        newest: Any = CallHour.newest
        n: Any = func.sum(case((hour >= a, CallHour.calls)))
        q = select(n.label("n"), func.max(newest).label("m")).where(hour >= a - back, hour < b)
    else:
        hour, newest = Call.started_at, Call.built_at
        q = select(func.count(case((hour >= a, 1))).label("n"), func.max(newest).label("m"))
        q = q.where(in_period(a - back, b))
    return q.add_columns(func.max(case((hour >= a, newest))).label("m0")) if alone else q


_READING: ContextVar[dict[tuple[datetime, datetime, timedelta], Stamp] | None] = ContextVar("_READING", default=None)
# the rows of call_hours read inside one_reading, as (from, to, rows): a page's figures ask for the
# stamps of the same hours (a rewritten day's, for each kind of figure)
_HOURS: ContextVar[list[tuple[datetime, datetime, list[Any]]] | None] = ContextVar("_HOURS", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside, the stamp of a whole span (:func:`span_stamp`) is read once: a page's parts over the
    same span (its calls, its chart, the R-KPI month) are checked against one look at the calls,
    as if the page had read them all at its start (a look over a month reads ~720 rows of
    ``call_hours``; where it falls back to the calls' index, ~850 000 entries at 10 M calls a year,
    30–150 ms), and the rows of ``call_hours`` read for the stamps of several parts
    (:func:`day_stamps`) are read once for the hours they cover. Outside, every check reads again."""
    token, hours = _READING.set({}), _HOURS.set([])
    try:
        yield
    finally:
        _READING.reset(token)
        _HOURS.reset(hours)


def span_stamp(db: Session, a: datetime, b: datetime, back: timedelta = timedelta(0)) -> Stamp:
    """:func:`stamp_query`'s stamp of [a, b); inside :func:`one_reading` read once per span. A
    look with a repeat window also gives the stamp without it (the same rows, one more column), so
    the chart's and the R-KPI month's checks share the team figures' look."""
    seen = _READING.get()
    if seen is not None and (a, b, back) in seen:
        return seen[(a, b, back)]
    row = db.execute(stamp_query(a, b, back, alone=bool(back))).one()
    stamp = stamp_of(row.n, row.m)
    if seen is not None:
        seen[(a, b, back)] = stamp
        if back and on_hours(a, b, back) == on_hours(a, b, timedelta(0)):  # read alike: the same stamp
            seen.setdefault((a, b, timedelta(0)), stamp_of(row.n, row.m0))
    return stamp


def day_stamps(db: Session, spans: list[tuple[datetime, datetime]],
               back: timedelta = timedelta(0)) -> list[Stamp]:
    """(count, newest built_at) of the calls of each [a, b) (:func:`stamp_query`, each span read
    as :func:`span_stamp` reads it): the spans on whole hours from one read of their hours' rows,
    the others one statement per 100 spans."""
    hourly = [sp for sp in spans if on_hours(*sp, back)]
    stamps = dict(zip(hourly, _hour_stamps(db, hourly, back), strict=True))
    others = [sp for sp in spans if sp not in stamps]
    for i in range(0, len(others), 100):
        chunk = others[i:i + 100]
        q: Any = union_all(*[stamp_query(a, b, back).add_columns(literal_column(str(j)).label("j"))
                             for j, (a, b) in enumerate(chunk)])
        got = {r.j: stamp_of(r.n, r.m) for r in db.execute(q)}
        stamps.update((sp, got.get(j, (0, None))) for j, sp in enumerate(chunk))
    return [stamps[sp] for sp in spans]


def _hour_stamps(db: Session, spans: list[tuple[datetime, datetime]], back: timedelta) -> list[Stamp]:
    """:func:`stamp_query`'s stamps of spans on whole hours, added up here from the rows of every
    hour they cover (read once: a year of days is ~8 800 rows, where a statement per span cost
    more to build than to run)."""
    if not spans:
        return []
    lo, hi = min(a for a, _b in spans) - back, max(b for _a, b in spans)
    seen = _HOURS.get()
    held = next((r for a, b, r in seen or () if a <= lo and hi <= b), None)  # inside one_reading: read once
    if held is None:
        q = select(CallHour.hour, CallHour.calls, CallHour.newest).order_by(CallHour.hour).where(
            CallHour.hour >= lo, CallHour.hour < hi)
        held = list(db.execute(q).all())
        if seen is not None:
            seen.append((lo, hi, held))
    rows = held
    hours = [r.hour for r in rows]
    out: list[Stamp] = []
    for a, b in spans:
        first, start, stop = (bisect_left(hours, t) for t in (a - back, a, b))
        newest = [r.newest for r in rows[first:stop] if r.newest is not None]
        out.append((sum(r.calls for r in rows[start:stop]), max(newest) if newest else None))
    return out
