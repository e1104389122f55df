"""Technician records: who they are, the number they are rung on, their districts and rota."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.callbacks.workdays import Overrides
from hotline.errors import N_
from hotline.field.errors import FieldError
from hotline.field.rota import Rota, on_duty, validate
from hotline.models.field import OPEN_ORDER_STATUSES, Technician, WorkOrder
from hotline.settings import Settings


def add_technician(db: Session, s: Settings, username: str, phone: str, districts: list[str],
                   rota: Rota, now: datetime, *, name: str | None = None) -> Technician:
    """A new technician (the panel user ``username`` gets role technician separately). The caller
    commits."""
    if db.scalar(select(Technician.id).where(Technician.username == username)) is not None:
        # the unique key would refuse it at the flush: a 500 in the panel
        raise FieldError(N_("technician %(name)s already exists: change it in the list"), name=username)
    number = read_number(s, phone)
    if number is None:
        raise FieldError(N_("technician %(name)s: %(given)r is not a phone number"), name=username, given=phone)
    validate(rota)
    unknown = [d for d in districts if s.districts and d not in s.districts]
    if unknown:
        raise FieldError(N_("technician %(name)s: districts %(given)s not in the districts setting"), name=username,
                         given=unknown)
    tech = Technician(username=username, name=name, phone=number.e164, districts=list(districts),
                      rota={k: list(v) for k, v in rota.items()}, active=True, created_at=now)
    db.add(tech)
    db.flush()
    return tech


def update_technician(db: Session, s: Settings, username: str, *, phone: str | None = None,
                      districts: list[str] | None = None, rota: Rota | None = None,
                      active: bool | None = None) -> Technician:
    """A supervisor changes a technician's number, districts, rota or takes them off (inactive:
    never dispatched to; their open orders stay theirs until re-assigned)."""
    tech = technician(db, username)
    if phone is not None:
        number = read_number(s, phone)
        if number is None:
            raise FieldError(N_("technician %(name)s: %(given)r is not a phone number"), name=username, given=phone)
        tech.phone = number.e164
    if districts is not None:
        unknown = [d for d in districts if s.districts and d not in s.districts]
        if unknown:
            raise FieldError(N_("technician %(name)s: districts %(given)s not in the districts setting"), name=username,
                         given=unknown)
        tech.districts = list(districts)
    if rota is not None:
        validate(rota)
        tech.rota = {k: list(v) for k, v in rota.items()}
    if active is not None:
        tech.active = active
    db.flush()
    return tech


def technician(db: Session, username: str) -> Technician:
    tech = db.scalars(select(Technician).where(Technician.username == username)).first()
    if tech is None:
        raise FieldError(N_("no technician %(name)r"), name=username)
    return tech


def open_orders(db: Session, tech_id: int) -> int:
    return int(db.scalar(select(func.count(WorkOrder.id)).where(
        WorkOrder.technician_id == tech_id, WorkOrder.status.in_(OPEN_ORDER_STATUSES))) or 0)


def on_duty_for(db: Session, s: Settings, district: str | None, at: datetime) -> list[Technician]:
    """The technicians covering ``district`` on duty at ``at``, fewest open orders first (then the
    longest-serving record): R-FAULT-DISPATCH's pick is the first."""
    if not district:
        return []
    calendar = Overrides.of(s)
    techs = [t for t in db.scalars(select(Technician).where(Technician.active.is_(True)).order_by(Technician.id))
             if district in t.districts and on_duty(t, at, s.timezone, calendar)]
    return sorted(techs, key=lambda t: (open_orders(db, t.id), t.id))
