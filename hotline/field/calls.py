"""The technician calls the customer through the hotline (R-FAULT-DISPATCH: "the technician calls
the customer to book a time"): AMI Originate rings the technician's phone first (the hotline's
number shown), then the dialplan's ``hotline-callback`` context dials the customer with the
hotline's caller id — the customer never sees the technician's own number. Both numbers must lie
inside the dialling policy (``hotline.dialing_policy``), as for callbacks."""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import dial_digits
from hotline.chanvars import ChanVar
from hotline.dialing_policy import Purpose, assess, over_cap
from hotline.errors import N_
from hotline.field.errors import FieldError
from hotline.field.events import record
from hotline.field.orders import owned_order
from hotline.models import Call
from hotline.models.field import WorkOrder, WorkOrderEvent
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.rules import call_record_overdue
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldCall:
    order_id: int
    call_id: str  # the call's Linkedid (Originate ChannelId): its call record will carry it
    technician_channel: str
    customer_digits: str


def call_under_way(db: Session, s: Settings, order: WorkOrder, now: datetime) -> WorkOrderEvent | None:
    """The order's last call to its customer while it is still ringing or talking: placed, not
    failed at the PBX, and no call record yet — the same test as a callback attempt still pending
    (hotline.callbacks.dialer: no record within callback_reconcile_timeout_min, no call)."""
    last = db.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == order.id,
                                                    WorkOrderEvent.action.in_(("call", "call_failed")))
                      .order_by(WorkOrderEvent.at.desc(), WorkOrderEvent.id.desc()).limit(1)).first()
    if last is None or last.action != "call" or call_record_overdue(s, last.at, now):
        return None
    call_id = last.detail.get("call_id")
    built = db.scalar(select(Call.id).where(Call.server == s.server_id, Call.call_id == call_id).limit(1))
    return last if built is None else None


def call_customer(db: Session, s: Settings, order_id: int, username: str, now: datetime, *,
                  ami: Ami | None = None, variables: dict[str, Any] | None = None) -> FieldCall:
    """Rings ``username``'s phone, then the order's customer. The event is committed before the
    Originate (a crash in between leaves a trace). ``variables``: extra channel variables (tests:
    SIM_CUSTOMER…)."""
    order, tech = owned_order(db, order_id, username, ("dispatched", "accepted", "booked", "arrived"))
    if not order.customer_number:
        raise FieldError(N_("work order %(id)s has no customer number"), id=order_id)
    for number in (tech.phone, order.customer_number):
        verdict = assess(s, number, purpose=Purpose.DIAL_OUT)
        if not verdict.allowed:
            raise FieldError(N_("%(number)s is outside the dialling policy (%(why)s)"), number=number,
                             why=verdict.summary())
    cap = over_cap(s, db, order.customer_number, now)  # the same daily caps as callbacks
    if cap is not None:
        raise FieldError(N_("work order %(id)s: %(cap)s"), id=order_id, cap=cap)
    previous = call_under_way(db, s, order, now)
    if previous is not None:
        # 4 clicks made 4 originates: the technician's phone rang again over the first call
        log.info("work order %s: %s's call refused, call %s still under way", order.id, username,
                 previous.detail.get("call_id"))
        raise FieldError(N_("work order %(id)s: your call to the customer (placed %(at)s) is still under way; "
                            "try again once it has ended"), id=order_id,
                         at=previous.at.astimezone(ZoneInfo(s.timezone)))
    tech_digits = dial_digits(tech.phone, s.phone_region)
    customer = dial_digits(order.customer_number, s.phone_region)
    channel = s.outbound_dial.format(number=tech_digits)
    call_id = f"wo-{order.id}-{uuid.uuid4().hex[:10]}"
    record(db, order, username, "call", now, call_id=call_id)
    db.commit()
    chan_vars = {ChanVar.ORDER_ID: str(order.id), ChanVar.TECHNICIAN: username, **(variables or {})}
    try:
        with contextlib.ExitStack() as stack:
            session = ami if ami is not None else stack.enter_context(Ami.from_settings(s, role=AmiRole.ORIGINATE))
            session.originate(channel, context="hotline-callback", exten=customer, priority=1,
                              callerid=f'"{s.company_name}" <{s.hotline_number}>',
                              timeout_s=s.field_technician_ring_s, variables=chan_vars, channel_id=call_id)
    except AmiError as exc:
        record(db, order, username, "call_failed", now, call_id=call_id, error=str(exc))
        db.commit()
        raise FieldError(N_("work order %(id)s: could not call: %(why)s"), id=order_id, why=str(exc)) from exc
    log.info("work order %s: %s calls the customer (call %s)", order.id, username, call_id)
    return FieldCall(order.id, call_id, channel, customer)

