"""Four former known limits, from real captures to what people see: a caller no agent could take
(无坐席), an agent's average hold, a transfer to an outside number (转外线), a consultation given up
(咨询后取消: on the call page, in no transfer figure).

The calls (tests/captures/foreign_more, foreign_ops; 6 December 2026 in Shanghai; queue members
the SIP phones Alice and Bob):

    capture                          outcome    number       wait s  agent  holds (s)   transferred out
    foreign_queue_joinempty          no_agent   13600000005  -       -      -           -
    foreign_queue_leaveempty         no_agent   13600000005  3.0     -      -           -
    foreign_queue_timeout_voicemail  timeout    13600000005  10.0    -      -           -
    foreign_hold_resume              answered   13600000006  1.0     Alice  1 (3.0)     -
    foreign_atxfer_abandoned         answered   13600000006  1.0     Alice  1 (3.25)    -
    foreign_transfer_out             answered   13600000006  1.0     Alice  0           13900000009
    foreign_atxfer_out               answered   13600000006  1.0     Alice  1 (3.24)    13900000009

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

from hotline import metrics
from hotline.metrics import Ratio
from hotline.models import Call
from hotline.models.callbacks import CallbackTask
from scheduler.callbacks import run_pass
from tests.hotline.metrics.test_captures import replay
from tests.web.conftest import Panel, open_panel
from tests.web.factory import make_call

CALLS = ["foreign_queue_joinempty", "foreign_queue_leaveempty", "foreign_queue_timeout_voicemail",
         "foreign_hold_resume", "foreign_atxfer_abandoned", "foreign_transfer_out", "foreign_atxfer_out"]
DAY = "2026-12-06"
PAGE = f"/supervisor?date_from={DAY}&date_to={DAY}"


@pytest.fixture
def replayed(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    metrics.clear_cache()
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=1.0, service_level_s=5.0,
                        short_abandon_s=2.0, repeat_window_h=24.0):
        replay(p.settings, CALLS)
        yield p
    metrics.clear_cache()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_figures_of_the_captures(replayed: Panel) -> None:
    """No agent: offered, not answered, against the service level, no abandon. Alice's average
    hold over her four answered calls, her two calls handed outside counted for her."""
    s, db = replayed.settings, replayed.db()
    day = date.fromisoformat(DAY)
    start, end = (metrics.local_day_start(d, s.timezone) for d in (day, day + timedelta(days=1)))
    team, per = metrics.team_and_agents(db, s, start, end)
    db.close()
    assert (team.offered, team.answered, team.no_agent, team.timeouts, team.abandoned) == (7, 4, 2, 1, 0)
    assert team.sl == Ratio(4, 7)  # the four answered within 5 s ÷ (4 answered + 1 timeout + 2 no agent)
    assert team.abandon_rate == Ratio(0, 7)
    assert team.transferred_out == 2 and per["Alice"].transferred_out == 2
    assert per["Alice"].avg_hold == pytest.approx((3.0 + 3.25 + 0.0 + 3.24) / 4, abs=0.02)
    assert per["Alice"].no_agent == 0  # a queue's figure, not an agent's
    html = replayed.client("boss").get(PAGE).get_data(as_text=True)
    shown = {k: re.search(rf'id="m-{k}">([^<]*)<', html).group(1)  # type: ignore[union-attr]
             for k in ("no_agent", "transferred_out", "offered")}
    assert shown == {"no_agent": "2", "transferred_out": "2", "offered": "7"}
    agents = {r["agent"]: r for r in _csv(replayed.client("boss").get(PAGE + "&format=csv&table=agents")
                                          .get_data(as_text=True))}
    assert float(agents["Alice"]["avg_hold"]) == pytest.approx(2.37, abs=0.01)
    assert agents["Alice"]["transferred_out"] == "2"


def test_no_agent_in_the_call_list_and_its_callback(replayed: Panel) -> None:
    """The call search's outcome filter, its label, the CSV and the API; the scheduler's pass
    makes the missed-call task (R-MISSED-CALLBACK) of the number: two no-agent calls and one
    timeout, one task."""
    c = replayed.client("boss")
    html = c.get("/calls?disposition=no_agent").get_data(as_text=True)
    assert html.count("无坐席") >= 3  # the filter's option and the two calls
    api = c.get("/api/v1/calls?disposition=no_agent").get_json()["calls"]
    assert sorted((x["queue"] or "", x["disposition"]) for x in api) == [("", "no_agent"), ("sales", "no_agent")]
    rows = _csv(c.get("/calls?disposition=no_agent&format=csv").get_data(as_text=True))
    assert [r["disposition"] for r in rows] == ["no_agent", "no_agent"]
    db = replayed.db()
    ended = max(x.ended_at for x in db.scalars(select(Call)) if x.ended_at is not None)
    run_pass(replayed.settings, db, now=ended + timedelta(minutes=1))
    db.commit()
    tasks = db.scalars(select(CallbackTask).where(CallbackTask.reason == "missed")).all()
    assert [(t.number, t.missed_calls) for t in tasks] == [("+8613600000005", 3)]
    db.close()


def test_transferred_outside_on_the_call_page_csv_and_api(replayed: Panel) -> None:
    """The outside number, masked for an inspector as a caller's number is (R-PRIVACY)."""
    db = replayed.db()
    out = db.scalars(select(Call).where(Call.transferred_out.isnot(None)).order_by(Call.started_at)).all()
    kept = db.scalars(select(Call).where(Call.transferred_out.is_(None), Call.agent.isnot(None))).all()
    db.close()
    assert [(x.agent, x.final_agent, x.transferred_out) for x in out] == [("Alice", None, "13900000009")] * 2
    assert len(kept) == 2
    boss, insp = replayed.client("boss"), replayed.client("insp")
    page = boss.get(f"/calls/{out[0].id}").get_data(as_text=True)
    assert re.search(r'<dt>转外线号码</dt><dd id="transferred-out">13900000009</dd>', page)
    assert 'id="transferred-out"' not in boss.get(f"/calls/{kept[0].id}").get_data(as_text=True)
    masked = insp.get(f"/calls/{out[0].id}").get_data(as_text=True).split('id="transferred-out">')[1]
    assert masked.startswith("*") and "13900000009" not in masked[:20]
    rows = {r["id"]: r["transferred_out"] for r in _csv(boss.get("/calls?format=csv").get_data(as_text=True))}
    assert sorted(rows.values()) == [""] * 5 + ["13900000009"] * 2
    api = {x["id"]: x["transferred_out"] for x in boss.get("/api/v1/calls").get_json()["calls"]}
    assert api[out[0].id] == "13900000009" and api[kept[0].id] is None


