"""The order's history (who, when, what) and the escalations it raises to supervisors."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models.callbacks import Escalation
from hotline.models.field import WorkOrder, WorkOrderEvent
from hotline.settings import Settings

log = logging.getLogger(__name__)
SYSTEM = "system"
# the actions an order's history holds (``record``'s callers; ``urged`` is the caller's, through the
# IVR, hotline.field.standing): the order page names them through the catalogue
ACTIONS = frozenset({"created", "no_technician", "dispatched", "reassigned", "accepted", "call", "call_failed",
                     "booked", "arrived", "fixed", "cannot_fix", "delay_reason", "linked_to_outage", "restored",
                     "overdue", "reviewed", "urged"})


class FieldEscalation(StrEnum):
    """Kinds of ``callback_escalations`` rows the field service raises (subject ``order:<id>`` or,
    for a suggested outage, its district, fault and suggestion id in words); the wallboard lists
    them with the others."""

    UNASSIGNED = "order_unassigned"  # no technician on duty in the district
    UNACCEPTED = "order_unaccepted"  # R-FAULT-DISPATCH: not accepted in field_unaccepted_escalate_min
    LATE_ARRIVAL = "order_late_arrival"  # R-FAULT-SLA: arrive-by missed
    OVERDUE = "order_overdue"  # R-OVERDUE: fix-by missed
    OUTAGE_SUGGESTED = "outage_suggested"  # R-FAULT-OUTAGE: clustered reports


# an outage suggestion's escalation names it in words (the wallboard shows the subject as is);
# its id closes the subject so that hotline.escalations can tell when the suggestion was decided
_SUGGESTION_REF = re.compile(r"（建议 #(\d+)）$")


ORDER_SUBJECT = "order:"  # + the order's id: the field escalations' one-per-order key


def order_subject(order_id: int) -> str:
    return f"{ORDER_SUBJECT}{order_id}"


def order_of(subject: str) -> int | None:
    """The work order an :func:`order_subject` names; None for any other subject."""
    rest = subject.removeprefix(ORDER_SUBJECT)
    return int(rest) if subject.startswith(ORDER_SUBJECT) and rest.isdigit() else None


def suggestion_subject(district: str, fault_name: str, reports: int, suggestion_id: int) -> str:
    return f"{district} {fault_name}：{reports}单报修（建议 #{suggestion_id}）"


def suggestion_of(subject: str) -> int | None:
    """The suggestion id a :func:`suggestion_subject` names; None for any other subject."""
    m = _SUGGESTION_REF.search(subject)
    return int(m.group(1)) if m else None


def record(db: Session, order: WorkOrder, actor: str, action: str, now: datetime, **detail: Any) -> WorkOrderEvent:
    ev = WorkOrderEvent(order_id=order.id, at=now, actor=actor, action=action, technician_id=order.technician_id,
                        detail={k: v for k, v in detail.items() if v is not None})
    db.add(ev)
    order.updated_at = now
    return ev


def escalate(db: Session, kind: FieldEscalation, subject: str, due_at: datetime, now: datetime) -> Escalation | None:
    """One escalation per (kind, subject): None when it was raised before."""
    if db.scalar(select(Escalation.id).where(Escalation.kind == kind.value, Escalation.subject == subject)):
        return None
    esc = Escalation(kind=kind.value, subject=subject, due_at=due_at, raised_at=now)
    db.add(esc)
    log.warning("escalation to supervisors: %s %s (due %s)", kind.value, subject, due_at.isoformat())
    return esc


def local_text(s: Settings, at: datetime) -> str:
    """A time as an SMS says it: "12月5日14:30" in the operator's zone."""
    local = at.astimezone(ZoneInfo(s.timezone))
    return f"{local.month}月{local.day}日{local:%H:%M}"
