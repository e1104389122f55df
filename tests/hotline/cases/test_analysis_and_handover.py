"""R-COMPLAINT-CATEGORIES monthly figures equal the complaints counted by hand; R-HANDOVER: a
handover pre-filled with every open matter, acknowledged by the incoming lead, then read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.callbacks import create_complaint, update_complaint
from hotline.callbacks.tasks import create_task
from hotline.cases import (
    CaseAccessError,
    CaseInput,
    HandoverError,
    acknowledge_handover,
    add_notes,
    analysis_csv,
    complaint_categories,
    open_case,
    open_handover,
)
from hotline.models.callbacks import Escalation
from hotline.outages import open_outage
from hotline.settings import Settings
from tests.hotline.cases.conftest import AGENT, BOSS, NIGHT_LEAD, local


def _complaint(settings: Settings, db: Session, at_day: tuple[int, int, int], category: str | None,
               resolved_after_h: float | None = None) -> None:
    at = local(*at_day, 10)
    if category is not None and resolved_after_h is None:  # through a desk case, as the panel makes them
        open_case(db, settings, AGENT, CaseInput(kind="complaint", category=category, number="13800000001"),
                  reuse_open=False, now=at)
        return
    c = create_complaint(db, settings, "13800000002", category=category, now=at)
    if resolved_after_h is not None:
        update_complaint(db, c.id, resolved=True, now=at + timedelta(hours=resolved_after_h))


def test_monthly_complaint_categories_equal_the_hand_count(settings: Settings, db: Session) -> None:
    _complaint(settings, db, (2025, 9, 30), "unclear_bill")
    _complaint(settings, db, (2025, 10, 1), "unclear_bill", resolved_after_h=4)
    _complaint(settings, db, (2025, 10, 2), "unclear_bill", resolved_after_h=8)
    _complaint(settings, db, (2025, 10, 3), "forced_bundling")
    _complaint(settings, db, (2025, 11, 5), "unclear_bill")
    _complaint(settings, db, (2025, 11, 6), None, resolved_after_h=2)  # uncategorised, from the CLI
    _complaint(settings, db, (2025, 12, 1), "unclear_bill")  # after the months asked for
    db.commit()
    a = complaint_categories(db, settings, 2025, 11, months=3)
    assert a.months == [(2025, 9), (2025, 10), (2025, 11)]
    rows = {r.category: r for r in a.rows}
    assert rows["unclear_bill"].counts == [1, 2, 1]
    assert rows["unclear_bill"].change == [None, 1, -1]
    assert rows["unclear_bill"].resolution_h == [None, 6.0, None]  # (4 + 8) / 2
    assert rows["forced_bundling"].counts == [0, 1, 0]
    assert rows[""].counts == [0, 0, 1] and rows[""].resolution_h == [None, None, 2.0]
    assert rows["sim_replacement_fee"].counts == [0, 0, 0]  # every configured category has its row
    assert a.totals == [1, 3, 2]
    csv_text = analysis_csv(a)
    assert csv_text.startswith("\ufeffmonth,category,label,complaints,change,resolution_h\r\n")
    assert "2025-11,unclear_bill," in csv_text and ",1,-1,\r\n" in csv_text  # a number stays a number
    assert "2025-10,unclear_bill,账单不清,2,1,6.00\r\n" in csv_text


def test_handover_prefilled_acknowledged_then_read_only(settings: Settings, db: Session) -> None:
    now = local(2025, 11, 12, 20, 0)
    case = open_case(db, settings, AGENT, CaseInput(kind="repair", number="13800000003"), now=now - timedelta(hours=3))
    task = create_task(db, reason="missed", number="+8613800000004", number_raw=None,
                       created_at=now - timedelta(hours=2), due_at=now - timedelta(hours=1))
    complaint = create_complaint(db, settings, "13800000005", category="unclear_bill", now=now - timedelta(hours=1))
    outage = open_outage(db, "东城", "power", started_at=now - timedelta(hours=4))
    db.add(Escalation(kind="task_overdue", subject=f"task:{task.id}", task_id=task.id, due_at=task.due_at,
                      raised_at=now - timedelta(minutes=30)))
    db.flush()
    with pytest.raises(CaseAccessError):
        open_handover(db, AGENT, now=now)
    h = open_handover(db, BOSS, notes="东城停电，预计 23 点恢复", now=now)
    db.commit()
    m = h.matters
    assert [c["id"] for c in m["cases"]] == [case.id]
    assert [t["id"] for t in m["overdue_tasks"]] == [task.id]
    assert [c["id"] for c in m["complaint_clocks"]] == [complaint.id]
    assert [o["id"] for o in m["outages"]] == [outage.id]
    assert [e["subject"] for e in m["escalations"]] == [f"task:{task.id}"]
    add_notes(db, h.id, BOSS, "东城停电，预计 23 点恢复；8002 的回访明早打")
    with pytest.raises(HandoverError, match="incoming lead"):
        acknowledge_handover(db, h.id, BOSS, now=now)
    acknowledge_handover(db, h.id, NIGHT_LEAD, now=now + timedelta(minutes=5))
    db.commit()
    assert (h.opened_by, h.opened_at, h.acknowledged_by, h.acknowledged_at) == (
        "boss", now, "lead2", now + timedelta(minutes=5))
    with pytest.raises(HandoverError, match="read-only"):
        add_notes(db, h.id, BOSS, "too late")
    with pytest.raises(HandoverError, match="read-only"):
        acknowledge_handover(db, h.id, NIGHT_LEAD)
