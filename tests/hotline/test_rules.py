"""hotline.rules: service hours (R-ANS-HOURS), repair time limits (R-FAULT-SLA), 4 rings (R-ANS-4RINGS)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.rules import (
    deadline_state,
    fault_due,
    in_service_hours,
    in_time,
    internal_numbers,
    overdue,
    parse_special_period,
    ring_rule,
)
from hotline.settings import SettingsError, load

S = load(config_file=None, env={})
TZ = ZoneInfo(S.timezone)


def at(hh: int, mm: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=TZ)


@pytest.mark.parametrize("hh,mm,open_", [(7, 59, False), (8, 0, True), (12, 0, True), (21, 59, True),
                                          (22, 0, False), (3, 0, False)])
def test_service_hours(hh: int, mm: int, open_: bool) -> None:
    assert in_service_hours(S, at(hh, mm)) is open_


def test_service_hours_over_midnight_and_around_the_clock() -> None:
    night = S.replace(hours_open="20:00", hours_close="06:00")
    assert in_service_hours(night, at(23)) and in_service_hours(night, at(5)) and not in_service_hours(night, at(12))
    assert in_service_hours(S.replace(hours_open="00:00", hours_close="00:00"), at(4))


def test_urban_and_rural_limits() -> None:
    u = fault_due(S, "urban", at(10))
    assert (u.arrive_by - at(10), u.fix_by - at(10), u.same_evening) == (
        timedelta(minutes=30), timedelta(hours=1), True)
    r = fault_due(S, "rural", at(10))
    assert (r.arrive_by - at(10), r.fix_by - at(10)) == (timedelta(hours=2), timedelta(hours=12))
    big = fault_due(S, "rural", at(10), big=True)
    assert big.fix_by - at(10) == timedelta(days=1)


def test_same_evening_cutoff() -> None:
    # before 21:00: handled the same evening, a small fault never left overnight
    r = fault_due(S, "rural", at(20, 30))
    assert r.arrive_by == at(22, 30) and r.fix_by == at(0, 0, day=3)
    # after the cutoff: the clock starts at the next opening
    late = fault_due(S, "urban", at(21, 30))
    assert (late.starts_at, late.arrive_by, late.fix_by, late.same_evening) == (
        at(8, day=3), at(8, 30, day=3), at(9, day=3), False)
    early = fault_due(S, "urban", at(3))
    assert early.arrive_by == at(8, 30)
    special = S.replace(fault_same_evening_cutoff="24:00")  # special periods
    assert fault_due(special, "urban", at(23)).arrive_by == at(23, 30)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        fault_due(S, "suburb", at(10))
    with pytest.raises(ValueError):
        fault_due(S, "urban", datetime(2026, 3, 2, 10))  # naive
    with pytest.raises(ValueError):
        in_service_hours(S.replace(hours_open="8h"), at(10))


def test_ring_threshold() -> None:
    rule = ring_rule(S)
    assert rule.threshold_s == 20
    assert rule.within(20.0) and not rule.within(20.01)
    assert rule.rings(20.0) == 4 and rule.rings(20.1) == 5 and rule.rings(1.0004) == 1


def test_overdue_is_past_the_deadline_not_at_it() -> None:
    """R-OVERDUE: the one definition, for tasks, fault reports and complaint clocks alike."""
    due = at(10)
    assert not overdue(due, due) and overdue(due, due + timedelta(microseconds=1))
    assert not overdue(due, due - timedelta(seconds=1))


def test_deadline_state_of_a_clock() -> None:
    """R-COMPLAINT: stopped by the deadline met, after it missed; running: pending, then missed."""
    due = at(10)
    assert deadline_state(due, due, due + timedelta(hours=5)) == "met"
    assert deadline_state(due, due + timedelta(seconds=1), due) == "missed"
    assert deadline_state(due, None, due) == "pending"
    assert deadline_state(due, None, due + timedelta(seconds=1)) == "missed"
    assert in_time(due, due) and not in_time(due + timedelta(seconds=1), due)


def test_special_period_moves_the_same_evening_cutoff() -> None:
    """R-FAULT-SLA: "reports before 21:00 (special periods 24:00) are handled the same evening"."""
    plain = fault_due(S, "urban", at(22, 30))  # 2 March: after 21:00, the clock starts next morning
    assert (plain.same_evening, plain.arrive_by, plain.fix_by) == (False, at(8, 30, day=3), at(9, day=3))
    special = S.replace(fault_special_periods=["2026-03-01..2026-03-02"])  # cutoff 24:00 by default
    due = fault_due(special, "urban", at(22, 30))
    assert (due.same_evening, due.arrive_by, due.fix_by) == (True, at(23), at(23, 30))
    # the small fault is still never left overnight: fixed by fault_same_evening_end (24:00)
    assert fault_due(special, "urban", at(23, 15)).fix_by == at(0, day=3)
    # outside the period's dates the 21:00 cutoff holds again; a period may name its own cutoff
    assert not fault_due(special, "urban", at(22, 30, day=3)).same_evening
    own = S.replace(fault_special_periods=["2026-03-02..2026-03-02 23:00"])
    assert fault_due(own, "urban", at(22, 30)).same_evening and not fault_due(own, "urban", at(23, 10)).same_evening


@pytest.mark.parametrize("text,says", [("2026-03-01", "FROM..TO"), ("2026-03-01..2026-02-01", "ends before"),
                                       ("2026-13-01..2026-12-01", "YYYY-MM-DD"),
                                       ("2026-03-01..2026-03-02 25:00", "time of day")])
def test_bad_special_period_says_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_special_period(text)


@pytest.mark.parametrize("number,internal", [
    ("8001", True), ("600", True), ("123456", True), ("**8001", True), ("*8", True), ("#1", True),
    # short service numbers are internal under the default too: 110, a carrier's 10086, a bank's 95588
    ("110", True), ("10086", True), ("95588", True),
    ("13900000009", False),  # a mobile: 11 digits
    ("88886666", False), ("8888666", False),  # a landline without its area code: 7-8 digits
    ("01088886666", False), ("075588886666", False),  # with it
    ("913900000009", False),  # an outside-line prefix before the number
    ("12", False), ("1234567", False),
])
def test_the_default_internal_numbers(number: str, internal: bool) -> None:
    assert internal_numbers(S).covers(number) is internal


def test_internal_number_pattern_is_a_setting_and_a_bad_one_is_refused() -> None:
    assert internal_numbers(S.replace(internal_number_pattern=r"8\d{3}")).covers("8001")
    assert not internal_numbers(S.replace(internal_number_pattern=r"8\d{3}")).covers("600")
    assert load(config_file=None, env={"HOTLINE_INTERNAL_NUMBER_PATTERN": "[0-9]{4}"}).internal_number_pattern == \
        "[0-9]{4}"
    with pytest.raises(SettingsError, match=r"internal_number_pattern.*not a regular expression"):
        internal_numbers(S.replace(internal_number_pattern="[0-9"))
