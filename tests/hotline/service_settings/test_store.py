"""hotline.service_settings: a save checks every field before writing (a message per bad field,
nothing half-saved), keeps the history, and every reader sees it through ``effective`` within
service_settings_ttl_s — the file settings stay underneath."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline import service_settings as svc
from hotline.callbacks.workdays import Overrides, next_morning
from hotline.cases.categories import tree
from hotline.db import open_db
from hotline.live_alerts import break_limit_s
from hotline.models.service_settings import ServiceSetting, ServiceSettingChange
from hotline.rules import fault_due, in_service_hours, ring_rule
from hotline.service_settings.fields import BY_KEY
from hotline.settings import Settings, load
from hotline.vocabulary import CaseKind

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def env(db_url: str) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    s = load(config_file=None, env={}, database_url=db_url, service_settings_ttl_s=0.3)
    engine, sessions = open_db(s, upgrade=True)
    yield s, sessions
    engine.dispose()


def _save(s: Settings, sessions: sessionmaker[Session], texts: dict[str, str], by: str = "root",
          at: datetime = T0) -> list[svc.Change]:
    with sessions.begin() as db:
        return svc.save(db, s, texts, by, at)


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_bad_values_are_named_per_field_and_nothing_is_saved(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    with pytest.raises(svc.ValidationFailed) as caught:
        _save(s, sessions, {
            "hours_open": "07:00",  # good, yet not saved: the set is refused as a whole
            "hours_close": "25:00",
            "max_rings": "zero",
            "ring_cycle_s": "0",
            "sla_urban_arrive_min": "-5",
            "fault_special_periods": "2026-12-24..2027-01-03\n2026-02-30..2026-03-01",
            "desk_break_reasons": "",
            "ivr_fault_types": "no_picture\n无图像",
            "complaint_categories": "attitude 服务态度\nattitude 重复",
            "database_url": "sqlite:///elsewhere.db",  # deployment-level: never editable here
        })
    errors = caught.value.errors
    assert set(errors) == {"hours_close", "max_rings", "ring_cycle_s", "sla_urban_arrive_min", "fault_special_periods",
                           "desk_break_reasons", "ivr_fault_types", "complaint_categories", "database_url"}
    assert "time of day" in errors["hours_close"] and "whole number" in errors["max_rings"]
    assert "from 0.5 to 30" in errors["ring_cycle_s"] and "from 1 to" in errors["sla_urban_arrive_min"]
    assert errors["fault_special_periods"].startswith("line 2:") and "YYYY-MM-DD" in errors["fault_special_periods"]
    assert "at least 1" in errors["desk_break_reasons"] and "line 2" in errors["ivr_fault_types"]
    assert "twice" in errors["complaint_categories"] and "hotline.toml" in errors["database_url"]
    assert _count(sessions, ServiceSetting) == 0 and _count(sessions, ServiceSettingChange) == 0
    assert svc.effective(s, sessions).hours_open == "08:00"


def test_fields_checked_together(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    with pytest.raises(svc.ValidationFailed) as caught:
        _save(s, sessions, {"callback_revisit_end": "08:30"})  # before the 09:00 start in force
    assert caught.value.errors == {"callback_revisit_end": "must be later than the revisits' start"}
    with pytest.raises(svc.ValidationFailed) as caught:
        _save(s, sessions, {"calendar_holidays": "2026-10-08", "calendar_workdays": "2026-10-08"})
    assert "2026-10-08" in caught.value.errors["calendar_workdays"]
    assert _count(sessions, ServiceSetting) == 0


def test_history_keeps_who_what_when_old_and_new(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    first = _save(s, sessions, {"hours_close": "20:00", "max_rings": "4", "districts": "东城\n西城"}, by="root")
    assert [(c.key, c.old, c.new) for c in first] == [("hours_close", "22:00", "20:00"),
                                                      ("districts", [], ["东城", "西城"])]  # max_rings unchanged
    _save(s, sessions, {"hours_close": "21:30", "districts": "东城\n西城\n朝阳"}, by="boss2",
          at=T0 + timedelta(minutes=5))
    with sessions() as db:
        changes = svc.history(db)
        only = svc.history(db, key="hours_close")
    assert [(c.key, c.old, c.new, c.by, c.at) for c in changes] == [
        ("districts", ["东城", "西城"], ["东城", "西城", "朝阳"], "boss2", T0 + timedelta(minutes=5)),
        ("hours_close", "20:00", "21:30", "boss2", T0 + timedelta(minutes=5)),
        ("districts", [], ["东城", "西城"], "root", T0),
        ("hours_close", "22:00", "20:00", "root", T0),
    ]
    assert [c.new for c in only] == ["21:30", "20:00"]


def test_readers_see_a_change_within_the_ttl_over_the_file(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    file_s = s.replace(hours_close="23:00", max_rings=3)  # hotline.toml's values
    assert svc.effective(file_s, sessions).hours_close == "23:00"
    _save(file_s, sessions, {"hours_close": "20:00", "ring_cycle_s": "2"})  # another process saving
    deadline = time.monotonic() + 10
    while svc.effective(file_s, sessions).hours_close != "20:00":
        assert time.monotonic() < deadline, "the change was not read within the TTL"
        time.sleep(0.05)
    now = svc.effective(file_s, sessions)
    assert (now.ring_cycle_s, now.max_rings, ring_rule(now).threshold_s) == (2.0, 3, 6.0)  # file's max_rings kept
    assert now.database_url == s.database_url  # deployment settings come from the file only
    at_2030 = datetime(2026, 3, 2, 20, 30, tzinfo=ZoneInfo(s.timezone))
    assert in_service_hours(file_s, at_2030) and not in_service_hours(now, at_2030)  # R-ANS-HOURS


def test_stored_values_drive_the_rules(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    _save(s, sessions, {"fault_special_periods": "2026-03-01..2026-03-07",
                        "calendar_holidays": "2026-03-03",
                        "complaint_categories": "attitude 服务态度\nbilling 乱收费",
                        "case_categories": "consult tv 电视节目"})
    svc.forget(sessions)
    now = svc.effective(s, sessions)
    local = ZoneInfo(s.timezone)
    report = datetime(2026, 3, 2, 22, 30, tzinfo=local)
    assert fault_due(now, "urban", report).same_evening and not fault_due(s, "urban", report).same_evening
    # R-FAULT-REVISIT: the next working morning skips the operator's extra day off
    opens, _due = next_morning(report, s.timezone, "09:00", "12:00", Overrides.of(now))
    assert opens.astimezone(local).date().isoformat() == "2026-03-04"
    kinds = tree(now)
    assert kinds[CaseKind.COMPLAINT].categories == {"attitude": "服务态度", "billing": "乱收费"}
    assert kinds[CaseKind.CONSULT].categories == {"tv": "电视节目"}
    assert kinds[CaseKind.REPAIR].categories == tree(s)[CaseKind.REPAIR].categories  # not named: the file's


def test_an_unreadable_database_keeps_the_values_read_before(env: tuple[Settings, sessionmaker[Session]],
                                                              caplog: pytest.LogCaptureFixture) -> None:
    s, sessions = env
    _save(s, sessions, {"hours_open": "07:00"})
    svc.forget(sessions)
    assert svc.effective(s, sessions).hours_open == "07:00"
    with sessions.begin() as db:  # the table unreadable: the reader logs it and the service goes on
        ServiceSettingChange.__table__.drop(db.connection())  # type: ignore[attr-defined]
        ServiceSetting.__table__.drop(db.connection())  # type: ignore[attr-defined]
    svc.forget(sessions)
    assert svc.effective(s, sessions).hours_open == "07:00"
    assert "service settings could not be read" in caplog.text


def test_unset_reverts_to_the_file_value_kept_in_the_history(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    _save(s, sessions, {"max_rings": "6", "callback_revisit_end": "11:00"})
    with sessions.begin() as db:
        done = svc.unset(db, s, ["max_rings", "hours_open"], "root", T0 + timedelta(minutes=1))
    assert [(c.key, c.old, c.new, c.to_file) for c in done] == [("max_rings", 6, 4, True)]  # hours_open: never set
    svc.forget(sessions)
    assert svc.effective(s, sessions).max_rings == 4
    # it follows the file again: a later file value applies, not a copy of the old one
    assert svc.effective(s.replace(max_rings=7), sessions).max_rings == 7
    assert _count(sessions, ServiceSetting) == 1  # callback_revisit_end is still the panel's
    with sessions() as db:
        (last, first) = svc.history(db, key="max_rings")
    assert (last.old, last.new, last.by, last.to_file) == (6, 4, "root", True) and first.to_file is False


def test_unset_is_checked_like_a_save(env: tuple[Settings, sessionmaker[Session]]) -> None:
    s, sessions = env
    # revisits from 12:30 to 13:00: the file's start (09:00) is fine, the file's end (12:00) is not
    _save(s, sessions, {"callback_revisit_end": "13:00"})
    _save(s, sessions, {"callback_revisit_start": "12:30"})
    with sessions.begin() as db, pytest.raises(svc.ValidationFailed) as caught:
        svc.unset(db, s, ["callback_revisit_end"], "root", T0)
    assert "callback_revisit_end" in caught.value.errors
    assert _count(sessions, ServiceSetting) == 2
    with sessions.begin() as db, pytest.raises(svc.ValidationFailed) as caught:
        svc.unset(db, s, ["database_url"], "root", T0)
    assert "hotline.toml" in caught.value.errors["database_url"]


def test_a_break_limit_per_reason_is_edited_as_lines(env: tuple[Settings, sessionmaker[Session]]) -> None:
    """alert_break_reason_s on the panel: REASON=SECONDS per line, each reason one of the break
    reasons (in force after the save), the seconds bounded like alert_break_s; the alert reads it."""
    s, sessions = env
    for text, wanted in (("用餐=long", "line 1: not a whole number"), ("用餐 3600", "line 1: not KEY=SECONDS"),
                         ("用餐=3600\n用餐 = 60", "line 2: '用餐' is given twice"), ("用餐=90000", "from 0 to 86400"),
                         ("午餐=3600", "午餐: not one of the break reasons")):
        with pytest.raises(svc.ValidationFailed) as caught:
            _save(s, sessions, {"alert_break_reason_s": text})
        assert wanted in caught.value.errors["alert_break_reason_s"], text
    # a reason added to the list in the same save is one
    _save(s, sessions, {"desk_break_reasons": "用餐\n午休", "alert_break_reason_s": "用餐 = 3600\n午休=0"})
    with sessions() as db:
        assert [(c.key, c.new) for c in svc.history(db, key="alert_break_reason_s")] == [
            ("alert_break_reason_s", {"用餐": 3600, "午休": 0})]
    svc.forget(sessions)
    now = svc.effective(s, sessions)
    assert [break_limit_s(now, r) for r in ("用餐", "午休", "培训")] == [3600, 0, s.alert_break_s]
    assert BY_KEY["alert_break_reason_s"].display(now.alert_break_reason_s) == "用餐=3600 | 午休=0"
