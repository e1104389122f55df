"""The team's repeats (R-ONE-CALL) counted from the calls kept per hour (#17,
hotline.metrics.repeat_inputs): after any change to the calls — a number changed, a call deleted,
a start moved across an hour, an open call closed or a closed one opened, a fault ticket left, a
call added — they are what the reading of the calls themselves gives, in a panel that ran through
the change (its memory) and in one started since (the scheduler's rollups), in Asia/Shanghai and in
Asia/Kolkata (hours not on whole UTC hours); only the hours whose calls changed, and the running
hour, are read again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from hotline.chanvars import ChanVar
from hotline.metrics import cache, followup, periods, repeat_inputs, rollups
from hotline.metrics.followup import repeat_counts
from hotline.models import Call
from tests.hotline.metrics.test_days_from_hours import HOUR, _calls, _days, _panel, _shown
from tests.hotline.metrics.test_repeat_runs import _hours, _more_calls
from tests.hotline.metrics.test_rollups import _restart, _step
from tests.web.conftest import Panel
from tests.web.factory import make_call


@pytest.fixture(params=["Asia/Shanghai", "Asia/Kolkata"])
def p(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, request.param)  # the default repeat window, 24 h


def _spans(p: Panel) -> list[list[tuple[datetime, datetime]]]:
    """What pages ask for from yesterday on: every hour (today's end is the running hour's part,
    to the day's end), every third hour, the days, the two days whole."""
    _before, yesterday, today = _days(p)
    end = today + timedelta(days=1)
    return [_hours(yesterday, end), _hours(yesterday, end)[1::3], periods.days(p.settings, yesterday, end),
            [(yesterday, end)]]


def _counts(p: Panel) -> list[list[tuple[int, int]]]:
    db = p.db()
    try:
        return [repeat_counts(db, p.settings, spans) for spans in _spans(p)]
    finally:
        db.close()


def _read_whole(p: Panel, monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[int, int]]]:
    """The reference: the calls themselves read, nothing kept."""
    with monkeypatch.context() as m:
        m.setattr(repeat_inputs, "calls", lambda *_a: None)
        return _counts(p)


def _change(p: Panel, number: str, fn: Callable[[Any, Call], None]) -> None:
    db = p.db()
    row = db.scalars(select(Call).where(Call.caller_number == number).order_by(Call.started_at)).first()
    assert row is not None
    fn(db, row)
    db.commit()
    db.close()


def _rebuilt(**change: Any) -> Callable[[Any, Call], None]:
    """A call built again (the listener, a rebuild): new values and a newer built_at."""
    def fn(_db: Any, row: Call) -> None:
        for k, v in change.items():
            setattr(row, k, v)
        row.built_at = row.built_at + timedelta(seconds=1)
    return fn


def _deleted(db: Any, row: Call) -> None:  # retention, a store's cleanup: nothing newer is written
    db.execute(delete(Call).where(Call.id == row.id))


def _added(db: Any, row: Call) -> None:  # a backfill: a call of the same number in the same hour, open
    make_call(db, at=row.started_at + timedelta(seconds=5), disposition="abandoned", number=row.caller_number,
              wait=4, commit=False)


