"""R-COMPLAINT-CATEGORIES: the monthly complaint analysis — complaints per category per month,
the change against the month before, and the mean time to resolution per category. Complaints
are counted from the complaints table (every complaint, whether the desk's case or the CLI made
it), in the month of their receipt in the operator's zone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.categories import tree
from hotline.csv_cells import csv_text
from hotline.metrics.periods import month_range, months_back
from hotline.models.callbacks import Complaint
from hotline.settings import Settings
from hotline.vocabulary import CaseKind

UNCATEGORISED = ""


@dataclass(frozen=True)
class CategoryRow:
    category: str  # a key of the complaint categories ("" uncategorised)
    label: str
    counts: list[int]  # per month, oldest first
    change: list[int | None]  # against the month before (None for the first month shown)
    resolution_h: list[float | None]  # mean hours from receipt to resolution of that month's resolved ones


@dataclass(frozen=True)
class CategoryAnalysis:
    months: list[tuple[int, int]]  # (year, month), oldest first
    rows: list[CategoryRow]
    totals: list[int]


def complaint_categories(db: Session, s: Settings, year: int, month: int, months: int = 6) -> CategoryAnalysis:
    """The ``months`` months ending with year-month; every configured category has a row (a
    category no complaint named counts 0), then any other category found."""
    wanted = list(reversed(months_back(year, month, max(1, months))))
    labels = dict(tree(s)[CaseKind.COMPLAINT].categories)
    counts: dict[str, list[int]] = {k: [0] * len(wanted) for k in labels}
    hours: dict[str, list[list[float]]] = {k: [[] for _ in wanted] for k in labels}
    for i, (y, m) in enumerate(wanted):
        start, end = month_range(y, m, s.timezone)
        for c in db.scalars(select(Complaint).where(Complaint.received_at >= start, Complaint.received_at < end)):
            key = c.category or UNCATEGORISED
            counts.setdefault(key, [0] * len(wanted))[i] += 1
            if c.resolved_at is not None:
                hours.setdefault(key, [[] for _ in wanted])[i].append(
                    (c.resolved_at - c.received_at).total_seconds() / 3600)
    rows = []
    for key, per in counts.items():
        rows.append(CategoryRow(
            category=key, label=labels.get(key, key or "未分类"), counts=per,
            change=[None] + [per[i] - per[i - 1] for i in range(1, len(per))],
            resolution_h=[round(sum(h) / len(h), 2) if h else None for h in hours.get(key, [[]] * len(wanted))]))
    totals = [sum(r.counts[i] for r in rows) for i in range(len(wanted))]
    return CategoryAnalysis(wanted, rows, totals)


def analysis_csv(a: CategoryAnalysis) -> str:
    """One row per category and month: counts, change, mean resolution hours (BOM: Excel; cells
    through hotline.csv_cells)."""
    rows = ([f"{y:04d}-{m:02d}", r.category, r.label, r.counts[i], r.change[i],
             None if r.resolution_h[i] is None else f"{r.resolution_h[i]:.2f}"]
            for r in a.rows for i, (y, m) in enumerate(a.months))
    return csv_text(["month", "category", "label", "complaints", "change", "resolution_h"], rows)
