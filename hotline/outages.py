"""Known outages (R-FAULT-OUTAGE): opened and closed from the panel, looked up by the IVR."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.errors import N_, DomainError
from hotline.models.ivr import OUTAGE_CAUSES, Outage
from hotline.timeutil import utcnow

ALL_AREAS = "*"


def open_outage(db: Session, area: str, cause: str, *, note: str | None = None,
                started_at: datetime | None = None, ended_at: datetime | None = None,
                created_by: str | None = None) -> Outage:
    """Record a known outage for ``area`` (``*`` = every area); the caller commits."""
    area = (area or "").strip()
    if not area:
        raise DomainError(N_("an outage needs an area"))
    if cause not in OUTAGE_CAUSES:
        raise DomainError(N_("unknown outage cause %(given)r; one of %(choices)s"), given=cause,
                          choices=", ".join(OUTAGE_CAUSES))
    outage = Outage(area=area, cause=cause, note=note, started_at=started_at or utcnow(),
                    ended_at=ended_at, created_by=created_by)
    db.add(outage)
    db.flush()
    return outage


def close_outage(db: Session, outage_id: int, ended_at: datetime | None = None) -> Outage:
    """Mark an outage over (idempotent: an already closed one keeps its end time)."""
    outage = db.get(Outage, outage_id)
    if outage is None:
        raise LookupError(f"no outage {outage_id}")
    if outage.ended_at is None:
        outage.ended_at = ended_at or utcnow()
    return outage


def current_outage(db: Session, area: str | None, at: datetime) -> Outage | None:
    """The most recently started outage covering ``area`` at time ``at``, if any."""
    areas = [ALL_AREAS] + ([area] if area else [])
    stmt = (select(Outage).where(Outage.area.in_(areas), Outage.started_at <= at,
                                 or_(Outage.ended_at.is_(None), Outage.ended_at > at))
            .order_by(Outage.started_at.desc()).limit(1))
    return db.scalars(stmt).first()
