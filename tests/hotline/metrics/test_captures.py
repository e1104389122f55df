"""The capture spine reaches the numbers people see: real AMI captures (tests/captures, recorded
from Asterisk) are replayed through the listener into a fresh store, and the supervisor page's
figures are asserted against counts made by hand from the calls below. A builder change that
breaks a metric (an outcome, a wait, a ring verdict, who hung up, an attempt) fails here, whatever
the hand-written factory of the other metrics tests says.

The calls, as the captures recorded them (2026-11-22, 14:38-14:43 in Shanghai; 1 s ring cycle):

    capture                  direction  outcome    number       wait s  answered by  hung up  other attempts
                                                                        (ring s)     first
    quick_answer             inbound    answered   13800000001  1.0     8001 (1.0)   agent    -
    ring_no_answer_rollover  inbound    answered   13800000001  9.0     8002 (1.0)   agent    8001 rang out (7 s)
    abandon_queued           inbound    abandoned  13800000001  3.0     -            caller   8001 cancelled
    queue_timeout            inbound    timeout    13800000001  12.1    -            system   every agent busy
    agent_hangs_up_first     inbound    answered   13800000001  1.0     8001 (1.0)   agent    -
    caller_hangs_up_first    inbound    answered   13800000001  1.0     8001 (1.0)   caller   -
    callback_answered        outbound   answered   13900000009  -       8001         caller   -
    hangup_in_ivr            inbound    ivr        13800000201  -       -            caller   -
    ivr_menu_to_agent        inbound    answered   13800000202  1.0     8001 (1.0)   agent    -
    late_answer              inbound    answered   13800000001  5.5     8001 (5.5)   agent    -

Settings of the count: service_level_s = 5, short_abandon_s = 2 (so that SL and abandons are not
trivially all or nothing), repeat_window_h = 24.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ami_listener.pipeline import Pipeline
from ami_listener.reader import file_chunks, read_frames
from ami_listener.store import Store
from hotline import metrics
from hotline.db import open_db
from hotline.metrics import Ratio
from hotline.models import Call
from hotline.settings import Settings
from hotline.vocabulary import Direction
from tests.ami_listener.replay import CAPTURES
from tests.web.conftest import Panel, open_panel

CALLS = ["quick_answer", "ring_no_answer_rollover", "abandon_queued", "queue_timeout", "agent_hangs_up_first",
         "caller_hangs_up_first", "callback_answered", "hangup_in_ivr", "ivr_menu_to_agent", "late_answer"]
DAY = "2026-11-22"

# What the supervisor page shows for that day, counted by hand from the table above (1 s cycle:
# 4 rings = 4 s, R-ANS-4RINGS).
TEAM = {
    # inbound calls that reached the queue: 6 answered + 1 abandoned + 1 timeout (IVR-only and
    # the outbound callback apart)
    "offered": 8,
    "ivr_only": 1,
    "answered": 6,
    "abandoned": 1,  # abandon_queued waited 3.0 s > short_abandon_s
    "short_abandoned": 0,
    "timeouts": 1,
    # answered within 5 s: all but ring_no_answer_rollover (9.0) and late_answer (5.5) ÷ (6 + 1 + 1)
    "sl": Ratio(4, 8),
    "sl_answered": Ratio(4, 6),
    "abandon_rate": Ratio(1, 8),
    # answered attempts within 4 s: all but late_answer's 5.5 s
    "four_ring_rate": Ratio(5, 6),
    "four_ring_violations": 2,  # late_answer + 8001 ringing out on ring_no_answer_rollover
    "no_answer_attempts": 1,
    "hangup_first": 5,  # every answered call but caller_hangs_up_first
    # R-ONE-CALL: 13800000001 called again after its abandon (queue_timeout), and after that
    # timeout (agent_hangs_up_first, caller_hangs_up_first, late_answer): 4 of the 9 inbound calls
    "repeat_rate": Ratio(4, 9),
}
AGENTS = {
    #          answered  SL ÷ answered  4-ring rate   violations  rang out  hung up first
    "8001": (5, Ratio(4, 5), Ratio(4, 5), 2, 1, 4),
    "8002": (1, Ratio(0, 1), Ratio(1, 1), 0, 0, 1),
    "8003": (0, Ratio(0, 0), Ratio(0, 0), 0, 0, 0),
}


def replay(s: Settings, names: list[str], store: type[Store] = Store) -> None:
    """Each capture through the listener into the store of ``s``, as `hotline replay` does. One
    listener run per capture: each was recorded on its own AMI connection, and one run over two
    files sees the second connection's greeting as a reconnect (a call still open at the cut is
    then rightly incomplete)."""
    engine, sessions = open_db(s)
    for name in names:
        pipe = Pipeline(s, store(sessions, s.server_id), on_call=lambda _rec: None)
        for frames in read_frames(file_chunks(str(CAPTURES / f"{name}.ami"))):
            pipe.feed_frames(frames)
        pipe.close()
    engine.dispose()


def replayed_day(p: Panel, names: list[str], day: str) -> tuple[Any, Any]:
    """The captures ``names`` replayed into ``p``'s store and the supervisor page's (team, per
    agent) figures of their ``day`` (ISO), computed afresh."""
    metrics.clear_cache()
    replay(p.settings, names)
    s, db = p.settings, p.db()
    d = date.fromisoformat(day)
    start, end = (metrics.local_day_start(x, s.timezone) for x in (d, d + timedelta(days=1)))
    try:
        return metrics.team_and_agents(db, s, start, end)
    finally:
        db.close()


def _panel(tmp_path: Path, db_url: str, ring_cycle_s: float) -> Iterator[Panel]:
    metrics.clear_cache()
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=ring_cycle_s, service_level_s=5.0,
                        short_abandon_s=2.0, repeat_window_h=24.0):
        replay(p.settings, CALLS)
        yield p
    metrics.clear_cache()


@pytest.fixture
def replayed(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from _panel(tmp_path, db_url, ring_cycle_s=1.0)


def _shown(html: str, key: str) -> str:
    m = re.search(rf'id="m-{key}">([^<]*)<', html)
    assert m, f"no {key} on the supervisor page"
    return m.group(1)


def _as_shown(v: Any) -> str:
    return f"{v.num}/{v.den}" + ("" if v.pct is None else f" ({v.pct:.1f}%)") if isinstance(v, Ratio) else str(v)


def test_the_supervisor_page_shows_the_hand_counted_figures(replayed: Panel) -> None:
    html = replayed.client("boss").get(f"/supervisor?date_from={DAY}&date_to={DAY}").get_data(as_text=True)
    shown = [k for k in TEAM if k != "no_answer_attempts"]  # a per-agent column, not a team row
    assert {k: _shown(html, k) for k in shown} == {k: _as_shown(TEAM[k]) for k in shown}


def test_team_and_agent_figures_of_the_captures(replayed: Panel) -> None:
    s = replayed.settings
    db = replayed.db()
    day = date.fromisoformat(DAY)
    start, end = (metrics.local_day_start(d, s.timezone) for d in (day, day + timedelta(days=1)))
    team, per = metrics.team_and_agents(db, s, start, end)
    assert {k: getattr(team, k) for k in TEAM} == TEAM
    assert team.asa == pytest.approx((1.0 + 9.0 + 1.0 + 1.0 + 1.0 + 5.5) / 6, abs=0.05)
    got = {a: (f.answered, f.sl_answered, f.four_ring_rate, f.four_ring_violations, f.no_answer_attempts,
               f.hangup_first) for a, f in per.items()}
    assert got == AGENTS
    # the agents' API serves the same, the agent's SL under its own key
    api = replayed.client("boss").get(f"/api/v1/agents/metrics?date_from={DAY}&date_to={DAY}").get_json()["agents"]
    assert api["8001"]["sl_answered"]["num"] == 4 and api["8001"]["sl"] is None
    db.close()


def test_the_same_captures_at_the_china_cadence(tmp_path: Path, db_url: str) -> None:
    """R-ANS-4RINGS with China's 5 s cycle (4 rings = 20 s): late_answer's 5.5 s is within 4
    rings, so only the ring-out remains a violation. The same captures, the same rule, another
    verdict: a builder or metric that hard-coded the 1 s test cadence fails here."""
    for p in _panel(tmp_path, db_url, ring_cycle_s=5.0):
        html = p.client("boss").get(f"/supervisor?date_from={DAY}&date_to={DAY}").get_data(as_text=True)
        assert _shown(html, "four_ring_rate") == _as_shown(Ratio(6, 6))
        assert _shown(html, "four_ring_violations") == "1"
        assert _shown(html, "sl") == _as_shown(TEAM["sl"])  # waits do not depend on the ring cycle


# --- internal calls (issue #12): the foreign-dialplan captures of 2026-12-05, three of which hold a
# phone's own call besides the customer's (foreign_dial_consult_bridge, foreign_refer_attended: a
# consultation call to 8002; foreign_refer_attended_app: to the announcement 600)
INTERNAL_DAY = "2026-12-05"
WITH_INTERNAL = ["foreign_dial_answered", "foreign_dial_ringgroup", "foreign_phone_pickup",
                 "foreign_dial_consult_bridge", "foreign_refer_attended", "foreign_refer_attended_app"]


class _NoInternalStore(Store):
    """The store as it would be had the phones never called each other: internal records dropped."""

    def write(self, batch: Any, calls: Any = (), *args: Any, **kw: Any) -> None:
        super().write(batch, [c for c in calls if c.direction != Direction.INTERNAL], *args, **kw)


def _everything_shown(p: Panel) -> dict[str, Any]:
    """The supervisor page's team figures, the team's and every agent's figures, and the month's
    R-KPI, of the internal calls' day."""
    metrics.clear_cache()
    s, db = p.settings, p.db()
    day = date.fromisoformat(INTERNAL_DAY)
    start, end = (metrics.local_day_start(d, s.timezone) for d in (day, day + timedelta(days=1)))
    team, per = metrics.team_and_agents(db, s, start, end)
    kpis = metrics.kpis(db, s, day.year, day.month)
    db.close()
    html = p.client("boss").get(f"/supervisor?date_from={INTERNAL_DAY}&date_to={INTERNAL_DAY}").get_data(as_text=True)
    return {"page": {k: _shown(html, k) for k in TEAM if k != "no_answer_attempts"}, "team": vars(team),
            "agents": {a: vars(f) for a, f in per.items()}, "kpis": kpis}


