"""One customer's record: validated fields in, a saved Customer out; a caller found by any of
their numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import dial_digits, read_number
from hotline.errors import N_, DomainError
from hotline.models.cases import CustomerNumber
from hotline.models.ivr import AREAS, Customer
from hotline.settings import Settings
from hotline.timeutil import utcnow


class CustomerError(DomainError):
    """A customer record that cannot be saved (bad number, unknown district, number taken, …)."""


@dataclass
class CustomerFields:
    """What the desk's form and a CSV row give: ``numbers`` as typed (the first is the main one)."""

    numbers: list[str]
    name: str | None = None
    address: str | None = None
    district: str | None = None
    area_type: str | None = None  # urban | rural (R-FAULT-SLA)
    vip: bool = False
    account: str | None = None


def _blank(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def e164_numbers(s: Settings, raw: list[str]) -> list[str]:
    """The numbers in E.164, duplicates dropped, order kept; CustomerError names a bad one."""
    out: list[str] = []
    for text in raw:
        if not _blank(text):
            continue
        num = read_number(s, text)
        if num is None:
            raise CustomerError(N_("not a phone number: %(given)r"), given=text)
        if num.e164 not in out:
            out.append(num.e164)
    if not out:
        raise CustomerError(N_("a customer needs at least one phone number"))
    return out


def check_fields(s: Settings, f: CustomerFields) -> list[str]:
    """Validates ``f`` (raises CustomerError) and returns its numbers in E.164."""
    numbers = e164_numbers(s, f.numbers)
    district = _blank(f.district)
    if district and s.districts and district not in s.districts:
        raise CustomerError(N_("unknown district %(given)r; one of %(choices)s"), given=district,
                            choices=", ".join(s.districts))
    area_type = _blank(f.area_type)
    if area_type and area_type not in AREAS:
        raise CustomerError(N_("area must be one of %(choices)s, not %(given)r"), choices=", ".join(AREAS),
                            given=area_type)
    return numbers


def find_customer(db: Session, s: Settings, number: str | None) -> Customer | None:
    """The customer one of whose numbers is ``number`` (any form a caller id or a person gives):
    the screen pop, the IVR and the cases look callers up here."""
    num = read_number(s, number)
    if num is None:
        return None
    found = db.scalar(select(Customer).join(CustomerNumber, CustomerNumber.customer_id == Customer.id)
                      .where(CustomerNumber.number == num.e164))
    if found is not None:
        return found
    forms = {num.raw, num.e164, dial_digits(num.e164, s.phone_region)}
    return db.scalars(select(Customer).where(Customer.phone.in_(forms)).order_by(Customer.id)).first()


def numbers_of(db: Session, customer: Customer) -> list[str]:
    return list(db.scalars(select(CustomerNumber.number).where(CustomerNumber.customer_id == customer.id)
                           .order_by(CustomerNumber.id)))


def save_customer(db: Session, s: Settings, f: CustomerFields, customer_id: int | None = None,
                  now: datetime | None = None) -> Customer:
    """Creates (``customer_id`` None) or replaces a customer's record. ``phone`` holds the main
    number as callers present it (national digits): what the IVR's look-up matches."""
    numbers = check_fields(s, f)
    now = now or utcnow()
    cust = None if customer_id is None else db.get(Customer, customer_id)
    if customer_id is not None and cust is None:
        raise CustomerError(N_("no customer %(id)s"), id=customer_id)
    for number in numbers:
        other = find_customer(db, s, number)
        if other is not None and (cust is None or other.id != cust.id):
            raise CustomerError(N_("number %(number)s belongs to customer %(id)s"), number=number, id=other.id)
    if cust is None:
        cust = Customer(created_at=now, vip=False)
        db.add(cust)
    cust.phone = dial_digits(numbers[0], s.phone_region)
    cust.name, cust.address, cust.account = _blank(f.name), _blank(f.address), _blank(f.account)
    cust.district, cust.area_type, cust.vip = _blank(f.district), _blank(f.area_type), bool(f.vip)
    cust.updated_at = now
    db.flush()
    db.execute(delete(CustomerNumber).where(CustomerNumber.customer_id == cust.id,
                                            CustomerNumber.number.not_in(numbers)))
    have = set(numbers_of(db, cust))
    for number in numbers:
        if number not in have:
            db.add(CustomerNumber(customer_id=cust.id, number=number))
    db.flush()
    return cust
