"""The charts' time series: offered, answered, SL and abandon rate per hour or per day, in the
operator's zone, every bucket of the period shown (empty ones too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.metrics import cache
from hotline.metrics.queries import Acc, group_keys, in_period, sums
from hotline.metrics.values import Figures
from hotline.models import Call
from hotline.settings import Settings


def _bucket(db: Session, s: Settings, unit: str, start: datetime) -> Any:
    offset = ZoneInfo(s.timezone).utcoffset(start.replace(tzinfo=None)) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if db.get_bind().dialect.name == "sqlite":
        fmt = "%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d"
        return func.strftime(fmt, Call.started_at, f"{minutes:+d} minutes")
    fmt = "YYYY-MM-DD HH24:00" if unit == "hour" else "YYYY-MM-DD"
    # make_interval: a bare timedelta would be bound as a UTCDateTime
    return func.to_char(Call.started_at + func.make_interval(0, 0, 0, 0, 0, minutes), fmt)


def series(db: Session, s: Settings, start: datetime, end: datetime, unit: str | None = None) -> dict[str, Any]:
    """Offered / answered / SL / abandon rate per hour (periods up to 2 days) or per day."""
    unit = unit or ("hour" if end - start <= timedelta(days=2) else "day")

    def buckets(db: Session, s: Settings, a: datetime, b: datetime) -> dict[str, Acc]:
        # the zone offset of the period's start for every part: the labels do not depend on the cut
        label = _bucket(db, s, unit, start).label("b")
        keys = group_keys()
        out: dict[str, Acc] = {}
        for row in db.execute(select(label, *keys, *sums(s)).where(in_period(a, b)).group_by(label, *keys)):
            out.setdefault(row.b, Acc()).add(row)
        return out

    accs: dict[str, Acc] = {}
    for part in cache.by_day(db, s, ("series", unit, start), start, end, buckets, empty=dict):
        for k, acc in part.items():
            accs.setdefault(k, Acc()).merge(acc)
    found = {k: acc.fill(Figures()) for k, acc in accs.items()}
    out: dict[str, Any] = {"unit": unit, "labels": [], "offered": [], "answered": [], "ivr_only": [],
                           "sl_pct": [], "abandon_pct": []}
    for label in _labels(s, unit, start, end) or sorted(found):
        f = found.pop(label, Figures())
        out["labels"].append(label)
        out["offered"].append(f.offered)
        out["answered"].append(f.answered)
        out["ivr_only"].append(f.ivr_only)
        out["sl_pct"].append(f.sl.pct if f.sl is not None else None)
        out["abandon_pct"].append(f.abandon_rate.pct)
    return out


def _labels(s: Settings, unit: str, start: datetime, end: datetime) -> list[str]:
    """Every bucket of the period (empty hours and days included), in the operator's zone."""
    tz = ZoneInfo(s.timezone)
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    fmt = "%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d"
    out: list[str] = []
    t = start
    while t < end and len(out) < 1000:
        out.append(t.astimezone(tz).strftime(fmt))
        t += step
    return out
