"""Service rules shared by the IVR and the panel: pure functions of settings and times.

Times given are timezone-aware; rules are applied in the operator's zone (settings.timezone).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from hotline.errors import N_, DomainError
from hotline.settings import Settings, SettingsError

# a column of a model, or an SQL expression of one: the rules below that take one compare it the
# same way in SQL as in Python, so a query and a page cannot disagree
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def parse_hhmm(text: str) -> timedelta:
    """"08:00" → 8 h after midnight; "24:00" is allowed (the end of the day)."""
    try:
        hh, mm = text.strip().split(":")
        value = timedelta(hours=int(hh), minutes=int(mm))
    except ValueError as exc:
        raise DomainError(N_("not a HH:MM time: %(given)r"), given=text) from exc
    if not timedelta(0) <= value <= timedelta(hours=24) or not 0 <= int(mm) < 60:
        raise DomainError(N_("not a time of day: %(given)r"), given=text)
    return value


def _local(s: Settings, dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to a service rule")
    return dt.astimezone(ZoneInfo(s.timezone))


def _midnight(local: datetime) -> datetime:
    """Local midnight starting local's day (zone-aware, correct across DST changes)."""
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)


def _since_midnight(local: datetime) -> timedelta:
    return local - _midnight(local)


def in_service_hours(s: Settings, at: datetime) -> bool:
    """R-ANS-HOURS: agents answer every day, holidays included, from hours_open to hours_close.
    A close earlier than the open means the hours run over midnight."""
    t = _since_midnight(_local(s, at))
    open_, close = parse_hhmm(s.hours_open), parse_hhmm(s.hours_close)
    if open_ == close:
        return True  # around the clock
    if open_ < close:
        return open_ <= t < close
    return t >= open_ or t < close


def next_opening(s: Settings, at: datetime) -> datetime:
    """R-ANS-HOURS: ``at`` itself when staffed, else when the agents next answer (hours_open that
    day or the next): from when a callback promised out of hours can be made."""
    if in_service_hours(s, at):
        return at
    local = _local(s, at)
    opens = _midnight(local) + parse_hhmm(s.hours_open)
    if opens <= local:
        opens = _midnight(local + timedelta(days=1)) + parse_hhmm(s.hours_open)
    return opens.astimezone(at.tzinfo)


@dataclass(frozen=True)
class RingRule:
    """R-ANS-4RINGS / R-ANS-LATE-APOLOGY: a seat answers within ``max_rings`` rings of
    ``ring_cycle_s`` each (China: 1 s on + 4 s off, 4 rings = 20 s). The one home of the
    threshold: the call builder, the metrics and the dialplan's apology all ask this rule."""

    ring_cycle_s: float
    max_rings: int

    @classmethod
    def of(cls, s: Settings) -> RingRule:
        return cls(ring_cycle_s=s.ring_cycle_s, max_rings=s.max_rings)

    @property
    def threshold_s(self) -> float:
        return self.max_rings * self.ring_cycle_s

    @overload
    def within(self, ring_seconds: float) -> bool: ...
    @overload
    def within(self, ring_seconds: Column) -> ColumnElement[bool]: ...
    def within(self, ring_seconds: float | Column) -> bool | ColumnElement[bool]:
        """Answered within the allowed rings (the boundary itself is within); on a column, the
        same comparison in SQL (the metrics judge attempts whose call has no verdict by it)."""
        return ring_seconds <= self.threshold_s

    def rings(self, ring_seconds: float) -> int:
        """How many rings a ring of ``ring_seconds`` was: a ring of 1.0004 s at a 1 s cycle is
        one ring (timestamps jitter by milliseconds)."""
        return max(1, math.ceil(round(ring_seconds / self.ring_cycle_s, 2)))


def ring_rule(s: Settings) -> RingRule:
    return RingRule.of(s)


