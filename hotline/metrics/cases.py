"""The case metrics (R-ONE-CALL, R-KPI): first-call resolution, on-time handling and complaint
resolution — per owner (an agent) and for the team.
Cases belong to the period of their ``created_at``; deadlines are hotline.rules'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.metrics.values import Figures, Ratio
from hotline.models.cases import Case
from hotline.rules import deadline_state
from hotline.timeutil import utcnow
from hotline.vocabulary import CaseKind, CaseStatus

DONE = (CaseStatus.CLOSED, CaseStatus.REVISITED)


@dataclass
class CaseFigures:
    """The case metrics of one group (the team, or one owner)."""

    cases: int = 0
    fcr_yes: int = 0  # first_call_resolution: resolved on the call
    fcr_asked: int = 0  # …of the cases where the desk said yes or no
    on_time_met: int = 0  # on_time_handling: closed by the deadline
    on_time_owed: int = 0  # …closed, or open past the deadline
    complaint_met: int = 0  # complaint_resolution_cases: the same on complaint cases
    complaint_owed: int = 0

    @property
    def first_call_resolution(self) -> Ratio:
        return Ratio(self.fcr_yes, self.fcr_asked)

    @property
    def on_time_handling(self) -> Ratio:
        return Ratio(self.on_time_met, self.on_time_owed)

    @property
    def complaint_resolution(self) -> Ratio:
        return Ratio(self.complaint_met, self.complaint_owed)

    def add(self, c: Case, now: datetime) -> None:
        self.cases += 1
        if c.first_call_resolved is not None:
            self.fcr_asked += 1
            self.fcr_yes += int(c.first_call_resolved)
        if c.due_at is None:
            return
        done = c.closed_at if c.status in DONE else None
        state = deadline_state(c.due_at, done, now)
        if state == "pending":
            return  # still running within its deadline: not owed yet
        self.on_time_owed += 1
        self.on_time_met += int(state == "met")
        if c.kind == CaseKind.COMPLAINT:
            self.complaint_owed += 1
            self.complaint_met += int(state == "met")


def case_figures(db: Session, start: datetime, end: datetime,
                 now: datetime | None = None) -> tuple[CaseFigures, dict[str, CaseFigures]]:
    """(team, per owner) case figures of the cases created in [start, end); cases nobody owns
    count for the team only."""
    now = now or utcnow()
    team, per = CaseFigures(), dict[str, CaseFigures]()
    for c in db.scalars(select(Case).where(Case.created_at >= start, Case.created_at < end)):
        team.add(c, now)
        if c.owner:
            per.setdefault(c.owner, CaseFigures()).add(c, now)
    return team, per


def set_case_kpis(f: Figures, cf: CaseFigures) -> Figures:
    """The case figures of one group: R-KPI's on-time handling and complaint resolution, as the KPI
    table reads them, and R-ONE-CALL's first-call resolution (catalogue keys ``case_on_time``,
    ``case_complaint_resolution``, ``first_call_resolution``)."""
    f.case_on_time = cf.on_time_handling
    f.case_complaint_resolution = cf.complaint_resolution
    f.first_call_resolution = cf.first_call_resolution
    return f


def first_call_resolution(db: Session, start: datetime, end: datetime, owner: str | None = None) -> Ratio:
    """R-ONE-CALL: cases resolved on the call ÷ cases where the desk said whether they were."""
    team, per = case_figures(db, start, end)
    return (team if owner is None else per.get(owner, CaseFigures())).first_call_resolution


def on_time_handling(db: Session, start: datetime, end: datetime, owner: str | None = None,
                     now: datetime | None = None) -> Ratio:
    """R-KPI on-time handling (≥ 98 %): cases closed by their deadline ÷ cases closed or open past it."""
    team, per = case_figures(db, start, end, now)
    return (team if owner is None else per.get(owner, CaseFigures())).on_time_handling


def complaint_resolution_cases(db: Session, start: datetime, end: datetime, owner: str | None = None,
                               now: datetime | None = None) -> Ratio:
    """R-KPI complaint resolution (≥ 99 %) from cases: complaint cases closed by their deadline
    (solution 24 h / progress 72 h) ÷ complaint cases closed or open past it."""
    team, per = case_figures(db, start, end, now)
    return (team if owner is None else per.get(owner, CaseFigures())).complaint_resolution