def _internal_rows(p: Panel) -> list[tuple[str, str | None, str | None]]:
    db = p.db()
    rows = [(c.caller_number or "", c.dialed, c.agent) for c in
            db.scalars(select(Call).where(Call.direction == Direction.INTERNAL).order_by(Call.started_at))]
    db.close()
    return rows


def test_internal_calls_leave_the_supervisor_figures_as_they_were(tmp_path: Path, db_url: str) -> None:
    """A phone calling a phone is no call into the hotline: the day's offered, answered, service
    level, 4-ring rate, abandons and R-KPI are the same with the internal calls stored as without
    them; the call list shows them, labelled 内部通话."""
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=1.0, service_level_s=5.0,
                        short_abandon_s=2.0, repeat_window_h=24.0):
        replay(p.settings, WITH_INTERNAL, _NoInternalStore)
        assert _internal_rows(p) == []
        without = _everything_shown(p)
        # the customers' six calls, each answered by a phone without a queue: counted (not trivially 0)
        assert without["team"]["answered"] == 6 and without["page"]["answered"] == "6"
        replay(p.settings, WITH_INTERNAL, Store)
        assert _internal_rows(p) == [("8001", "8002", "8002"), ("8001", "8002", "8002"), ("8001", "600", None)]
        assert _everything_shown(p) == without
        page = p.client("boss").get(f"/calls?date_from={INTERNAL_DAY}&date_to={INTERNAL_DAY}").get_data(as_text=True)
        assert page.count("内部通话") == 3
    metrics.clear_cache()


