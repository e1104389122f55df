"""The case list's query: the filters, what each role may see, and the number search that reveals
no more than the reader sees (R-PRIVACY, as the calls search does)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from hotline.callbacks.numbers import read_number
from hotline.cases import OPEN_CASE_STATUSES
from hotline.models.cases import Case
from hotline.rules import overdue
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import Role
from web.cases.forms import CaseFilter, actor
from web.view import VISIBLE_DIGITS, masked_numbers

LIMIT = 500


def case_query(s: Settings, f: CaseFilter, user: Any, now: datetime | None = None) -> Select[Any]:
    now = now or utcnow()
    q = select(Case)
    if user.role == Role.AGENT:
        me = actor(user).name
        q = q.where(or_(Case.owner == me, Case.created_by == me))
    if f.status == "open":
        q = q.where(Case.status.in_(OPEN_CASE_STATUSES))
    elif f.status:
        q = q.where(Case.status == f.status)
    if f.kind:
        q = q.where(Case.kind == f.kind)
    if f.category:
        q = q.where(Case.category == f.category)
    if f.owner:
        q = q.where(Case.owner == f.owner)
    if f.due == "overdue":  # R-OVERDUE
        q = q.where(Case.status.in_(OPEN_CASE_STATUSES), overdue(Case.due_at, now))
    elif f.due == "today":  # overdue by this time tomorrow
        q = q.where(Case.status.in_(OPEN_CASE_STATUSES), overdue(Case.due_at, now + timedelta(days=1)))
    if f.number:
        q = q.where(_number_clause(s, f.number, user))
    return q.order_by(Case.due_at.is_(None), Case.due_at, Case.id.desc()).limit(LIMIT)


def _number_clause(s: Settings, number: str, user: Any) -> Any:
    """The whole number (any form), or its ending — for an inspector only an ending they can see
    (searching ever longer endings would otherwise recover a number digit by digit)."""
    full = read_number(s, number)
    whole = Case.number == full.e164 if full is not None else false()
    ending_ok = sum(ch.isdigit() for ch in number) <= VISIBLE_DIGITS or not masked_numbers(user)
    return or_(whole, Case.number.like(f"%{number}") if ending_ok else false())


def find(db: Session, s: Settings, f: CaseFilter, user: Any) -> list[Case]:
    return list(db.scalars(case_query(s, f, user)))
