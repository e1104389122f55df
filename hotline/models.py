"""The store's tables (SQLAlchemy 2.0 typed models). Schema changes go through Alembic
(``hotline/migrations``); ``tests/hotline/test_migrations.py`` fails when the two drift apart."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        String, Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every engine, returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class AmiEvent(Base):
    """Every AMI event as received: the source of truth calls are (re)built from."""

    __tablename__ = "ami_events"
    __table_args__ = (
        UniqueConstraint("server", "digest", name="uq_ami_events_digest"),
        Index("ix_ami_events_server_linkedid", "server", "linkedid"),
        Index("ix_ami_events_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    event_time: Mapped[float | None] = mapped_column(Float)  # the event's Timestamp header
    name: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    # sha1 of the raw frame: an event seen twice (replayed capture, duplicate after reconnect)
    # is stored once.
    digest: Mapped[str] = mapped_column(String(40))
    raw: Mapped[str] = mapped_column(Text)


class Call(Base):
    """One record per call (per server and Linkedid): the view every metric is computed from."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("server", "call_id", name="uq_calls_server_call"),
        Index("ix_calls_started", "started_at"),
        Index("ix_calls_agent_started", "agent", "started_at"),
        Index("ix_calls_caller_started", "caller_number", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64))  # the Linkedid
    direction: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    caller_name: Mapped[str | None] = mapped_column(String(255))
    dialed: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    final_agent: Mapped[str | None] = mapped_column(String(64))
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    ring_seconds: Mapped[float | None] = mapped_column(Float)
    rings: Mapped[int | None] = mapped_column(Integer)
    within_4_rings: Mapped[bool | None] = mapped_column(Boolean)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    disposition: Mapped[str] = mapped_column(String(32))
    hangup_first: Mapped[str | None] = mapped_column(String(16))
    recording: Mapped[str | None] = mapped_column(String(512))
    transfers: Mapped[list[Any]] = mapped_column(default=list)
    ivr: Mapped[dict[str, Any] | None]
    survey: Mapped[int | None] = mapped_column(Integer)
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    vars: Mapped[dict[str, Any]] = mapped_column(default=dict)  # product variables seen on the call
    built_at: Mapped[datetime]

    attempts: Mapped[list["RingAttempt"]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="RingAttempt.rang_at")


class RingAttempt(Base):
    """Every time an agent's phone rang for a call (R-ANS-4RINGS is judged per attempt)."""

    __tablename__ = "ring_attempts"
    __table_args__ = (Index("ix_ring_attempts_agent_rang", "agent", "rang_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    rang_at: Mapped[datetime]
    ring_seconds: Mapped[float | None] = mapped_column(Float)
    result: Mapped[str] = mapped_column(String(16))

    call: Mapped[Call] = relationship(back_populates="attempts")


class AgentSession(Base):
    """An agent's presence in a queue (login → logout) from QueueMember* events."""

    __tablename__ = "agent_sessions"
    __table_args__ = (Index("ix_agent_sessions_agent", "server", "agent", "login_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(64))
    interface: Mapped[str] = mapped_column(String(255))
    queue: Mapped[str] = mapped_column(String(64))
    login_at: Mapped[datetime]
    logout_at: Mapped[datetime | None]


class AgentPause(Base):
    __tablename__ = "agent_pauses"
    __table_args__ = (Index("ix_agent_pauses_agent", "server", "agent", "paused_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(255))
    paused_at: Mapped[datetime]
    unpaused_at: Mapped[datetime | None]
