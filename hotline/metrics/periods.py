"""Calendar periods in the operator's zone, as [start, end) in UTC: the day, ISO week and month
of the panel, the month of an R-KPI table, and the local days a period is cut into."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.settings import Settings


def local_day_start(d: date, tz: str) -> datetime:
    return datetime.combine(d, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def period(kind: str, s: Settings, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the current local day / ISO week / month."""
    now = (now or datetime.now(UTC)).astimezone(ZoneInfo(s.timezone))
    today = now.date()
    if kind == "week":
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=7)
    elif kind == "month":
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first, last = today, today + timedelta(days=1)
    return local_day_start(first, s.timezone), local_day_start(last, s.timezone)


def kpi_month(s: Settings, start: datetime, end: datetime) -> tuple[int, int]:
    """The month whose R-KPI table goes with the period [start, end): the one its middle is in."""
    first = period("month", s, end - (end - start) / 2)[0].astimezone(ZoneInfo(s.timezone))
    return first.year, first.month


def month_range(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1)
    return local_day_start(first, tz), local_day_start(last, tz)


def months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    """(year, month) of this month and the n - 1 before it, newest first."""
    out = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


HOUR = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_hour(t: datetime) -> datetime:
    """The start of the whole UTC hour ``t`` is in (the hours ``call_hours`` keeps stamps for)."""
    return t - (t - EPOCH) % HOUR


def running_hour(s: Settings, now: datetime | None = None) -> datetime:
    """The start of the hour now is in: today's start plus the whole hours since (hours elapsed,
    so a DST day still cuts into spans of one hour)."""
    now = now or datetime.now(UTC)
    today = period("day", s, now)[0]
    return today + HOUR * ((now - today) // HOUR)


def kept_spans(s: Settings, start: datetime, end: datetime,
               now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into what is kept: every local day before today whole, today by hour (a
    closed hour's figures are kept like a past day's; the caller reads the running hour live)."""
    today = period("day", s, now)[0]
    out = days(s, start, min(end, today)) if start < today else []
    a = max(start, today)
    while a < end:
        out.append((a, min(a + HOUR, end)))
        a = out[-1][1]
    return out


def days(s: Settings, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at every local midnight."""
    tz = ZoneInfo(s.timezone)
    out: list[tuple[datetime, datetime]] = []
    a = start
    while a < end:
        b = min(local_day_start(a.astimezone(tz).date() + timedelta(days=1), s.timezone), end)
        if b <= a:  # cannot happen with a real zone; never loop forever on one that does it
            b = end
        out.append((a, b))
        a = b
    return out
