"""The desk's raw durations for the metrics (issue 13 §1: logged-in, available, break by reason,
after-call work — AHT = talk + after-call work, occupancy), from a day of presence changes driven
with a recording stand-in for AMI (the real queue is in test_presence.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.db import open_db
from hotline.desk import presence
from hotline.desk.durations import state_seconds
from hotline.desk.live import sync_all
from hotline.desk.presence import CallPhase
from hotline.settings import Settings, load
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def day(tmp_path: Path, db_url: str) -> tuple[Settings, Session, RecordingAmi]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="d", database_url=db_url)
    _engine, sessions = open_db(s)
    db, ami = sessions(), RecordingAmi()
    presence.set_state(s, db, "8001", P.AVAILABLE, now=at(0), ami=ami)
    presence.set_state(s, db, "8001", P.BREAK, "用餐", now=at(60), ami=ami)
    presence.set_state(s, db, "8001", P.AVAILABLE, now=at(120), ami=ami)
    presence.on_call_event(s, db, "8001", CallPhase.RINGING, "c-1", at(130), ami=ami)
    presence.on_call_event(s, db, "8001", CallPhase.ANSWERED, "c-1", at(135), ami=ami)
    presence.on_call_event(s, db, "8001", CallPhase.ENDED, "c-1", at(195), ami=ami)  # wrap-up: desk_wrapup_s = 15
    sync_all(s, db, at(210), ami=ami)  # the scheduler's tick: the wrap-up's time is up
    presence.set_state(s, db, "8001", P.LOGGED_OUT, now=at(300), ami=ami)
    return s, db, ami


def test_the_queue_actions_of_a_day(day: tuple[Settings, Session, RecordingAmi]) -> None:
    _s, _db, ami = day
    assert [(n, f.get("Paused"), f.get("Reason")) for n, f in ami.sent] == [
        ("QueueAdd", "false", None), ("QueuePause", "true", "break:用餐"), ("QueuePause", "false", None),
        ("QueuePause", "true", "wrap-up"), ("QueuePause", "false", None), ("QueueRemove", None, None)]
    assert ami.sent[0][1]["Interface"] == "Local/8001@agents/n" and ami.sent[0][1]["MemberName"] == "8001"


def test_seconds_per_state_over_the_whole_period(day: tuple[Settings, Session, RecordingAmi]) -> None:
    s, db, _ami = day
    d = state_seconds(db, s, T0, at(3600), now=at(3600))["8001"]
    assert d.seconds == {P.AVAILABLE: 60 + 10 + 90, P.BREAK: 60, P.RINGING: 5, P.TALKING: 60,
                         P.WRAP_UP: 15, P.LOGGED_OUT: 3300}
    assert (d.logged_in_s, d.available_s, d.break_s, d.wrapup_s) == (300, 160, 60, 15)
    assert d.break_by_reason == {"用餐": 60}


def test_seconds_are_cut_to_the_period(day: tuple[Settings, Session, RecordingAmi]) -> None:
    s, db, _ami = day
    d = state_seconds(db, s, at(90), at(200), now=at(3600))["8001"]
    assert d.seconds == {P.BREAK: 30, P.AVAILABLE: 10, P.RINGING: 5, P.TALKING: 60, P.WRAP_UP: 5}
    assert d.logged_in_s == 110
    assert state_seconds(db, s, at(90), at(200), agents=["8002"]) == {}


def test_a_state_still_current_counts_until_now(day: tuple[Settings, Session, RecordingAmi]) -> None:
    s, db, ami = day
    presence.set_state(s, db, "8001", P.AVAILABLE, now=at(400), ami=ami)
    d = state_seconds(db, s, at(300), at(3600), now=at(460))["8001"]
    assert d.available_s == 60 and d.logged_in_s == 60


def test_a_busy_hour_is_read_a_batch_at_a_time(tmp_path: Path, db_url: str) -> None:
    """#17: the panel reads the running hour's presence rows every minute (its warm-up) and on each
    view of today's figures; read whole, 30 000 rows were 20 MB of small objects at once, which
    pymalloc's arenas kept after. Streamed, what is held at once does not grow with the hour."""
    import tracemalloc

    from hotline.desk import durations
    from hotline.models import PresenceChange

    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="d", database_url=db_url)
    _engine, sessions = open_db(s)
    n = 6 * durations.BATCH
    with sessions() as db:
        db.add_all(PresenceChange(server="d", agent=f"80{i % 30:02d}", state=P.AVAILABLE.value, previous=None,
                                  started_at=at(i * 0.5), ended_at=at(i * 0.5 + 0.5), by="system", call_id=None)
                   for i in range(n))
        db.commit()
        state_seconds(db, s, at(0), at(3600), now=at(3600))  # the statement compiled and cached first
        tracemalloc.start()
        try:
            got = state_seconds(db, s, at(0), at(3600), now=at(3600))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert sum(d.of(P.AVAILABLE) for d in got.values()) == n * 0.5  # every row counted
    # the whole read held n rows (~600 bytes each here); a batch is a sixth of them
    assert peak < n * 600 / 3, peak