@dataclass(frozen=True)
class InternalNumbers:
    """What a number dialled inside the PBX looks like (``internal_number_pattern``, a regular
    expression the whole number must match): an extension, a feature code. An agent's phone that
    dials any other number has dialled out through a trunk — an outbound call, not an internal
    one — unless every phone it rang is an agent's. The one home of that decision
    (:meth:`dialled_out`): the call builder's direction and the wallboard's live view ask it."""

    pattern: re.Pattern[str]

    @classmethod
    def of(cls, s: Settings) -> InternalNumbers:
        try:
            return cls(re.compile(s.internal_number_pattern))
        except re.error as exc:
            raise SettingsError(f"setting 'internal_number_pattern': {s.internal_number_pattern!r} is not a "
                                f"regular expression ({exc})") from exc

    def covers(self, number: str) -> bool:
        return self.pattern.fullmatch(number.strip()) is not None

    def dialled_out(self, exten: str | None, rang_agents: Collection[bool] = ()) -> bool:
        """A phone's own call that went out through a trunk: its first extension (what the phone
        dialled, the Request-URI's user) is no internal number, and not every phone it rang is an
        agent's — a long extension that rings a colleague stays internal. ``rang_agents``: for each
        channel the phone's channel dialled (its DialBegins so far), whether it is an agent's phone;
        none yet is not "all agents'". None or "s" (Asterisk's start extension: no number was
        dialled) proves nothing: False."""
        if not exten or exten == "s" or self.covers(exten):
            return False
        return not (rang_agents and all(rang_agents))


def internal_numbers(s: Settings) -> InternalNumbers:
    return InternalNumbers.of(s)


# the default pattern's test: what the builder uses when its caller gives none (tests, tools)
DEFAULT_INTERNAL_NUMBERS = InternalNumbers.of(Settings())


@dataclass(frozen=True)
class FaultDue:
    """R-FAULT-SLA promise for one report."""

    starts_at: datetime  # when the repair clock starts (the report, or next morning)
    arrive_by: datetime
    fix_by: datetime
    same_evening: bool  # reported before the cutoff: handled the same evening


def sla_minutes(s: Settings, area: str, big: bool = False) -> tuple[int, int]:
    """(arrive within, fixed within) minutes for an area (urban | rural)."""
    if area == "urban":
        return s.sla_urban_arrive_min, s.sla_urban_big_fix_min if big else s.sla_urban_small_fix_min
    if area == "rural":
        return s.sla_rural_arrive_min, s.sla_rural_big_fix_min if big else s.sla_rural_small_fix_min
    raise ValueError(f"unknown area {area!r} (urban or rural)")


@dataclass(frozen=True)
class SpecialPeriod:
    """R-FAULT-SLA: "reports before 21:00 (special periods 24:00) are handled the same evening"."""

    first: date
    last: date  # included
    cutoff: str  # HH:MM: the same-evening cutoff on these days

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


def parse_special_period(text: str) -> SpecialPeriod:
    """"2026-12-24..2027-01-03" (cutoff 24:00) or "2026-12-24..2027-01-03 23:00"; ValueError
    saying what is wrong otherwise (a DomainError: the settings page says it in its language)."""
    span, _, cutoff = text.strip().partition(" ")
    first_s, sep, last_s = span.partition("..")
    if not sep:
        raise DomainError(N_("not a period FROM..TO: %(given)r (e.g. 2026-12-24..2027-01-03 24:00)"), given=text)
    try:
        first, last = date.fromisoformat(first_s), date.fromisoformat(last_s)
    except ValueError:
        raise DomainError(N_("not YYYY-MM-DD dates: %(given)r"), given=text) from None
    if last < first:
        raise DomainError(N_("the period ends before it starts: %(given)r"), given=text)
    cutoff = cutoff.strip() or "24:00"
    parse_hhmm(cutoff)
    return SpecialPeriod(first, last, cutoff)


