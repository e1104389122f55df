"""What the demo (`hotline run` with demo traffic) keeps in the database besides its logins: the
customers whose simulated calls report a fault by keypad, and the technician their district's work
orders are dispatched to (R-FAULT-DISPATCH), on duty around the clock. Made whenever missing, so a
deleted database gets them back; an operator's own rows are never changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.customers import CustomerFields, find_customer, save_customer
from hotline.field.rota import HOLIDAY, MAKEUP, WEEKDAYS
from hotline.field.technicians import add_technician
from hotline.models.field import Technician
from hotline.settings import Settings

TECHNICIAN = "technician"  # the demo's technician login (role technician) and field_technicians row
TECHNICIAN_PHONE = "13900000001"
DEFAULT_DISTRICT = "东城"
# (number, name, address): the callers who report a fault (ami_listener/simulate.py); known
# customers, so their reports take the master's district and are dispatched to the technician
FAULT_REPORTERS: tuple[tuple[str, str, str], ...] = (
    ("13800000101", "王伟", "和平里东街11号"),
    ("13800000102", "李娜", "东四十条7号"),
    ("13800000103", "张敏", "北新桥三条21号"),
)
_ALL_DAY = {day: ["00:00-24:00"] for day in (*WEEKDAYS, HOLIDAY, MAKEUP)}


def district(s: Settings) -> str:
    """The demo's district: the operator's first one (a customer's must be one of them), else 东城."""
    return s.districts[0] if s.districts else DEFAULT_DISTRICT


def seed(db: Session, s: Settings, now: datetime) -> list[str]:
    """Adds what is missing (``s``: the service settings in force, for the districts); says what
    it added. The caller commits."""
    made: list[str] = []
    where = district(s)
    for number, name, address in FAULT_REPORTERS:
        if find_customer(db, s, number) is None:
            save_customer(db, s, CustomerFields([number], name=name, address=address, district=where,
                                                area_type="urban"), now=now)
            made.append(f"customer {number}")
    if db.scalars(select(Technician).where(Technician.username == TECHNICIAN)).first() is None:
        add_technician(db, s, TECHNICIAN, TECHNICIAN_PHONE, [where], _ALL_DAY, now, name="赵师傅")
        made.append(f"technician {TECHNICIAN} ({where}, on duty around the clock)")
    return made
