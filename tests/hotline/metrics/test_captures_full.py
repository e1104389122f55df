"""A caller refused by a full queue (队列满), from real captures to what people see: the supervisor's
figures (offered, the SL's denominator, not an abandon), the call list, CSV and API, and the
missed-call task (R-MISSED-CALLBACK) — from the whole captures and from one head-cut.

The calls (tests/captures; 6 December 2026 in Shanghai; ring cycle 1 s):

    capture                        outcome     number       queue    wait s  agent
    foreign_queue_full_unfiltered  answered    13600000005  full     4.0     Bob
                                   queue_full  13600000008  full     -       -
    queue_full                     answered    13800000301  hotline  3.0     8001
                                   queue_full  13800000302  hotline  -       -
    queue_joinempty                no_agent    13800000303  hotline  -       -

Settings of the count: service_level_s = 5, short_abandon_s = 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.pipeline import Pipeline
from ami_listener.store import Store
from hotline import metrics
from hotline.db import open_db
from hotline.metrics import Figures, Ratio
from hotline.models import Call
from hotline.models.callbacks import CallbackTask
from hotline.settings import Settings
from scheduler.callbacks import run_pass
from tests.ami_listener.replay import capture, replay_messages
from tests.hotline.metrics.test_captures import replay
from tests.web.conftest import Panel, open_panel

CALLS = ["foreign_queue_full_unfiltered", "queue_full", "queue_joinempty"]
DAY = "2026-12-06"
PAGE = f"/supervisor?date_from={DAY}&date_to={DAY}"


def _panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    metrics.clear_cache()
    yield from open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=1.0, service_level_s=5.0,
                          short_abandon_s=2.0, repeat_window_h=24.0)
    metrics.clear_cache()


@pytest.fixture
def replayed(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    for p in _panel(tmp_path, db_url):
        replay(p.settings, CALLS)
        yield p


def _head_cut(s: Settings, name: str, number: str) -> None:
    """The capture into the store from the first event of ``number``'s call on: the listener
    attached while the earlier caller already waited."""
    msgs = capture(name)
    lid = next(k for k, rec in replay_messages(msgs).items() if rec.caller_number == number)
    at = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.get("Linkedid") == lid)
    engine, sessions = open_db(s)
    pipe = Pipeline(s, Store(sessions, s.server_id), on_call=lambda _rec: None)
    for m in msgs[at:]:
        pipe.feed(m)
    pipe.close()
    engine.dispose()


def _team(p: Panel) -> Figures:
    s, db = p.settings, p.db()
    day = date.fromisoformat(DAY)
    start, end = (metrics.local_day_start(d, s.timezone) for d in (day, day + timedelta(days=1)))
    team, per = metrics.team_and_agents(db, s, start, end)
    db.close()
    assert all(f.queue_full == 0 for f in per.values())  # a queue's figure, not an agent's
    return team


def _missed_tasks(p: Panel) -> list[tuple[str, int]]:
    db = p.db()
    ended = max(x.ended_at for x in db.scalars(select(Call)) if x.ended_at is not None)
    run_pass(p.settings, db, now=ended + timedelta(minutes=1))
    db.commit()
    tasks = db.scalars(select(CallbackTask).where(CallbackTask.reason == "missed")).all()
    db.close()
    return sorted((t.number, t.missed_calls) for t in tasks)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_figures_of_the_captures(replayed: Panel) -> None:
    """Queue full: offered, not answered, against the service level, no abandon, no timeout."""
    team = _team(replayed)
    assert (team.offered, team.answered, team.queue_full, team.no_agent, team.timeouts, team.abandoned) == \
        (5, 2, 2, 1, 0, 0)
    assert team.sl == Ratio(2, 5)  # both answered within 5 s ÷ (2 answered + 2 queue full + 1 no agent)
    assert team.abandon_rate == Ratio(0, 5)
    html = replayed.client("boss").get(PAGE).get_data(as_text=True)
    shown = {k: re.search(rf'id="m-{k}">([^<]*)<', html).group(1)  # type: ignore[union-attr]
             for k in ("queue_full", "offered", "sl")}
    assert shown == {"queue_full": "2", "offered": "5", "sl": "2/5 (40.0%)"}
    assert "队列满" in html


def test_queue_full_in_the_call_list_and_its_callback(replayed: Panel) -> None:
    """The call search's outcome filter and label, the CSV and the API name each refused caller's
    queue; the scheduler's pass makes a missed-call task (R-MISSED-CALLBACK) of each number."""
    c = replayed.client("boss")
    html = c.get("/calls?disposition=queue_full").get_data(as_text=True)
    assert html.count("队列满") >= 3  # the filter's option and the two calls
    api = c.get("/api/v1/calls?disposition=queue_full").get_json()["calls"]
    assert sorted((x["caller_number"], x["queue"]) for x in api) == [("13600000008", "full"),
                                                                      ("13800000302", "hotline")]
    rows = _csv(c.get("/calls?disposition=queue_full&format=csv").get_data(as_text=True))
    assert sorted(r["disposition"] for r in rows) == ["queue_full", "queue_full"]
    page = c.get(f"/calls/{api[0]['id']}").get_data(as_text=True)
    assert "队列满" in page
    assert _missed_tasks(replayed) == [("+8613600000008", 1), ("+8613800000302", 1), ("+8613800000303", 1)]


def test_a_head_cut_replay_counts_the_refused_caller(tmp_path: Path, db_url: str) -> None:
    """The listener attached after the first caller joined: that caller's record is incomplete,
    the refused one whole — counted offered and in the SL's denominator, and called back."""
    for p in _panel(tmp_path, db_url):
        _head_cut(p.settings, "queue_full", "13800000302")
        db = p.db()
        calls = {x.caller_number: x for x in db.scalars(select(Call))}
        db.close()
        refused = calls["13800000302"]
        assert (refused.disposition, refused.queue, refused.incomplete) == ("queue_full", "hotline", False)
        assert all(x.incomplete for n, x in calls.items() if n != "13800000302")
        team = _team(p)
        assert team.queue_full == 1 and team.offered == team.answered + 1
        assert team.sl is not None and team.sl.den == team.answered + 1
        assert _missed_tasks(p) == [("+8613800000302", 1)]
