"""Working days from the Chinese calendar (make-up workdays count, public holidays do not) and the
deadlines built on them: the next working morning (R-FAULT-REVISIT) and hours counted on working
days only (R-CONSULT-24H). Local times are in settings.timezone; results are UTC."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
_warned: set[int] = set()


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # the package knows each year only once the State Council publishes it: plain weekdays
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("chinese-calendar has no data for %s: counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def next_workday(day: date) -> date:
    """The first working day after ``day``."""
    d = day + timedelta(days=1)
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def _hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def next_morning(at: datetime, tz: str, start: str, end: str) -> tuple[datetime, datetime]:
    """(window opens, deadline) on the first working day after ``at``'s local date, in UTC."""
    zone = ZoneInfo(tz)
    day = next_workday(at.astimezone(zone).date())
    opens = datetime.combine(day, _hm(start), zone).astimezone(UTC)
    due = datetime.combine(day, _hm(end), zone).astimezone(UTC)
    return opens, due


def add_working_hours(at: datetime, hours: float, tz: str) -> datetime:
    """``at`` plus ``hours`` where only time on working days counts: the clock stops over weekends
    and holidays (a Friday 15:00 question is due Monday 15:00; a Saturday one, Monday 24:00)."""
    zone = ZoneInfo(tz)
    left = timedelta(hours=hours)
    cur = at.astimezone(zone)
    while True:
        day = cur.date()
        midnight = datetime.combine(day + timedelta(days=1), time(0), zone)
        if is_workday(day):
            span = midnight - cur
            if left <= span:
                return (cur + left).astimezone(UTC)
            left -= span
        cur = midnight