def test_an_unproven_hold_is_no_zero(panel: Panel) -> None:
    """An agent's average hold counts the answered calls whose holds are known: a record whose
    holds could not be proven (NULL: an AMI gap, a call built before 0024) is left out, not a
    zero; an agent with none known has no figure (None, shown —)."""
    db = panel.db()
    make_call(db, agent="8001", holds=2, hold_seconds=40.0)
    make_call(db, agent="8001", holds=0, hold_seconds=0.0)
    make_call(db, agent="8001")  # holds not known
    make_call(db, agent="8002")  # holds not known
    make_call(db, agent=None, disposition="abandoned")
    db.close()
    s = panel.settings
    start, end = metrics.period("day", s)
    per = metrics.agent_figures(panel.db(), s, start, end)
    assert per["8001"].avg_hold == pytest.approx(20.0)
    assert per["8002"].avg_hold is None
    assert metrics.figures(panel.db(), s, start, end).avg_hold == pytest.approx(20.0)


def test_a_given_up_consultation_on_the_call_page_and_in_no_figure(replayed: Panel) -> None:
    """foreign_atxfer_abandoned: Alice consulted Bob (8002, unanswered) and went back to
    the caller. The call page's timeline says so in its place — after the answer, before the end —
    and shows no transfer; the call stays Alice's, transferred nowhere (the figures above count
    two calls transferred out, the two that were)."""
    db = replayed.db()
    call = next(x for x in db.scalars(select(Call)) if x.transfers and x.transfers[0].get("to") == "Bob")
    db.close()
    assert (call.final_agent, call.transferred_out) == ("Alice", None)
    page = replayed.client("boss").get(f"/calls/{call.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):page.index("</ol>")]
    order = re.findall(r'class="step-(\w+)"', timeline)
    assert order == ["call_started", "queued", "ring", "answered", "consultation_given_up", "ended"], order
    assert "Alice 咨询 Bob 后取消(未转接)" in timeline and "转接 kind=" not in timeline
