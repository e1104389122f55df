"""The case metrics (hotline.metrics.cases) on cases counted by hand: first-call resolution,
on-time handling and complaint resolution, per owner and team."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.cases import CaseInput, close_case, open_case
from hotline.metrics.cases import (
    case_figures,
    complaint_resolution_cases,
    first_call_resolution,
    on_time_handling,
)
from hotline.metrics.definitions import METRICS
from hotline.metrics.values import Ratio
from hotline.settings import Settings
from tests.hotline.cases.conftest import AGENT, BOSS, OTHER_AGENT, db, local, sessions, settings

__all__ = ["db", "sessions", "settings"]

T0 = local(2025, 11, 12, 9, 0)
START, END = local(2025, 11, 12), local(2025, 11, 13)
NOW = local(2025, 11, 20)


def test_case_metrics_follow_the_definitions(settings: Settings, db: Session) -> None:
    def case(actor, kind, number, **kw):  # type: ignore[no-untyped-def]
        return open_case(db, settings, actor, CaseInput(kind=kind, number=number, **kw), reuse_open=False, now=T0)

    case(AGENT, "consult", "13800000001", category="package", first_call_resolved=True, result="answered")  # met
    late = case(AGENT, "consult", "13800000002", category="package", first_call_resolved=False)
    close_case(db, settings, late.id, AGENT, result="called back", now=T0 + timedelta(days=3))  # missed
    case(OTHER_AGENT, "suggestion", "13800000003")  # open past its deadline: missed
    c1 = case(AGENT, "complaint", "13800000004", category="unclear_bill")
    close_case(db, settings, c1.id, BOSS, result="refunded", now=T0 + timedelta(hours=5))  # met
    case(BOSS, "complaint", "13800000005", category="forced_bundling")  # nobody's, open past its deadline
    db.commit()
    # first-call resolution: asked on 2 cases (the complaints and the suggestion were not asked), 1 yes
    assert first_call_resolution(db, START, END) == Ratio(1, 2)
    assert first_call_resolution(db, START, END, owner="8001") == Ratio(1, 2)
    assert on_time_handling(db, START, END, now=NOW) == Ratio(2, 5)
    assert on_time_handling(db, START, END, owner="8001", now=NOW) == Ratio(2, 3)
    assert on_time_handling(db, START, END, owner="8002", now=NOW) == Ratio(0, 1)
    assert complaint_resolution_cases(db, START, END, now=NOW) == Ratio(1, 2)
    # the open ones still within their deadlines are not owed yet; the closed ones count
    team, per = case_figures(db, START, END, now=T0 + timedelta(minutes=1))
    assert team.on_time_handling == Ratio(2, 3) and set(per) == {"8001", "8002"}
    assert on_time_handling(db, END, END + timedelta(days=1), now=NOW).value is None  # no data, not 0 %
    for key in ("first_call_resolution", "case_on_time", "case_complaint_resolution"):
        assert METRICS[key].definition
