"""What the demo (`hotline run` with demo traffic) keeps in the database besides its logins: the
customers whose simulated calls report a fault by keypad, and the technician their district's work
orders are dispatched to (R-FAULT-DISPATCH), on duty around the clock. Made whenever missing, so a
deleted database gets them back; an operator's own rows are never changed."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.customers import CustomerFields, find_customer, save_customer
from hotline.field.rota import HOLIDAY, MAKEUP, WEEKDAYS
from hotline.field.technicians import add_technician
from hotline.models.field import Technician
from hotline.settings import Settings

TECHNICIAN = "technician"  # the demo's technician login (role technician) and field_technicians row
TECHNICIAN_PHONE = "13900000001"


class Reporter(NamedTuple):
    """A caller who reports a fault (ami_listener/simulate.py): a known customer, so the report
    takes the master's district and is dispatched to the technician."""

    number: str
    name: str
    address: str
    district: str  # with no districts set; else the operator's, in turn (``reporter_district``)
    fault_key: str  # the key pressed at the fault-type menu: key n = ivr_fault_types item n


# Each a different fault type, spread over four districts: a demo's reports look like a day's mix,
# and a cluster (R-FAULT-OUTAGE: outage_cluster_reports of one type in one district) arises from
# the traffic only when the operator's settings make one likely, never from every caller keying alike.
FAULT_REPORTERS: tuple[Reporter, ...] = (
    Reporter("13800000101", "王伟", "和平里东街11号", "东城", "2"),
    Reporter("13800000102", "李娜", "西直门内大街7号", "西城", "1"),
    Reporter("13800000103", "张敏", "望京西路21号", "朝阳", "4"),
    Reporter("13800000104", "刘洋", "中关村南大街5号", "海淀", "3"),
    Reporter("13800000105", "陈静", "东四十条9号", "东城", "5"),
    Reporter("13800000106", "杨磊", "月坛北街12号", "西城", "6"),
)
_ALL_DAY = {day: ["00:00-24:00"] for day in (*WEEKDAYS, HOLIDAY, MAKEUP)}


def reporter_district(s: Settings, i: int) -> str:
    """The ``i``-th reporter's district: its own, or with districts set (a customer's must be one
    of them) the operator's, in turn."""
    return s.districts[i % len(s.districts)] if s.districts else FAULT_REPORTERS[i].district


def districts(s: Settings) -> list[str]:
    """The demo technician's districts: every demo reporter's."""
    return list(dict.fromkeys(reporter_district(s, i) for i in range(len(FAULT_REPORTERS))))


def seed(db: Session, s: Settings, now: datetime) -> list[str]:
    """Adds what is missing (``s``: the service settings in force, for the districts); says what
    it added. The caller commits."""
    made: list[str] = []
    for i, r in enumerate(FAULT_REPORTERS):
        if find_customer(db, s, r.number) is None:
            save_customer(db, s, CustomerFields([r.number], name=r.name, address=r.address,
                                                district=reporter_district(s, i), area_type="urban"), now=now)
            made.append(f"customer {r.number}")
    where = districts(s)
    tech = db.scalars(select(Technician).where(Technician.username == TECHNICIAN)).first()
    if tech is None:
        add_technician(db, s, TECHNICIAN, TECHNICIAN_PHONE, where, _ALL_DAY, now, name="赵师傅")
        made.append(f"technician {TECHNICIAN} ({', '.join(where)}, on duty around the clock)")
    elif tech.phone.endswith(TECHNICIAN_PHONE) and not set(where) <= set(tech.districts):
        # the demo's own technician from an older demo, which had one district: it covers them all now
        tech.districts = [*tech.districts, *(d for d in where if d not in tech.districts)]
        made.append(f"technician {TECHNICIAN} now covers {', '.join(tech.districts)}")
    return made
