"""The agents' time in states and their occupancy (hotline.metrics.agent_time) from a table of
stored presence rows: a break over midnight counts only its part inside the day, a state over the
period's end likewise, a state still current counts up to now, break time splits by reason, and
occupancy = (talk + after-call work) ÷ (logged in − break − busy)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline import metrics
from hotline.db import open_db
from hotline.metrics import METRICS, Ratio
from hotline.models.desk import PresenceChange
from hotline.settings import Settings, load

TZ = timedelta(hours=8)  # the operator's zone (Asia/Shanghai): the day below is its local day


def local(day: int, hhmmss: str) -> datetime:
    """December ``day`` 2026, ``hhmmss`` local time, as UTC."""
    h, m, *sec = (int(x) for x in hhmmss.split(":"))
    return datetime(2026, 12, day, h, m, sec[0] if sec else 0, tzinfo=UTC) - TZ


# agent, state, reason, from (day, time), until (day, time) or None: the current state
ROWS = [
    ("8001", "available", None, (1, "23:00"), (1, "23:30")),  # before the day: not counted
    ("8001", "break", "用餐", (1, "23:30"), (2, "00:30")),  # over midnight: 30 min inside
    ("8001", "available", None, (2, "00:30"), (2, "00:40")),
    ("8001", "ringing", None, (2, "00:40"), (2, "00:40:10")),
    ("8001", "talking", None, (2, "00:40:10"), (2, "00:45:10")),
    ("8001", "wrap_up", None, (2, "00:45:10"), (2, "00:46:10")),
    ("8001", "busy", None, (2, "00:46:10"), (2, "00:56:10")),
    ("8001", "break", "培训", (2, "00:56:10"), (2, "01:56:10")),
    ("8001", "available", None, (2, "01:56:10"), None),  # still available at NOW: 230 s so far
    ("8002", "logged_out", None, (2, "08:00"), (2, "23:50")),  # logged out: never logged-in time
    ("8002", "available", None, (2, "23:50"), (3, "00:10")),  # over the period's end: 10 min inside
    ("8002", "talking", None, (3, "00:10"), (3, "00:20")),  # after the period
]
NOW = local(2, "02:00")


@pytest.fixture
def desk_day(tmp_path: Path, db_url: str) -> tuple[Settings, Session]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="d", database_url=db_url,
             timezone="Asia/Shanghai", agents=["8001", "8002", "8003"])
    _engine, sessions = open_db(s)
    db = sessions()
    for agent, state, reason, (d1, t1), until in ROWS:
        db.add(PresenceChange(server="d", agent=agent, state=state, reason=reason, previous=None,
                              started_at=local(d1, t1), ended_at=local(*until) if until else None, by=agent))
    db.add(PresenceChange(server="other", agent="8001", state="available", started_at=local(2, "00:00"),
                          ended_at=local(2, "23:00"), by="8001"))  # another server's desk: not ours
    db.commit()
    return s, db


def test_time_in_states_of_the_day(desk_day: tuple[Settings, Session]) -> None:
    s, db = desk_day
    start, end = local(2, "00:00"), local(3, "00:00")
    assert metrics.period("day", s, now=NOW) == (start, end)
    team, per = metrics.agent_time(db, s, start, end, now=NOW)
    a = per["8001"]
    assert (a.logged_in_s, a.available_s, a.busy_s, a.break_s, a.ringing_s, a.talk_s, a.wrapup_s) == (
        1800 + 600 + 10 + 300 + 60 + 600 + 3600 + 230, 600 + 230, 600, 1800 + 3600, 10, 300, 60)
    assert a.break_by_reason == {"用餐": 1800, "培训": 3600}
    assert a.staffed_s == 1200  # available 830 + ringing 10 + talking 300 + after-call work 60
    assert a.occupancy == Ratio(360, 1200) and a.occupancy.pct == 30.0
    b = per["8002"]
    assert (b.logged_in_s, b.available_s, b.talk_s) == (600, 600, 0)
    assert b.occupancy == Ratio(0, 600)
    assert per["8003"].logged_in_s == 0 and per["8003"].occupancy.value is None  # no data, not 0 %
    assert list(per) == ["8001", "8002", "8003"]
    assert (team.logged_in_s, team.break_s, team.talk_s) == (a.logged_in_s + 600, 5400, 300)
    assert team.break_by_reason == {"用餐": 1800, "培训": 3600}
    assert team.occupancy == Ratio(360, 1800)


def test_the_day_before_gets_the_break_before_midnight(desk_day: tuple[Settings, Session]) -> None:
    s, db = desk_day
    _team, per = metrics.agent_time(db, s, local(1, "00:00"), local(2, "00:00"), agents=["8001"], now=NOW)
    assert list(per) == ["8001"]
    a = per["8001"]
    assert (a.logged_in_s, a.available_s, a.break_s, a.break_by_reason) == (3600, 1800, 1800, {"用餐": 1800})
    assert a.occupancy == Ratio(0, 1800)


def test_the_catalogue_defines_them() -> None:
    for key in ("logged_in_time", "available_time", "busy_time", "break_time", "talk_time", "wrapup_time",
                "occupancy"):
        assert METRICS[key].definition and METRICS[key].zh
    assert "(talking + after-call work) ÷ (logged in − break − busy)" in METRICS["occupancy"].definition
