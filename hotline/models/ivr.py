"""IVR tables: known customers (and the VIP list), known outages, fault reports taken by keypad."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, synonym

from hotline.models.base import Base, BigId

__all__ = ["AREAS", "OUTAGE_CAUSES", "REPORT_STATUSES", "Customer", "FaultReport", "Outage"]

# R-FAULT-OUTAGE: the causes the IVR can name (prompt outage_cause_<cause>).
OUTAGE_CAUSES = ("power", "headend", "force_majeure", "other")
# R-FAULT-SLA: the two areas with their own repair time limits.
AREAS = ("urban", "rural")
# incomplete: the caller left (or is still keying) before confirming — R-ONE-CALL: a callback is
# due; open: confirmed, waiting for repair; closed: repaired (set by the panel).
REPORT_STATUSES = ("incomplete", "open", "closed")


class Customer(Base):
    """A customer (the customer master, hotline/customers/). ``vip`` puts the number on the VIP
    list (R-VIP: queue priority). ``phone`` is the main number in the form callers present it
    (national digits), which the IVR matches; every number, E.164, is in customer_numbers."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    account: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(255))
    # the district outages are entered for ("东城", "north-3"); matched exactly. The customer
    # master calls it ``district`` (one of settings.districts when that list is set)
    area: Mapped[str | None] = mapped_column(String(64))
    district = synonym("area")
    # R-FAULT-SLA: urban or rural (one of AREAS), which sets a repair case's deadline
    area_type: Mapped[str | None] = mapped_column(String(16))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Outage(Base):
    """A known outage in one area (``*`` = every area), entered in the panel. Open while
    ``ended_at`` is empty or in the future."""

    __tablename__ = "outages"
    __table_args__ = (Index("ix_outages_area_started", "area", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(String(32))  # one of OUTAGE_CAUSES
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(64))


class FaultReport(Base):
    """A fault report keyed in the IVR, saved step by step so a hang-up loses nothing."""

    __tablename__ = "fault_reports"
    __table_args__ = (
        Index("ix_fault_reports_caller_created", "caller", "created_at"),
        # R-ONE-CALL: a repeat caller is found by the contact number they gave too (hotline.field.standing)
        Index("ix_fault_reports_contact_created", "contact", "created_at"),
        Index("ix_fault_reports_status_created", "status", "created_at"),
        Index("ix_fault_reports_call", "server", "call_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket: Mapped[str | None] = mapped_column(String(32), unique=True)
    server: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64))  # the call's Linkedid
    caller: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(64))
    account: Mapped[str | None] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(16))  # one of AREAS
    # the caller's district (one of settings.districts) as keyed in the IVR when the caller is not in
    # the customer master; a known customer's is the master's
    district: Mapped[str | None] = mapped_column(String(64))
    fault_type: Mapped[str | None] = mapped_column(String(32))
    recording: Mapped[str | None] = mapped_column(String(512))  # absolute path of the wav
    status: Mapped[str] = mapped_column(String(16), default="incomplete")
    last_step: Mapped[str | None] = mapped_column(String(32))  # the last step entered
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    arrive_by: Mapped[datetime | None]  # R-FAULT-SLA
    fix_by: Mapped[datetime | None]  # R-FAULT-SLA, small fault