def same_evening_cutoff(s: Settings, day: date) -> timedelta:
    """R-FAULT-SLA: the cutoff of ``day`` (local): a special period's, else fault_same_evening_cutoff."""
    for text in s.fault_special_periods:
        period = parse_special_period(text)
        if period.covers(day):
            return parse_hhmm(period.cutoff)
    return parse_hhmm(s.fault_same_evening_cutoff)


def fault_due(s: Settings, area: str, reported_at: datetime, big: bool = False) -> FaultDue:
    """R-FAULT-SLA: arrive-by and fix-by for a report made at ``reported_at``.

    Reports before ``fault_same_evening_cutoff`` (21:00; in ``fault_special_periods`` that
    period's cutoff, 24:00 by default) are handled the same evening: the clock
    runs from the report and a small fault is fixed no later than ``fault_same_evening_end``
    ("no fault left overnight"), yet never before the technician can arrive. Reports after the
    cutoff, or before opening time, start the clock at the next ``hours_open``.
    """
    arrive_min, fix_min = sla_minutes(s, area, big)
    local = _local(s, reported_at)
    t = _since_midnight(local)
    cutoff, open_ = same_evening_cutoff(s, local.date()), parse_hhmm(s.hours_open)
    same_evening = open_ <= t < cutoff
    if same_evening:
        start = local
    elif t >= cutoff:
        start = _midnight(local + timedelta(days=1)) + open_
    else:
        start = _midnight(local) + open_
    arrive_by = start + timedelta(minutes=arrive_min)
    fix_by = start + timedelta(minutes=fix_min)
    if same_evening and not big:
        evening_end = _midnight(local) + parse_hhmm(s.fault_same_evening_end)
        fix_by = max(min(fix_by, evening_end), arrive_by)
    utc = ZoneInfo("UTC")
    return FaultDue(start.astimezone(utc), arrive_by.astimezone(utc), fix_by.astimezone(utc), same_evening)


# --- deadlines (R-OVERDUE, R-FAULT-SLA, R-FAULT-REVISIT, R-COMPLAINT) ------------------------------

@overload
def overdue(due: datetime, now: datetime) -> bool: ...
@overload
def overdue(due: Column, now: datetime) -> ColumnElement[bool]: ...
def overdue(due: datetime | Column, now: datetime) -> bool | ColumnElement[bool]:
    """R-OVERDUE: a deadline is missed once ``now`` is past it; the deadline instant itself is
    still in time. The one definition of "overdue" for callback tasks, fault reports (fix-by) and
    complaint clocks; on a column it is the same comparison in SQL. Whether the matter is still
    open is the caller's part (a closed matter is never overdue)."""
    return due < now


@overload
def in_time(done: datetime, due: datetime) -> bool: ...
@overload
def in_time(done: Column, due: Column) -> ColumnElement[bool]: ...
def in_time(done: datetime | Column, due: datetime | Column) -> bool | ColumnElement[bool]:
    """A matter done at ``done`` met its deadline ``due`` (done at the deadline itself is in time)."""
    return done <= due


DeadlineState = Literal["met", "missed", "pending"]


def deadline_state(due: datetime, done: datetime | None, now: datetime) -> DeadlineState:
    """R-COMPLAINT (and every clock like it): a stopped clock is met or missed by when it stopped;
    a running one is missed once overdue, else pending."""
    if done is not None:
        return "met" if in_time(done, due) else "missed"
    return "missed" if overdue(due, now) else "pending"


def call_record_overdue(s: Settings, dialled_at: datetime, now: datetime) -> bool:
    """A dial of ours (an Originate with its own call id) whose call record has not appeared
    ``callback_reconcile_timeout_min`` after it never became a call: the callbacks' reconcile fails
    such an attempt, and a technician's call to a customer stops counting as under way. Until then a
    dial with no record is still ringing or talking (the listener builds the record at hang-up)."""
    return now - dialled_at >= timedelta(minutes=s.callback_reconcile_timeout_min)
