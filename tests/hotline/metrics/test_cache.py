"""hotline.metrics.cache keeps the figures of a period's past days and reads today live: the two parts
give the figures of one reading, and a past day's call written again (a rebuild, a backfill, a
call that ended after midnight) or deleted (retention) shows on the next look."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from hotline import metrics
from hotline.metrics import Ratio
from hotline.models import Call
from tests.web.conftest import Panel
from tests.web.factory import make_call


def _days(s: Any) -> tuple[datetime, datetime, datetime]:
    """Yesterday's start, tomorrow's start, today's start (local days, UTC times)."""
    today = datetime.now(ZoneInfo(s.timezone)).date()
    return (metrics.local_day_start(today - timedelta(days=1), s.timezone),
            metrics.local_day_start(today + timedelta(days=1), s.timezone),
            metrics.local_day_start(today, s.timezone))


def _calls(panel: Panel) -> dict[str, Call]:
    db = panel.db()
    _start, _end, cut = _days(panel.settings)
    c = {
        "A1": make_call(db, at=cut - timedelta(minutes=20), agent="8001", number="111", wait=5, talk=60, survey=1),
        # abandoned before midnight, the same number answered after it: a repeat across the cut
        "B1": make_call(db, at=cut - timedelta(minutes=10), disposition="abandoned", number="222", wait=40),
        "A2": make_call(db, at=cut + timedelta(minutes=5), agent="8001", number="222", wait=25, talk=30,
                        attempts=[("8002", 15, "no_answer"), ("8001", 10, "answered")]),
    }
    db.close()
    return c


def test_past_days_and_today_add_up(panel: Panel) -> None:
    s = panel.settings
    _calls(panel)
    start, end, cut = _days(s)
    db = panel.db()
    team, agents = metrics.team_and_agents(db, s, start, end)
    assert (team.offered, team.answered, team.abandoned) == (3, 2, 1)
    assert team.repeat_rate == Ratio(1, 3)
    assert (team.asa, team.aht, team.satisfaction) == (15.0, 45.0, Ratio(1, 1))
    assert team.four_ring_rate == Ratio(1, 2) and team.no_answer_attempts == 1  # A2 waited 25 s
    assert agents["8001"].answered == 2 and agents["8002"].four_ring_violations == 1
    # the kept part (yesterday) and the live part (today) are each what a period of their own gives
    past, _ = metrics.team_and_agents(db, s, start, cut)
    now, _ = metrics.team_and_agents(db, s, cut, end)
    assert (past.offered, now.offered) == (2, 1)
    assert (past.repeat_rate, now.repeat_rate) == (Ratio(0, 2), Ratio(1, 1))
    # a second look answers from what was kept, unchanged by the first look's additions
    assert metrics.team_and_agents(db, s, start, end) == (team, agents)
    ser = metrics.series(db, s, start, end)
    assert ser["unit"] == "hour" and len(ser["labels"]) == 48
    assert (sum(ser["offered"]), sum(ser["answered"])) == (3, 2)
    assert metrics.series(db, s, start, end) == ser


def test_a_past_day_written_again_shows_on_the_next_look(panel: Panel) -> None:
    s = panel.settings
    c = _calls(panel)
    start, end, _cut = _days(s)
    db = panel.db()
    assert metrics.team_and_agents(db, s, start, end)[0].answered == 2  # yesterday kept from here on
    # the listener builds B1 again (built_at moves on): it was answered by 8002 after all
    b1 = db.get(Call, c["B1"].id)
    b1.disposition, b1.agent, b1.talk_seconds = "answered", "8002", 20.0
    b1.built_at = b1.built_at + timedelta(seconds=1)
    db.commit()
    team, agents = metrics.team_and_agents(db, s, start, end)
    assert (team.answered, team.abandoned, agents["8002"].answered) == (3, 0, 1)
    assert team.repeat_rate == Ratio(0, 3)  # the earlier call is no longer an open matter
    assert sum(metrics.series(db, s, start, end)["answered"]) == 3
    # retention deletes a past day's call
    db.execute(delete(Call).where(Call.id == c["A1"].id))
    db.commit()
    team, agents = metrics.team_and_agents(db, s, start, end)
    assert (team.offered, team.answered, agents["8001"].answered) == (2, 2, 1)
    assert sum(metrics.series(db, s, start, end)["offered"]) == 2
    # a call that started yesterday and is written only now (it ended after midnight)
    make_call(db, at=start + timedelta(hours=23, minutes=59), disposition="timeout", number="333", wait=300)
    assert metrics.team_and_agents(db, s, start, end)[0].timeouts == 1
    assert sum(metrics.series(db, s, start, end)["offered"]) == 3