CHANGES: dict[str, tuple[str, Callable[[Any, Call], None]]] = {
    # yesterday 15:00, timed out (open): today 00:10 repeats it
    "number changed": ("777", _rebuilt(caller_number="13999999999")),
    "number with a comma": ("777", _rebuilt(caller_number="139,999")),  # kept as JSON, not split at it
    "call deleted": ("777", _deleted),
    "open call closed": ("777", _rebuilt(disposition="answered", agent="8001", final_agent="8001")),
    # yesterday 10:05, answered (closed): today 09:59 repeats it once open
    "closed call opened": ("555", _rebuilt(disposition="abandoned", agent=None, final_agent=None)),
    "fault ticket left": ("555", _rebuilt(vars={ChanVar.FAULT_TICKET: "T-9"})),
    # yesterday 23:50, IVR only (open), moved after today's 10:30 call of its number; its built_at
    # kept: the two hours' counts say it
    "start moved across hours": ("888", lambda _db, row: setattr(row, "started_at", row.started_at + timedelta(
        hours=10, minutes=50))),
    # yesterday 02:59:50, answered: one more call in its hour (not a repeat: the calls counted change)
    "call added": ("444", _added),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_kept_hours_give_the_reading_of_the_calls(p: Panel, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    _calls(p)
    _more_calls(p)
    before = _counts(p)  # the closed hours kept in this process
    assert before == _read_whole(p, monkeypatch)
    assert any(k[1] == repeat_inputs.WHAT for k in cache.KEPT.keys()), "kept per hour"
    if _shown(p):
        _step(p)  # and as the scheduler's rollups
    number, fn = CHANGES[change]
    _change(p, number, fn)
    whole = _read_whole(p, monkeypatch)
    assert whole != before, "the change changes the repeats: a kept hour not read again would show it"
    assert _counts(p) == whole, "the panel that ran through the change"
    _restart()
    assert _counts(p) == whole, "a panel started since"


def test_only_the_changed_hour_and_the_running_hour_are_read_again(
        p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    _calls(p)
    _more_calls(p)
    _counts(p)
    read: list[tuple[datetime, datetime]] = []
    real = followup._calls_between

    def spy(db: Any, a: datetime, b: datetime) -> Any:
        read.append((a, b))
        return real(db, a, b)

    monkeypatch.setattr(followup, "_calls_between", spy)
    _counts(p)
    now = periods.running_hour(p.settings)
    assert all(a >= now - HOUR for a, _b in read), "nothing but the hour now is in, read live"
    _change(p, "777", _rebuilt(talk_seconds=99.0))
    read.clear()
    _counts(p)
    at = _days(p)[1] + HOUR * 15  # yesterday 15:00, on a whole UTC hour in Shanghai, 09:30 UTC in Kolkata
    hour = at - (at - repeat_inputs.EPOCH) % HOUR
    assert {r for r in read if r[0] < now - HOUR} == {(hour, hour + HOUR)}


def test_older_readings_read_the_calls(p: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before yesterday's window nothing is kept: the calls are read as before."""
    _calls(p)
    _more_calls(p)
    before, _yesterday, today = _days(p)
    cache.clear()
    db = p.db()
    try:
        got = repeat_counts(db, p.settings, [(before, today)])
    finally:
        db.close()
    assert not any(k[1] == repeat_inputs.WHAT for k in cache.KEPT.keys())
    with monkeypatch.context() as m:
        m.setattr(repeat_inputs, "calls", lambda *_a: None)
        db = p.db()
        try:
            assert repeat_counts(db, p.settings, [(before, today)]) == got
        finally:
            db.close()


def test_the_step_deletes_the_hours_before_yesterdays_window(p: Panel) -> None:
    s = p.settings
    first = repeat_inputs.kept_from(s)
    db = p.db()
    for a in (first - HOUR, first):
        rollups.write(db, repeat_inputs.WHAT, rollups.params_of(s), a, a + HOUR, (1, None), ("[]", "", ""))
    db.commit()
    db.close()
    _step(p)
    db = p.db()
    try:
        assert set(rollups.read(db, repeat_inputs.WHAT, rollups.params_of(s),
                                [(first - HOUR, first), (first, first + HOUR)])) == {first}
    finally:
        db.close()


def test_the_kept_hours_end_at_the_now_given(p: Panel) -> None:
    """``now`` (as the page's other parts take it): the hours kept are those closed by then, the
    calls after them read live, and a reading from before yesterday's window at that time is
    refused (None) — the counts are those of the calls up to then."""
    _calls(p)
    s = p.settings
    _before, yesterday, today = _days(p)
    then = yesterday + timedelta(hours=12, minutes=30)
    reads: list[tuple[datetime, datetime]] = []

    def read(db: Any, a: datetime, b: datetime) -> Any:
        reads.append((a, b))
        return followup._calls_between(db, a, b)

    cache.clear()
    db = p.db()
    try:
        assert repeat_inputs.calls(db, s, repeat_inputs.kept_from(s, then) - HOUR, today, read, now=then) is None
        assert repeat_inputs.calls(db, s, repeat_inputs.kept_from(s) - HOUR, today, read, now=then) is not None
        reads.clear()
        got = repeat_inputs.calls(db, s, yesterday, today, read, now=then)
    finally:
        db.close()
    assert got is not None and reads[-1] == (periods.utc_hour(then), today), "from the hour then, live"
    assert all(b <= periods.utc_hour(then) for _a, b in reads[:-1]), "the hours closed by then, kept"