# an agent dialling customers from the desk phone, out through a trunk (the same day's captures)
TRUNK_OUT = ["foreign_phone_trunk_out", "foreign_phone_trunk_no_answer"]


class _InboundOnlyStore(Store):
    """The store as it would be had no phone called anyone itself: internal and outbound records dropped."""

    def write(self, batch: Any, calls: Any = (), *args: Any, **kw: Any) -> None:
        super().write(batch, [c for c in calls if c.direction == Direction.INBOUND], *args, **kw)


def test_an_agents_own_call_out_through_a_trunk_is_outbound(tmp_path: Path, db_url: str) -> None:
    """A phone's own call to an outside number (internal_number_pattern) is stored outbound — the
    phone's agent, the customer's number — beside the internal calls, which stay internal; neither
    moves a queue figure (only inbound calls count), the call list labels only the internal ones
    内部通话, and a search by the customer's number finds the agent's call."""
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=1.0, service_level_s=5.0,
                        short_abandon_s=2.0, repeat_window_h=24.0):
        replay(p.settings, WITH_INTERNAL + TRUNK_OUT, _InboundOnlyStore)
        without = _everything_shown(p)
        assert without["team"]["answered"] == 6
        replay(p.settings, WITH_INTERNAL + TRUNK_OUT, Store)
        db = p.db()
        out = [(c.caller_number, c.dialed, c.agent, c.disposition) for c in
               db.scalars(select(Call).where(Call.direction == Direction.OUTBOUND).order_by(Call.started_at))]
        db.close()
        assert out == [("13900000009", "13900000009", "8001", "answered"),
                       ("13900000006", "13900000006", "8001", "no_answer")]
        assert _internal_rows(p) == [("8001", "8002", "8002"), ("8001", "8002", "8002"), ("8001", "600", None)]
        assert _everything_shown(p) == without
        boss = p.client("boss")
        page = boss.get(f"/calls?date_from={INTERNAL_DAY}&date_to={INTERNAL_DAY}").get_data(as_text=True)
        assert page.count("内部通话") == 3
        found = boss.get(f"/calls?date_from={INTERNAL_DAY}&date_to={INTERNAL_DAY}&number=13900000009")
        rows = re.findall(r'<tr class="call".*?</tr>', found.get_data(as_text=True), re.S)
        assert len(rows) == 1 and "13900000009" in rows[0] and "8001" in rows[0] and "内部通话" not in rows[0], rows
    metrics.clear_cache()


