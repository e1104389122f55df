"""Outages seen from clustered reports (R-FAULT-OUTAGE): ≥ outage_cluster_reports work orders of
one fault type from one district within outage_cluster_window_min raise an alert with a
suggested announcement; published, it is an ordinary outage (``hotline.outages``: the IVR tells
the next callers), the cluster's orders and every later report from the district are linked to it
instead of a technician each, and closing it texts "service restored" to every linked caller."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.categories import fault_type_name
from hotline.errors import N_
from hotline.field.errors import FieldError
from hotline.field.events import FieldEscalation, escalate, record, suggestion_subject
from hotline.field.orders import link_to_outage
from hotline.models.field import OPEN_ORDER_STATUSES, OutageSuggestion, WorkOrder
from hotline.models.ivr import OUTAGE_CAUSES, FaultReport, Outage
from hotline.notifications import Links, Template, queue_sms
from hotline.outages import close_outage, open_outage
from hotline.settings import Settings

# what the causes are called in announcements and texts
CAUSE_ZH = {"power": "停电", "headend": "前端机房维护", "force_majeure": "不可抗力", "other": "线路"}


def detect_cluster(db: Session, s: Settings, order: WorkOrder, now: datetime) -> OutageSuggestion | None:
    """After each new order: a new suggestion when its district and fault type reach the
    threshold, or the open suggestion for them grown by this order. None: no cluster."""
    if not order.district or not order.fault_type or s.outage_cluster_reports <= 0:
        return None
    since = order.reported_at - timedelta(minutes=s.outage_cluster_window_min)
    cluster = list(db.scalars(select(WorkOrder).where(
        WorkOrder.district == order.district, WorkOrder.fault_type == order.fault_type,
        WorkOrder.reported_at >= since, WorkOrder.outage_id.is_(None)).order_by(WorkOrder.reported_at)))
    if len(cluster) < s.outage_cluster_reports:
        return None
    same = (OutageSuggestion.district == order.district, OutageSuggestion.fault_type == order.fault_type)
    if db.scalar(select(OutageSuggestion.id).where(*same, OutageSuggestion.status == "dismissed",
                                                   OutageSuggestion.last_at >= since)):
        return None  # a supervisor said no to this cluster: not again until its window has passed
    open_ = db.scalars(select(OutageSuggestion).where(*same, OutageSuggestion.status == "suggested")).first()
    if open_ is not None:
        open_.order_ids = sorted({*open_.order_ids, *(o.id for o in cluster)})
        open_.last_at = max(open_.last_at, order.reported_at)
        return open_
    sug = OutageSuggestion(district=order.district, fault_type=order.fault_type, order_ids=[o.id for o in cluster],
                           first_at=cluster[0].reported_at, last_at=order.reported_at, status="suggested",
                           announcement=suggested_announcement(s, order.district, "other"), raised_at=now)
    db.add(sug)
    db.flush()
    # the subject is what the wallboard and the complaints page show: readable, and one per suggestion
    subject = suggestion_subject(order.district, fault_type_name(s, order.fault_type), len(cluster), sug.id)
    escalate(db, FieldEscalation.OUTAGE_SUGGESTED, subject, now, now)
    return sug


def suggested_announcement(s: Settings, district: str, cause: str) -> str:
    return (f"{s.company_name}提示：{district}地区因{CAUSE_ZH.get(cause, '线路')}故障暂时中断服务，"
            f"我们正在全力抢修，给您带来不便，敬请谅解。")


def _suggestion(db: Session, suggestion_id: int) -> OutageSuggestion:
    sug = db.get(OutageSuggestion, suggestion_id)
    if sug is None:
        raise FieldError(N_("no outage suggestion %(id)s"), id=suggestion_id)
    if sug.status != "suggested":
        raise FieldError(N_("outage suggestion %(id)s is %(status)s"), id=suggestion_id, status=sug.status)
    return sug


def publish_suggested_outage(db: Session, s: Settings, suggestion_id: int, by: str, now: datetime, *,
                             cause: str = "other", note: str | None = None) -> Outage:
    """One click: the suggestion becomes an outage of its district (``hotline.outages.open_outage``,
    which the IVR reads); the cluster's open orders are linked to it (their technicians freed)."""
    if cause not in OUTAGE_CAUSES:
        raise FieldError(N_("unknown outage cause %(given)r; one of %(choices)s"), given=cause,
                         choices=", ".join(OUTAGE_CAUSES))
    sug = _suggestion(db, suggestion_id)
    outage = open_outage(db, sug.district, cause, note=note or suggested_announcement(s, sug.district, cause),
                         started_at=sug.first_at, created_by=by)
    sug.status, sug.outage_id, sug.decided_by, sug.decided_at = "published", outage.id, by, now
    for order in db.scalars(select(WorkOrder).where(WorkOrder.id.in_(sug.order_ids))):
        if order.status in OPEN_ORDER_STATUSES:
            link_to_outage(db, order, outage.id, by, now)
    return outage


def dismiss_suggestion(db: Session, suggestion_id: int, by: str, now: datetime) -> OutageSuggestion:
    sug = _suggestion(db, suggestion_id)
    sug.status, sug.decided_by, sug.decided_at = "dismissed", by, now
    return sug


def open_suggestions(db: Session) -> list[OutageSuggestion]:
    return list(db.scalars(select(OutageSuggestion).where(OutageSuggestion.status == "suggested")
                           .order_by(OutageSuggestion.raised_at)))


def close_outage_restored(db: Session, s: Settings, outage_id: int, by: str, now: datetime) -> int:
    """The outage is over: closed (``hotline.outages.close_outage``), its linked orders restored,
    and "service restored" queued once to every linked caller. Returns how many linked callers have
    their message (queued now, or by an earlier close: never twice)."""
    outage = close_outage(db, outage_id, now)
    queued = 0
    for order in db.scalars(select(WorkOrder).where(WorkOrder.outage_id == outage_id).order_by(WorkOrder.id)):
        if order.status == "outage":
            order.status, order.closed_at = "restored", now
            record(db, order, by, "restored", now, outage=outage_id)
            report = db.get(FaultReport, order.fault_report_id)
            if report is not None and report.status == "open":
                report.status, report.updated_at = "closed", now
        if order.customer_number is None:
            continue
        msg = queue_sms(db, s, order.customer_number, Template.SERVICE_RESTORED,
                        {"district": order.district or outage.area, "cause": CAUSE_ZH.get(outage.cause, "线路")}, now,
                        links=Links(fault_report_id=order.fault_report_id, work_order_id=order.id, outage_id=outage_id),
                        dedupe_key=f"restored:order:{order.id}")
        queued += msg is not None
    db.flush()
    return queued
