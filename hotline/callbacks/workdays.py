"""Working days from the Chinese calendar (make-up workdays count, public holidays do not) and the
deadlines built on them: the next working morning (R-FAULT-REVISIT) and hours counted on working
days only (R-CONSULT-24H). Local times are in settings.timezone; results are UTC. The operator
corrects the calendar in the panel (``calendar_holidays`` / ``calendar_workdays``: :class:`Overrides`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.settings import Settings

log = logging.getLogger(__name__)
_warned: set[int] = set()


@dataclass(frozen=True)
class Overrides:
    """Days the operator declares off or working whatever the Chinese calendar says."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, s: Settings) -> Overrides:
        return cls(frozenset(date.fromisoformat(d) for d in s.calendar_holidays),
                   frozenset(date.fromisoformat(d) for d in s.calendar_workdays))


NONE = Overrides()


def is_workday(day: date, overrides: Overrides = NONE) -> bool:
    if day in overrides.holidays:
        return False
    if day in overrides.workdays:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # the package knows each year only once the State Council publishes it: plain weekdays
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("chinese-calendar has no data for %s: counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def next_workday(day: date, overrides: Overrides = NONE) -> date:
    """The first working day after ``day``."""
    d = day + timedelta(days=1)
    while not is_workday(d, overrides):
        d += timedelta(days=1)
    return d


def _hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def next_morning(at: datetime, tz: str, start: str, end: str,
                 overrides: Overrides = NONE) -> tuple[datetime, datetime]:
    """(window opens, deadline) on the first working day after ``at``'s local date, in UTC."""
    zone = ZoneInfo(tz)
    day = next_workday(at.astimezone(zone).date(), overrides)
    opens = datetime.combine(day, _hm(start), zone).astimezone(UTC)
    due = datetime.combine(day, _hm(end), zone).astimezone(UTC)
    return opens, due


def add_working_hours(at: datetime, hours: float, tz: str, overrides: Overrides = NONE) -> datetime:
    """``at`` plus ``hours`` where only time on working days counts: the clock stops over weekends
    and holidays (a Friday 15:00 question is due Monday 15:00; a Saturday one, Monday 24:00)."""
    zone = ZoneInfo(tz)
    left = timedelta(hours=hours)
    cur = at.astimezone(zone)
    while True:
        day = cur.date()
        midnight = datetime.combine(day + timedelta(days=1), time(0), zone)
        if is_workday(day, overrides):
            span = midnight - cur
            if left <= span:
                return (cur + left).astimezone(UTC)
            left -= span
        cur = midnight