# --- a member who refuses at an accept prompt (tests/captures/foreign_rules/, 2026-12-07): Alice's
# phone answers after 1 s in both; she refuses by key 2 (Bob then answers, his ring 2.5 s to his
# key) or by hanging up on the prompt (the caller is let go: a timeout, nobody answered)
ACCEPT_DAY = "2026-12-07"
ACCEPT = ["foreign_rules_accept_refused", "foreign_rules_accept_hung_up"]


@pytest.mark.parametrize("cycle_s,max_rings,alice_late,bob_within", [(1.0, 4, 0, 1), (0.5, 1, 2, 0)])
def test_a_refusal_at_an_accept_prompt_is_no_ring_out(tmp_path: Path, db_url: str, cycle_s: float, max_rings: int,
                                                      alice_late: int, bob_within: int) -> None:
    """R-ANS-4RINGS: a phone picked up within 4 rings and turned down at the accept prompt rang
    no ring-out and was no answer: Alice has no rang-out attempt, no answer, no violation. The
    rule asks for the pick-up, so at a cadence where her 1 s pick-ups are past the allowed rings
    (0.5 s, 1 ring) each refusal is a violation, as a late answer is (Bob's 2.5 s is then late)."""
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=cycle_s, max_rings=max_rings):
        team, per = replayed_day(p, ACCEPT, ACCEPT_DAY)
        assert (team.answered, team.timeouts) == (1, 1)
        alice, bob = per["Alice"], per["Bob"]
        assert (alice.answered, alice.no_answer_attempts, alice.four_ring_violations) == (0, 0, alice_late)
        assert alice.four_ring_rate == Ratio(0, 0)
        assert (bob.answered, bob.four_ring_rate, bob.four_ring_violations) == (1, Ratio(bob_within, 1), 1 - bob_within)
        assert team.four_ring_violations == alice_late + 1 - bob_within
    metrics.clear_cache()
