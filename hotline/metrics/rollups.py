"""The kept per-day figures as rows of ``metric_rollups`` (hotline/models/rollups.py): the key of
a kept part, its value as JSON, and reading and writing rows. Every panel process reads them
(:mod:`hotline.metrics.cache`), the scheduler daemon writes them (:mod:`hotline.metrics.refresh`).

The values are the metric parts themselves (an :class:`~hotline.metrics.queries.Acc`, a
:class:`~hotline.metrics.team.Calls`, dicts and tuples of them), written as tagged JSON so that what
is read back is the same object: floats keep their exact value (JSON writes Python's repr)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.metrics.periods import period
from hotline.metrics.queries import Acc
from hotline.models.rollups import MetricRollup
from hotline.rules import ring_rule
from hotline.settings import Settings
from hotline.timeutil import utcnow

Stamp = tuple[int, Any]  # (count, newest built_at) of the calls of a day
# the first item of the ``what`` of a sum of kept parts (hotline.metrics.cache.sum_key)
SUM = "sum"


def params_of(s: Settings) -> tuple[Any, ...]:
    """The settings a kept part's figures depend on: a change of one makes other rows."""
    return (s.timezone, s.service_level_s, s.short_abandon_s, ring_rule(s).threshold_s, s.repeat_window_h)


def _text(parts: Sequence[Any]) -> str:
    return json.dumps([p.isoformat() if isinstance(p, datetime) else p for p in parts], ensure_ascii=False)


