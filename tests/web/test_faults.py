"""Fault reports (R-FAULT-SLA countdown, overdue (R-OVERDUE), closing, CSV)."""

from __future__ import annotations

from datetime import timedelta

from hotline import metrics
from hotline.models.ivr import FaultReport
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of


def _report(db, ticket: str, created_ago_min: int, fix_in_min: int, status: str = "open",  # type: ignore[no-untyped-def]
            fault_type: str = "no_signal") -> FaultReport:
    now = utcnow()
    r = FaultReport(ticket=ticket, server="pbx1", call_id=f"c-{ticket}", caller="13700000000", contact="13700000001",
                    area="urban", fault_type=fault_type, status=status,
                    created_at=now - timedelta(minutes=created_ago_min),
                    updated_at=now, arrive_by=now + timedelta(minutes=fix_in_min - 30),
                    fix_by=now + timedelta(minutes=fix_in_min))
    db.add(r)
    db.commit()
    return r


def test_fault_reports_countdown_overdue_and_close(panel: Panel) -> None:
    db = panel.db()
    _report(db, "F-OK", 10, 50)
    late = _report(db, "F-LATE", 90, -30)
    c = panel.client("boss")
    html = c.get("/faults").get_data(as_text=True)
    assert "F-OK" in html and "F-LATE" in html and "已超时" in html
    overdue = c.get("/faults?overdue=1").get_data(as_text=True)
    assert "F-LATE" in overdue and "F-OK" not in overdue
    api = c.get("/api/v1/faults").get_json()["faults"]
    by = {f["ticket"]: f for f in api}
    assert by["F-LATE"]["overdue"] and by["F-LATE"]["fix_left_s"] < 0
    assert not by["F-OK"]["overdue"] and 0 < by["F-OK"]["fix_left_s"] <= 50 * 60
    csv_text = c.get("/faults?format=csv").get_data(as_text=True)
    assert "F-LATE" in csv_text and csv_text.startswith("\ufeffticket,")
    # SLA: the late one counts as due and not met; closing the on-time one meets it
    s = panel.settings
    # the reports' own hours, not "today": run just after midnight, F-LATE's deadline is yesterday's
    start, end = utcnow() - timedelta(hours=3), utcnow() + timedelta(hours=3)
    assert metrics.fault_sla(panel.db(), s, start, end) == metrics.Ratio(0, 1)
    ok_id = panel.db().query(FaultReport).filter_by(ticket="F-OK").one().id
    token = csrf_of(c, "/faults")
    assert c.post(f"/faults/{ok_id}/close", data={"csrf_token": token}).status_code == 303
    assert panel.db().get(FaultReport, ok_id).status == "closed"
    assert metrics.fault_sla(panel.db(), s, start, end) == metrics.Ratio(1, 2)
    assert c.post("/faults/99999/close", data={"csrf_token": token}).status_code == 404
    assert late.id


def test_fault_types_are_named_on_the_page_and_kept_as_keys_in_the_csv(panel: Panel) -> None:
    """The IVR stores a fault type as its key (``ivr_fault_types``): the page names it as the
    repair category of that key does (马赛克 / 图像不清), a key without one stays as it is; the CSV
    keeps the key."""
    db = panel.db()
    _report(db, "F-MOSAIC", 5, 55, fault_type="mosaic")
    _report(db, "F-ODD", 5, 55, fault_type="<b>odd</b>")
    c = panel.client("boss")
    html = c.get("/faults").get_data(as_text=True)
    assert "马赛克 / 图像不清" in html and ">mosaic<" not in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html
    csv_text = c.get("/faults?format=csv").get_data(as_text=True)
    assert ",mosaic," in csv_text


def test_overdue_means_the_same_on_every_page(panel: Panel) -> None:
    """R-OVERDUE: one definition (hotline.rules.overdue) for callback tasks, fault reports and
    complaint clocks — at the deadline instant each is still in time, a microsecond later each is
    overdue."""
    from hotline import callbacks
    from hotline.callbacks.tasks import create_task
    from web.complaints import clock
    from web.faults import fault_rows

    s = panel.settings
    db = panel.db()
    due = utcnow() + timedelta(hours=1)
    task = create_task(db, reason="consult", number="+8613800000001", number_raw=None,
                       created_at=due - timedelta(hours=2), due_at=due)
    r = _report(db, "F-EDGE", 10, 60)
    r.fix_by = due
    db.commit()
    day = (due - timedelta(days=1), due + timedelta(days=1))  # the report's period, whatever the hour
    for now, late in ((due, False), (due + timedelta(microseconds=1), True)):
        assert callbacks.task_dict(task, s.timezone, now)["overdue"] is late
        assert (task in callbacks.overdue_tasks(db, now)) is late
        assert next(f for f in fault_rows(db, s, *day, now=now) if f["ticket"] == "F-EDGE")["overdue"] is late
        assert clock(due, None, now)["state"] == ("missed" if late else "pending")
        assert metrics.fault_sla(db, s, *day, now=now) == metrics.Ratio(0, 1 if late else 0)
    db.close()
