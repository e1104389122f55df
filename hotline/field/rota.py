"""Who is on duty when: a technician's weekly rota, with the Chinese calendar's public holidays
and make-up working days (``hotline.callbacks.workdays``), as the operator corrected it in the service
settings (``calendar_holidays`` / ``calendar_workdays``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.callbacks.workdays import NONE, Overrides, is_workday
from hotline.errors import N_, DomainError
from hotline.models.field import Technician
from hotline.rules import parse_hhmm

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"  # a public holiday falling on a weekday
MAKEUP = "workday"  # a weekend day that is a make-up working day (调休); falls back to "mon"
# day key → "HH:MM-HH:MM" spans, as Technician.rota holds it
Rota = Mapping[str, Sequence[str]]


def day_key(day: date, overrides: Overrides = NONE) -> str:
    """Which rota entry applies on ``day``."""
    weekday = day.weekday()
    working = is_workday(day, overrides)
    if weekday < 5 and not working:
        return HOLIDAY
    if weekday >= 5 and working:
        return MAKEUP
    return WEEKDAYS[weekday]


def spans(rota: Mapping[str, object], key: str) -> list[str]:
    value = rota.get(key)
    if value is None and key == MAKEUP:
        value = rota.get("mon")
    return [str(v) for v in value] if isinstance(value, list) else []


def validate(rota: Mapping[str, object]) -> None:
    """A rota names known days with "HH:MM-HH:MM" spans; raises ValueError otherwise."""
    for key, value in rota.items():
        if key not in (*WEEKDAYS, HOLIDAY, MAKEUP):
            raise DomainError(N_("rota: unknown day %(given)r (%(choices)s)"), given=key,
                              choices=", ".join((*WEEKDAYS, HOLIDAY, MAKEUP)))
        if not isinstance(value, list):
            raise DomainError(N_("rota %(day)s: a list of HH:MM-HH:MM spans, not %(given)r"), day=key, given=value)
        for span in value:
            start, _, end = str(span).partition("-")
            parse_hhmm(start), parse_hhmm(end)


def on_duty(tech: Technician, at: datetime, tz: str, overrides: Overrides = NONE) -> bool:
    """``tech`` works at ``at``: inside a span of that local day's rota entry. A span whose end is
    before its start runs over midnight; both its parts count on the day it is listed for."""
    if not tech.active:
        return False
    local = at.astimezone(ZoneInfo(tz))
    t = parse_hhmm(local.strftime("%H:%M"))
    for span in spans(tech.rota, day_key(local.date(), overrides)):
        start_text, _, end_text = span.partition("-")
        start, end = parse_hhmm(start_text), parse_hhmm(end_text)
        if (start <= t < end) if start <= end else (t >= start or t < end):
            return True
    return False
