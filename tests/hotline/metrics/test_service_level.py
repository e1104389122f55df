"""The wallboard's SL (``metrics.service_level``, #17): the team's SL of :func:`metrics.figures`,
read from the calls' part alone."""

from __future__ import annotations

from datetime import timedelta

from hotline import metrics
from hotline.metrics import Ratio
from hotline.timeutil import utcnow
from tests.web.conftest import Panel
from tests.web.factory import make_call


def test_service_level_is_the_figures_sl(panel: Panel) -> None:
    s = panel.settings
    db = panel.db()
    earlier = utcnow() - timedelta(hours=2)  # a closed hour of today (kept) and the running one
    if earlier < metrics.period("day", s)[0]:
        earlier = utcnow() - timedelta(minutes=1)
    make_call(db, agent="8001", wait=5, at=earlier)
    make_call(db, agent="8002", wait=s.service_level_s + 10)
    make_call(db, disposition="abandoned", agent=None, wait=60)
    make_call(db, disposition="ivr", agent=None)  # no queue: not in the SL
    start, end = metrics.period("day", s)
    sl = metrics.service_level(db, s, start, end)
    assert sl == metrics.figures(db, s, start, end).sl
    assert sl == Ratio(1, 3)
    db.close()


def test_service_level_of_no_calls_is_an_empty_ratio(panel: Panel) -> None:
    s = panel.settings
    db = panel.db()
    start, end = metrics.period("day", s)
    assert metrics.service_level(db, s, start, end) == Ratio(0, 0)
    db.close()
