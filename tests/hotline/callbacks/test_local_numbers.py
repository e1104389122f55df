"""R-ONE-CALL / R-MISSED-CALLBACK: a trunk that gives a local landline number without its area
code (8 digits, 66001234, for a Beijing line) — with ``local_area_code`` set the number is the
operator's area's, so its missed call is called back and meets the same number's other forms
(010-66001234, +861066001234). Left empty (the default) such a number stays no number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.callbacks.numbers import normalise, stored_forms
from hotline.models.callbacks import CallbackTask
from hotline.settings import Settings, SettingsError, load
from scheduler.callbacks import run_pass
from tests.hotline.callbacks.conftest import add_call, local

BEIJING = "+861066001234"
FULL = {"01066001234", "1066001234", "861066001234", "00861066001234", BEIJING}


@pytest.mark.parametrize("area", ["010", "10", " 010 "])
def test_a_local_landline_is_read_in_the_operators_area(area: str) -> None:
    for given in ("66001234", "6600-1234", "6600 1234", "010-66001234", BEIJING):
        got = normalise(given, "CN", area.strip())
        assert got is not None and got.e164 == BEIJING, given
    assert normalise("13800000001", "CN", "010").e164 == "+8613800000001"  # a mobile stays a mobile


def test_only_7_to_8_digits_not_starting_0_or_1_are_local() -> None:
    # 1…: a mobile cut short or a service number (12345, 10086); 0…: a national number; 3–6 digits:
    # an extension; 9 digits: no landline
    for not_local in ("1380000", "13800001", "12345", "0660012", "6600", "660012345"):
        assert normalise(not_local, "CN", "010") is None, not_local
    assert normalise("2345678", "CN", "0755") is None  # Shenzhen numbers are 8 digits: invalid, not guessed
    assert normalise("2345678", "CN", "0891").e164 == "+868912345678"  # 7 digits where the area has them (Lhasa)


def test_without_an_area_code_a_local_number_is_no_number() -> None:
    """Today's behaviour, the default: nothing to read it by."""
    assert normalise("66001234") is None
    assert stored_forms("66001234") == {"66001234"}


def test_the_stored_forms_of_a_number_hold_its_local_form_in_its_own_area_only() -> None:
    """A report, a call, a task kept as the trunk gave it is matched by an indexed IN of these."""
    assert stored_forms(BEIJING, "CN", "010") == FULL | {"66001234"}
    assert stored_forms("66001234", "CN", "010") == FULL | {"66001234"}
    assert stored_forms("010-66001234", "CN", "010") == FULL | {"66001234", "010-66001234"}
    # another area's operator: 66001234 is a number of its own area, not this Beijing one
    assert stored_forms(BEIJING, "CN", "0755") == FULL
    assert stored_forms("13900000109", "CN", "010") == {
        "13900000109", "013900000109", "8613900000109", "008613900000109", "+8613900000109"}


def test_local_area_code_is_checked_when_settings_load() -> None:
    assert load(config_file=None, env={}).local_area_code == ""
    assert load(config_file=None, env={"HOTLINE_LOCAL_AREA_CODE": " 0755 "}).local_area_code == "0755"
    for bad in ("01O", "+8610", "0", "010-", "12345"):
        with pytest.raises(SettingsError, match="local_area_code"):
            load(config_file=None, env={"HOTLINE_LOCAL_AREA_CODE": bad})


def test_a_local_number_missed_call_is_called_back_and_closed_by_its_full_form(settings: Settings, db) -> None:
    """R-MISSED-CALLBACK: the trunk gives 66001234 for the abandon; the task is for the full number
    (dialled 01066001234), and the same caller's answered call from the full form closes it; an
    abandon from 010-66001234 adds to that task, not a second one."""
    beijing = settings.replace(local_area_code="010")
    t0 = local(2025, 11, 12, 10, 0)
    add_call(db, number="66001234", disposition="abandoned", at=t0)
    add_call(db, number="010-66001234", disposition="abandoned", at=t0 + timedelta(minutes=1))
    db.commit()
    run_pass(beijing, db, now=t0 + timedelta(minutes=5))
    db.commit()
    (task,) = db.scalars(select(CallbackTask))
    assert (task.number, task.missed_calls, task.status) == (BEIJING, 2, "open")

    add_call(db, number=BEIJING, disposition="answered", at=t0 + timedelta(minutes=8), wait=3, talk=30)
    db.commit()
    run_pass(beijing, db, now=t0 + timedelta(minutes=9))
    db.commit()
    db.refresh(task)
    assert (task.status, task.closed_reason) == ("done", "answered_call")