def encode(value: Any) -> Any:
    """A metric part as JSON-able data, tagged by type (decode gives the same object back)."""
    from hotline.metrics.team import Calls  # team reads kept parts through the cache, which imports this

    if isinstance(value, Acc):
        return {"Acc": dict(vars(value))}
    if isinstance(value, Calls):
        return {"Calls": {"team": encode(value.team), "per": encode(value.per), "rings": encode(value.rings),
                          "repeat": encode(value.repeat)}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a kept metric part holds a {type(value).__name__}, which rollups cannot store")


def decode(data: Any) -> Any:
    from hotline.metrics.team import Calls

    if not isinstance(data, dict):
        return data
    (tag, body), = data.items()
    if tag == "Acc":
        acc = Acc()
        vars(acc).update(body)
        return acc
    if tag == "Calls":
        return Calls(decode(body["team"]), decode(body["per"]), decode(body["rings"]), decode(body["repeat"]))
    if tag == "tuple":
        return tuple(decode(v) for v in body)
    if tag == "dict":
        return {k: decode(v) for k, v in body.items()}
    raise ValueError(f"unknown rollup tag {tag!r}")


def read(db: Session, what: tuple[Any, ...], params: tuple[Any, ...],
         spans: Sequence[tuple[datetime, datetime]]) -> dict[datetime, tuple[Stamp, Any]]:
    """The rows of these days (or hours), by start: (stamp, value). Only the rows asked for are
    read: a past day's hours are kept beside its own row (:func:`purge_hours_before`)."""
    out: dict[datetime, tuple[Stamp, Any]] = {}
    wanted = set(spans)
    spans = sorted(wanted)
    for i in range(0, len(spans), 500):  # a bound on the statement's parameters (SQLite)
        chunk = spans[i:i + 500]
        q = select(MetricRollup).where(
            MetricRollup.what == _text(what), MetricRollup.params == _text(params),
            MetricRollup.day_start.in_({a for a, _b in chunk}), MetricRollup.day_end.in_({b for _a, b in chunk}))
        out.update((r.day_start, ((r.calls, r.newest_built_at), decode(json.loads(r.value))))
                   for r in db.scalars(q) if (r.day_start, r.day_end) in wanted)
    return out


def write(db: Session, what: tuple[Any, ...], params: tuple[Any, ...], a: datetime, b: datetime,
          stamp: Stamp, value: Any) -> None:
    """Insert or replace the row of one day or hour (one writer: the scheduler daemon). The caller
    commits."""
    key = (_text(what), _text(params), a, b)
    row = db.get(MetricRollup, key)
    if row is None:
        row = MetricRollup(what=key[0], params=key[1], day_start=a, day_end=b)
        db.add(row)
    row.calls, row.newest_built_at = stamp[0], stamp[1]
    row.value, row.computed_at = json.dumps(encode(value), ensure_ascii=False), utcnow()


def purge_before(db: Session, day: datetime) -> int:
    """Delete the rows of days before ``day`` (their calls are gone: retention). The caller commits."""
    result: Any = db.execute(delete(MetricRollup).where(MetricRollup.day_start < day))
    return int(result.rowcount or 0)


def purge_hours_before(db: Session, day: datetime) -> int:
    """Delete the rows of the hours of days before ``day`` (the scheduler passes the start of the
    previous month: hotline.metrics.refresh). A past day's hours are kept after it is over so that
    a view after midnight, or after the day's calls changed, sums the day from its hours
    (:mod:`hotline.metrics.cache`); older days are read by their own rows only. Looks at the 62
    days before ``day``: the bound moves by a month at most. The caller commits."""
    q = select(MetricRollup.what, MetricRollup.params, MetricRollup.day_start, MetricRollup.day_end).where(
        MetricRollup.day_start >= day - timedelta(days=62), MetricRollup.day_start < day)
    hours = [r for r in db.execute(q) if r.day_end - r.day_start <= timedelta(hours=1)]
    for r in hours:
        db.execute(delete(MetricRollup).where(MetricRollup.what == r.what, MetricRollup.params == r.params,
                                              MetricRollup.day_start == r.day_start,
                                              MetricRollup.day_end == r.day_end))
    return len(hours)


def purge_kind_before(db: Session, what: tuple[Any, ...], t: datetime) -> int:
    """Delete the rows of one kind of figure starting before ``t`` (the calls the repeats read,
    kept per hour from yesterday's window only: hotline.metrics.repeat_inputs). The caller commits."""
    result: Any = db.execute(delete(MetricRollup).where(MetricRollup.what == _text(what), MetricRollup.day_start < t))
    return int(result.rowcount or 0)


def purge_sums_before(db: Session, s: Settings, t: datetime) -> int:
    """Delete the rows of sums of kept parts (:data:`SUM`) ending before ``t`` (the running
    hour: a page's next sum ends there), but a whole month's (an R-KPI month's, valid while its
    calls are the same). The caller commits."""
    q = select(MetricRollup.what, MetricRollup.params, MetricRollup.day_start, MetricRollup.day_end).where(
        MetricRollup.what.startswith(_text([SUM, ""])[:-3]), MetricRollup.day_end < t)
    old = [r for r in db.execute(q) if (r.day_start, r.day_end) != period("month", s, r.day_start)]
    for r in old:
        db.execute(delete(MetricRollup).where(MetricRollup.what == r.what, MetricRollup.params == r.params,
                                              MetricRollup.day_start == r.day_start,
                                              MetricRollup.day_end == r.day_end))
    return len(old)


def added(parts: Sequence[Any]) -> Any:
    """The parts of a span added up into one value of the same form (a day from its hours):
    every figure kept is a count or a sum (:mod:`hotline.metrics.cache`). New objects: what is
    kept is never changed."""
    from hotline.metrics.team import Calls

    first = parts[0]
    if isinstance(first, Acc):
        return _merged(Acc(), parts)
    if isinstance(first, Calls):
        return _merged(Calls(), parts)
    if isinstance(first, tuple):
        if any(len(p) != len(first) for p in parts):
            raise ValueError("kept parts of different lengths cannot be added")
        return tuple(added([p[i] for p in parts]) for i in range(len(first)))
    if isinstance(first, dict):
        by_key: dict[Any, list[Any]] = {}
        for p in parts:
            for k, v in p.items():
                by_key.setdefault(k, []).append(v)
        return {k: added(v) for k, v in by_key.items()}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return sum(parts)
    raise TypeError(f"a kept metric part holds a {type(first).__name__}, which cannot be added")


def _merged(into: Any, parts: Sequence[Any]) -> Any:
    for p in parts:
        into.merge(p)
    return into


def count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(MetricRollup)) or 0)


