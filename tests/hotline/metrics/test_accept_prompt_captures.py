"""Refusals at an accept prompt without a Local member (tests/captures/foreign_accept/, recorded
2026-12-07 in Shanghai) reach the figures people see: the supervisor page's answers, timeouts and
R-ANS-4RINGS figures, and the call page's ring line (拒接).

    capture                         outcome   Alice                        Bob
    foreign_accept_hunt             answered  declined, picked up at 1 s   answered at his key, 2.5 s
    foreign_accept_ringgroup_abort  failed    declined, picked up at 1 s   cancelled by her pick-up
    foreign_accept_queue_refused    timeout   declined, picked up at 1 s   never rung
    foreign_accept_queue_accepted   answered  answered at her key, 2.5 s   never rung
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hotline import metrics
from hotline.metrics import Ratio
from hotline.models import Call
from tests.hotline.metrics.test_captures import replayed_day
from tests.web.conftest import open_panel

DAY = "2026-12-07"
CALLS = ["foreign_accept_hunt", "foreign_accept_ringgroup_abort", "foreign_accept_queue_refused",
         "foreign_accept_queue_accepted"]


@pytest.mark.parametrize("cycle_s,max_rings,late", [(1.0, 4, False), (0.5, 1, True)])
def test_refusals_without_a_local_member_count_as_declines(tmp_path: Path, db_url: str, cycle_s: float,
                                                           max_rings: int, late: bool) -> None:
    """Each call's answer is the one its accept prompt took, the queue call Alice's phone refused
    is a timeout (a missed call), and her three refusals are no ring-out and no answer
    (R-ANS-4RINGS): within 4 rings at a 1 s cycle; at 0.5 s and 1 ring her 1 s pick-ups are late,
    as both 2.5 s answers are."""
    for p in open_panel(tmp_path, db_url, server_id="replay", ring_cycle_s=cycle_s, max_rings=max_rings):
        team, per = replayed_day(p, CALLS, DAY)
        db = p.db()
        refused = db.execute(select(Call.id).where(Call.dialed == "473", Call.agent.is_(None))).scalar_one()
        db.close()
        assert (team.answered, team.timeouts, team.abandoned) == (2, 1, 0)
        alice, bob = per["Alice"], per["Bob"]
        assert (alice.answered, alice.no_answer_attempts, alice.four_ring_rate) == (1, 0, Ratio(int(not late), 1))
        assert alice.four_ring_violations == (4 if late else 0)  # her late answer and three late pick-ups
        assert (bob.answered, bob.no_answer_attempts, bob.four_ring_rate) == (1, 0, Ratio(int(not late), 1))
        assert bob.four_ring_violations == int(late)
        page = p.client("boss").get(f"/calls/{refused}").get_data(as_text=True)
        assert "拒接" in page and "Alice" in page
    metrics.clear_cache()
