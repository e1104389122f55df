"""R-FAULT-OUTAGE from clustered reports: five reports of one fault type from one district within
the window → a suggested outage (escalation); published → an outage the IVR reads, the cluster's
orders and the next caller's linked to it instead of technicians; closed → "service restored" to
every linked caller, once."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import field
from hotline.models.callbacks import Escalation
from hotline.models.field import WorkOrder
from hotline.models.notifications import OutboxMessage
from hotline.outages import current_outage
from hotline.settings import Settings
from tests.hotline.field.conftest import local, report, tech

T0 = local(2026, 12, 7, 19, 0)


def _orders(db: Session, settings: Settings, n: int, start_min: int = 0, district: str = "东城",
            fault_type: str = "no_picture") -> list[WorkOrder]:
    made = []
    for i in range(n):
        at = T0 + timedelta(minutes=start_min + i * 5)
        rep = report(db, at, caller=f"1380000{start_min:02d}{i:02d}", fault_type=fault_type)
        made.append(field.on_report_confirmed(db, settings, rep.id, at, district=district))
    return made


def test_cluster_suggested_published_linked_and_restored(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城", "西城"])
    _orders(db, settings, 2, fault_type="mosaic")  # another fault type: not part of it
    _orders(db, settings, 1, district="西城")  # another district
    first = _orders(db, settings, 4, start_min=10)
    assert field.open_suggestions(db) == []  # four: below the threshold
    first += _orders(db, settings, 1, start_min=30)
    sug = field.open_suggestions(db)[0]
    assert (sug.district, sug.fault_type, sorted(sug.order_ids)) == ("东城", "no_picture", sorted(o.id for o in first))
    assert "东城" in sug.announcement
    esc = db.scalars(select(Escalation).where(Escalation.kind == "outage_suggested")).one()
    assert esc.subject == f"东城 无图像：5单报修（建议 #{sug.id}）"  # readable on the wallboard

    now = T0 + timedelta(minutes=40)
    outage = field.publish_suggested_outage(db, settings, sug.id, "boss", now, cause="power")
    ivr_sees = current_outage(db, "东城", now)  # what the IVR tells the next callers
    assert ivr_sees is not None and ivr_sees.id == outage.id
    assert {o.status for o in first} == {"outage"} and {o.technician_id for o in first} == {None}
    sixth = _orders(db, settings, 1, start_min=45)[0]
    assert (sixth.status, sixth.outage_id, sixth.technician_id) == ("outage", outage.id, None)
    assert [e.action for e in field.history(db, sixth.id)] == ["created", "linked_to_outage"]

    assert field.close_outage_restored(db, settings, outage.id, "boss", now + timedelta(hours=1)) == 6
    assert field.close_outage_restored(db, settings, outage.id, "boss", now + timedelta(hours=2)) == 6  # same rows
    restored = list(db.scalars(select(OutboxMessage).where(OutboxMessage.template == "service_restored")))
    assert len(restored) == 6 and {m.outage_id for m in restored} == {outage.id}
    assert "停电" in restored[0].text and "已恢复" in restored[0].text
    assert {o.status for o in (*first, sixth)} == {"restored"}


def test_reports_spread_beyond_the_window_are_no_cluster(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    for i in range(5):
        at = T0 + timedelta(minutes=i * 10)  # 40 min from first to last: window is 30
        field.on_report_confirmed(db, settings, report(db, at, caller=f"138000011{i:02d}").id, at, district="东城")
    assert field.open_suggestions(db) == []


def test_a_dismissed_cluster_is_not_suggested_again_within_its_window(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    _orders(db, settings, 5)
    sug = field.open_suggestions(db)[0]
    field.dismiss_suggestion(db, sug.id, "boss", T0 + timedelta(minutes=21))
    _orders(db, settings, 1, start_min=25)  # the same cluster grows: no new alert
    assert field.open_suggestions(db) == []
    _orders(db, settings, 5, start_min=60)  # a new burst after the window
    assert len(field.open_suggestions(db)) == 1
