"""R-KPI's on-time handling (≥ 98 %) and complaint resolution (≥ 99 %) cells come from the cases
(hotline.metrics.cases): per agent from the cases they own, for the team from every case. The
cases are the table below, opened on 12 Nov 2025 at 09:00 and closed when it says."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline import metrics
from hotline.cases import Actor, CaseInput, close_case, open_case
from hotline.metrics.definitions import KPIS, METRICS
from hotline.metrics.values import Ratio
from hotline.settings import Settings
from hotline.vocabulary import Role
from tests.hotline.cases.conftest import db, local, sessions, settings

__all__ = ["db", "sessions", "settings"]

T0 = local(2025, 11, 12, 9, 0)

# who opens it | kind | complaint clock | closed after (hours; - still open) | deadline kept?
CASES = """
8001  complaint  general   5    yes   solution due in 24 h
8001  complaint  general   30   no    closed after the 24 h
8001  complaint  complex   70   yes   progress due in 72 h
8001  consult    -         1    yes   R-CONSULT-24H
8002  complaint  general   -    no    still open, long past 24 h
8002  suggestion -         -    no    still open, past case_default_due_h
boss  complaint  general   2    yes   a supervisor's: nobody owns it, the team counts it
"""


def open_the_table(db: Session, s: Settings) -> None:
    for n, line in enumerate(CASES.strip().splitlines()):
        who, kind, clock, closed_after, _kept, *_why = line.split()
        actor = Actor(who, Role.SUPERVISOR if who == "boss" else Role.AGENT)
        form = CaseInput(kind=kind, number=f"1380000{n:04d}", description=line,
                         complaint_kind=clock if clock != "-" else "general")
        case = open_case(db, s, actor, form, reuse_open=False, now=T0)
        if closed_after != "-":
            close_case(db, s, case.id, actor, result="done", now=T0 + timedelta(hours=float(closed_after)))
    db.commit()


def test_kpi_cells_are_the_case_figures(settings: Settings, db: Session) -> None:
    open_the_table(db, settings)
    metrics.clear_cache()
    per_agent = metrics.kpis(db, settings, 2025, 11)
    team = metrics.team_kpis(db, settings, 2025, 11)["cells"]
    # 8001: 3 of 4 cases on time, 2 of 3 complaints; 8002: 0 of 2 and 0 of 1
    assert per_agent["8001"]["cells"]["on_time"].value == Ratio(3, 4)
    assert per_agent["8001"]["cells"]["complaint_resolution"].value == Ratio(2, 3)
    assert per_agent["8002"]["cells"]["on_time"].value == Ratio(0, 2)
    assert per_agent["8002"]["cells"]["complaint_resolution"].value == Ratio(0, 1)
    # 8003 has no case: no data, never below target
    assert per_agent["8003"]["cells"]["on_time"].value == Ratio(0, 0)
    assert not per_agent["8003"]["cells"]["on_time"].below
    # the team: every row of the table, the supervisor's case included
    assert team["on_time"].value == Ratio(4, 7)
    assert team["complaint_resolution"].value == Ratio(3, 5)
    assert team["on_time"].below and team["complaint_resolution"].below  # targets 98 % and 99 %


def test_the_kpis_name_their_case_metric_once() -> None:
    assert KPIS["on_time"].metric == "case_on_time"
    assert KPIS["complaint_resolution"].metric == "case_complaint_resolution"
    for kpi in KPIS.values():
        assert kpi.metric in METRICS, kpi  # one definition each, in the catalogue
    assert "complaint_resolution" not in METRICS  # the clock-based figure is gone
