"""On duty by the weekly rota and the Chinese calendar: public holidays have their own entry, a
make-up working day (调休) works like a Monday unless the rota says otherwise."""

from datetime import date

import pytest

from hotline.callbacks.workdays import Overrides
from hotline.field.rota import HOLIDAY, MAKEUP, day_key, on_duty, validate
from hotline.models.field import Technician
from tests.hotline.callbacks.conftest import local

TZ = "Asia/Shanghai"


def _tech(rota: dict[str, object], active: bool = True) -> Technician:
    return Technician(username="t", phone="+8613900000001", districts=["东城"], rota=rota, active=active)


def test_day_keys_follow_the_chinese_calendar() -> None:
    assert day_key(local(2026, 12, 7).date()) == "mon"
    assert day_key(local(2026, 12, 5).date()) == "sat"
    assert day_key(local(2026, 10, 1).date()) == HOLIDAY  # National Day, a Thursday
    assert day_key(local(2026, 10, 10).date()) == MAKEUP  # a Saturday worked for the holiday


def test_on_duty_inside_the_day_spans_only() -> None:
    t = _tech({"mon": ["08:00-12:00", "13:00-18:00"]})
    assert on_duty(t, local(2026, 12, 7, 8, 0), TZ)
    assert not on_duty(t, local(2026, 12, 7, 12, 30), TZ)
    assert not on_duty(t, local(2026, 12, 7, 18, 0), TZ)  # the end is off duty
    assert not on_duty(t, local(2026, 12, 8, 9, 0), TZ)  # Tuesday: no entry
    assert not on_duty(_tech({"mon": ["08:00-18:00"]}, active=False), local(2026, 12, 7, 9, 0), TZ)


def test_holiday_and_makeup_day() -> None:
    t = _tech({"thu": ["08:00-18:00"], "mon": ["09:00-17:00"]})
    assert not on_duty(t, local(2026, 10, 1, 10, 0), TZ)  # Thursday, but a public holiday
    assert on_duty(_tech({"holiday": ["08:00-18:00"]}), local(2026, 10, 1, 10, 0), TZ)
    assert on_duty(t, local(2026, 10, 10, 10, 0), TZ)  # make-up Saturday works Monday's hours
    assert not on_duty(t, local(2026, 10, 10, 8, 30), TZ)


def test_calendar_corrected_in_the_service_settings() -> None:
    """The operator's extra day off / working day (service settings) win over the Chinese calendar."""
    t = _tech({"mon": ["09:00-17:00"], "holiday": ["10:00-12:00"]})
    corrected = Overrides(holidays=frozenset({date(2026, 12, 7)}), workdays=frozenset({date(2026, 12, 5)}))
    assert day_key(date(2026, 12, 7), corrected) == HOLIDAY and day_key(date(2026, 12, 5), corrected) == MAKEUP
    assert on_duty(t, local(2026, 12, 7, 9, 30), TZ) and not on_duty(t, local(2026, 12, 7, 9, 30), TZ, corrected)
    assert on_duty(t, local(2026, 12, 5, 9, 30), TZ, corrected)  # a Saturday worked: Monday's hours


def test_night_shift_over_midnight() -> None:
    t = _tech({"mon": ["20:00-08:00"]})
    assert on_duty(t, local(2026, 12, 7, 23, 0), TZ) and on_duty(t, local(2026, 12, 7, 7, 59), TZ)
    assert not on_duty(t, local(2026, 12, 7, 12, 0), TZ)


def test_a_bad_rota_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown day"):
        validate({"monday": ["08:00-18:00"]})
    with pytest.raises(ValueError, match="HH:MM"):
        validate({"mon": ["8-18"]})
