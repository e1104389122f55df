"""When a case is due, from its kind's rule: R-FAULT-SLA (repair: the fix-by of the fault),
R-CONSULT-24H (24 working-day hours), R-COMPLAINT (the complaint's last clock: solution 24 h or
progress 72 h), the default for the other kinds (case_default_due_h working-day hours)."""

from __future__ import annotations

from datetime import datetime

from hotline.callbacks.workdays import Overrides, add_working_hours
from hotline.models.callbacks import Complaint
from hotline.models.ivr import FaultReport
from hotline.rules import fault_due
from hotline.settings import Settings
from hotline.vocabulary import CaseKind


def due_at(s: Settings, kind: CaseKind, at: datetime, *, area_type: str | None = None,
           complaint: Complaint | None = None, report: FaultReport | None = None) -> datetime | None:
    """The deadline of a case opened at ``at``; None when the rule has nothing to go by (a
    repair with no area known: the work order's own clock applies)."""
    if kind == CaseKind.REPAIR:
        if report is not None and report.fix_by is not None:
            return report.fix_by
        return fault_due(s, area_type, at).fix_by if area_type in ("urban", "rural") else None
    if kind == CaseKind.COMPLAINT:
        return complaint.resolve_due if complaint is not None else None
    hours = s.callback_consult_due_h if kind == CaseKind.CONSULT else s.case_default_due_h
    return add_working_hours(at, hours, s.timezone, Overrides.of(s))
