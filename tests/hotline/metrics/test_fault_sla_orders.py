"""R-FAULT-SLA from the work orders' real times (issue 15): a report with a work order is met when
its order was fixed by the order's fix-by (the big-fault limit once the fault was big); a report
without an order is judged by the report as before."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy.orm import Session

from hotline import field
from hotline.metrics.followup import fault_sla
from hotline.metrics.values import Ratio
from hotline.models.field import WorkOrder
from hotline.rules import fault_due
from hotline.settings import Settings
from tests.hotline.field.conftest import db, local, report, sessions, settings, tech

__all__ = ["db", "sessions", "settings"]  # the fixtures

T0 = local(2026, 12, 7, 10, 0)  # a Monday
MINUTE = timedelta(minutes=1)


def _order(db: Session, s: Settings, caller: str) -> WorkOrder:
    order = field.on_report_confirmed(db, s, report(db, T0, caller=caller).id, T0, district="东城")
    field.dispatch_to(db, s, order.id, "wang", "boss", T0)
    field.accept(db, order.id, "wang", T0 + MINUTE)
    return order


def _fixed(db: Session, s: Settings, caller: str, size: str, at: timedelta) -> WorkOrder:
    order = _order(db, s, caller)
    field.arrive(db, order.id, "wang", T0 + 2 * MINUTE)
    return field.fix(db, s, order.id, "wang", size, T0 + at)


def test_fault_sla_reads_the_orders_real_times(db: Session, settings: Settings) -> None:
    s = settings
    tech(db, s, "wang", ["东城"])
    small, big = fault_due(s, "urban", T0).fix_by - T0, fault_due(s, "urban", T0, big=True).fix_by - T0
    assert big > small + MINUTE  # the case below needs the big limit to be longer
    in_time = _fixed(db, s, "13800000001", "small", small)  # at its fix-by: met
    late_small = _fixed(db, s, "13800000002", "small", small + MINUTE)  # missed
    late_but_big = _fixed(db, s, "13800000003", "big", small + MINUTE)  # met: the big limit
    _order(db, s, "13800000004")  # still open: counted once past its fix-by
    cannot = _order(db, s, "13800000005")
    field.cannot_fix(db, cannot.id, "wang", "no cable", T0 + 5 * MINUTE)
    # a report edited after its repair: the order's fix time counts, not the report's updated_at
    report_of_in_time = in_time.fault_report_id
    from hotline.models.ivr import FaultReport

    db.get(FaultReport, report_of_in_time).updated_at = T0 + big + timedelta(days=1)
    plain = report(db, T0, caller="13800000006")  # no work order: the report's own times
    plain.fix_by, plain.status, plain.updated_at = T0 + small, "closed", T0 + small - MINUTE
    db.commit()
    assert late_but_big.fix_by == T0 + big
    start, end = T0 - timedelta(hours=1), T0 + timedelta(hours=1)
    during = (T0 + small - MINUTE).astimezone(UTC)  # (the store compares UTC) nothing unrepaired is past its fix-by yet
    assert fault_sla(db, s, start, end, now=during) == Ratio(3, 4)  # in_time, big, plain ÷ those + late_small
    after = (T0 + big + MINUTE).astimezone(UTC)  # the open and the cannot-fix orders are past their fix-by now
    assert fault_sla(db, s, start, end, now=after) == Ratio(3, 6)
    assert late_small.status == "fixed"

