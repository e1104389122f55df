"""R-KPI: the four monthly KPIs per agent and for the team, against their targets, and who is due
for retraining (below target ``kpi_retraining_months`` months in a row)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.metrics import cache, queries
from hotline.metrics.cases import CaseFigures, case_figures, set_case_kpis
from hotline.metrics.definitions import KPIS
from hotline.metrics.followup import team_only
from hotline.metrics.periods import month_range, months_back
from hotline.metrics.queries import Acc
from hotline.metrics.values import Figures, Ratio
from hotline.settings import Settings

# KPI months are read often (every supervisor page) and change slowly
KPI_CACHE_S = {"closed": 3600.0, "current": 60.0}


@dataclass
class KpiCell:
    value: Ratio | None
    target: float

    @property
    def below(self) -> bool:
        p = None if self.value is None else self.value.pct
        return p is not None and p < self.target


def _cells(s: Settings, f: Figures) -> dict[str, KpiCell]:
    return {k: KpiCell(getattr(f, kpi.metric), getattr(s, kpi.target_setting)) for k, kpi in KPIS.items()}


def _no_calls() -> tuple[Acc, dict[str, Acc]]:
    return Acc(), {}  # what queries.scan gives a part no call started in


def _scan_month(db: Session, s: Settings, start: datetime, end: datetime) -> tuple[Acc, dict[str, Acc]]:
    """queries.scan of every agent, past days kept."""
    team, per = Acc(), dict[str, Acc]()  # new objects: what is kept is never changed
    for part_team, part_per in cache.by_day(db, s, ("scan",), start, end, queries.scan, empty=_no_calls):
        team.merge(part_team)
        for agent, acc in part_per.items():
            per.setdefault(agent, Acc()).merge(acc)
    return team, per


def _kpi_month(db: Session, s: Settings, year: int, month: int, agents: list[str] | None) -> dict[str, Figures]:
    return _month(db, s, year, month, agents)[1]


def _month(db: Session, s: Settings, year: int, month: int,
           agents: list[str] | None) -> tuple[Acc, dict[str, Figures]]:
    """(the team's calls, the agents' figures) of an R-KPI month, kept for KPI_CACHE_S: the team
    row and the agents' rows of one table come from the same reading (#17: a warm page then
    checks no month of calls for its R-KPI table)."""
    a, b = month_range(year, month, s.timezone)
    key = (cache.database(db), year, month, s.timezone, s.service_level_s, s.short_abandon_s,
           tuple(agents) if agents is not None else None)
    hit: tuple[Acc, dict[str, Figures]] | None = cache.KPI.fresh(key)
    if hit is not None:
        return hit
    team, per = queries.scan(db, s, a, b, agents) if agents is not None else _scan_month(db, s, a, b)
    out = {ag: acc.fill(Figures()) for ag, acc in per.items()}
    for ag in (agents if agents is not None else s.agents):
        out.setdefault(ag, Figures())
    owned = case_figures(db, a, b)[1]
    for ag, f in out.items():
        set_case_kpis(f, owned.get(ag, CaseFigures()))  # R-KPI on-time / complaints: the agent's cases
    cache.KPI.put_for(key, KPI_CACHE_S["closed" if b <= datetime.now(UTC) else "current"], (team, out))
    return team, out


def kpis(db: Session, s: Settings, year: int, month: int,
         agents: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per agent: the four R-KPI values of the month with their targets, and ``retraining``: the
    KPIs below target in each of the last ``kpi_retraining_months`` months (this one included)."""
    months = months_back(year, month, max(1, s.kpi_retraining_months))
    wanted = list(agents) if agents is not None else None
    per_month = [_kpi_month(db, s, y, m, wanted) for y, m in months]
    names = sorted(set().union(*[set(pm) for pm in per_month]))
    out: dict[str, dict[str, Any]] = {}
    for agent in names:
        cells_by_month = [_cells(s, pm.get(agent, Figures())) for pm in per_month]
        retraining = [k for k in KPIS if all(c[k].below for c in cells_by_month)]
        out[agent] = {"cells": cells_by_month[0], "retraining": retraining}
    return out


def team_kpis(db: Session, s: Settings, year: int, month: int) -> dict[str, Any]:
    """The four R-KPI values of the month for the whole team: on-time handling and complaint
    resolution over every case of the month, owned or not (hotline.metrics.cases). Retraining
    is a person's matter, so the team row never carries it."""
    a, b = month_range(year, month, s.timezone)
    team = _month(db, s, year, month, None)[0]  # its calls kept like the agents' rows; the cases live
    f = team_only(db, s, a, b, team.fill(Figures()))
    return {"cells": _cells(s, f), "retraining": []}
