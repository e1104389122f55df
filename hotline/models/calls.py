"""Calls as the listener stores them: raw AMI events, call records, ring attempts, agent presence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import lz4.frame
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement, bindparam

from hotline.chanvars import ChanVar
from hotline.models.base import Base, BigId


class AmiEventBatch(Base):
    """Raw AMI events exactly as received, appended a batch at a time (one row per flush of the
    listener, frames separated by a blank line as on the wire): the source of truth calls are (re)built from.
    One row per event could not keep up with AMI (bench/listener_throughput.py)."""

    __tablename__ = "ami_event_batches"
    __table_args__ = (
        UniqueConstraint("server", "digest", name="uq_ami_event_batches_digest"),
        Index("ix_ami_event_batches_received", "server", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]  # the first event's arrival
    received_until: Mapped[datetime]
    events: Mapped[int] = mapped_column(Integer)
    # sha1 of raw_lz4: the same batch stored twice (a capture replayed again) is kept once
    digest: Mapped[str] = mapped_column(String(40))
    # the frames' bytes as received, in an LZ4 frame (pack/unpack): AMI text shrinks ~13×, for
    # less CPU than SQLite would spend writing it whole
    raw_lz4: Mapped[bytes] = mapped_column(LargeBinary)

    @staticmethod
    def pack(raw: bytes) -> bytes:
        return lz4.frame.compress(raw)

    @staticmethod
    def unpack(data: bytes) -> bytes:
        return lz4.frame.decompress(data)


class AmiEventCall(Base):
    """Which batches hold events of which call (Linkedid)."""

    __tablename__ = "ami_event_calls"
    __table_args__ = (Index("ix_ami_event_calls_linkedid", "server", "linkedid"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("ami_event_batches.id", ondelete="CASCADE"), primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), primary_key=True)
    server: Mapped[str] = mapped_column(String(64))


class Call(Base):
    """One record per call (per server and Linkedid): the view every metric is computed from."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("server", "call_id", name="uq_calls_server_call"),
        Index("ix_calls_started", "started_at"),
        Index("ix_calls_agent_started", "agent", "started_at"),
        Index("ix_calls_caller_started", "caller_number", "started_at"),
        # hotline.metrics keeps the figures of past days while count and newest built_at of their
        # calls stay the same: this index answers that without reading the rows
        Index("ix_calls_started_built", "started_at", "built_at"),
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
    # the agent's side holding the caller (ami_listener/holds.py); NULL: not answered, or not known
    holds: Mapped[int | None] = mapped_column(Integer)
    hold_seconds: Mapped[float | None] = mapped_column(Float)
    # the outside number an agent handed the caller on to, the caller ending with no agent (the
    # builder's transferred_out); NULL: no such transfer
    transferred_out: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str] = mapped_column(String(32))
    hangup_first: Mapped[str | None] = mapped_column(String(16))
    recording: Mapped[str | None] = mapped_column(String(512))
    transfers: Mapped[list[Any]] = mapped_column(default=list)
    ivr: Mapped[dict[str, Any] | None]
    survey: Mapped[int | None] = mapped_column(Integer)
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    vars: Mapped[dict[str, Any]] = mapped_column(default=dict)  # product variables seen on the call
    built_at: Mapped[datetime]

    attempts: Mapped[list[RingAttempt]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="RingAttempt.rang_at")


def flagged_malicious() -> ColumnElement[bool]:
    """The agent flagged the call 恶意骚扰 (the desk's control sets ``HOTLINE_MALICIOUS``): the
    calls R-ANS-HANGUP-LAST excuses (hotline.metrics.queries), which supervisors review (the call
    search's filter). Here, beside the table, because the index below is made of it.

    The key is written into the statement, not bound: a planner proves from the statement's text
    that it reads only calls of that partial index, and a bound key would deny PostgreSQL the proof
    in the generic plan it may keep for a statement psycopg has prepared (run 5 times on one
    connection)."""
    key = bindparam("flag", ChanVar.MALICIOUS.value, type_=JSON.JSONStrIndexType(), unique=True,
                    literal_execute=True)
    return Call.vars[key].as_string().isnot(None)


# The few flagged calls, newest first (migration 0023): without it the call search's filter walked
# ix_calls_started testing every call's JSON. Each planner uses a partial index only when it can
# prove the query's WHERE implies the index's, so the index's WHERE is this very expression.
Index("ix_calls_flagged_started", Call.started_at,
      sqlite_where=flagged_malicious(), postgresql_where=flagged_malicious())


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


class LiveState(Base):
    """What is happening now on one Asterisk (queues, waiting callers, agents): the listener keeps
    it current, the wallboard streams it. ``data`` layout: see ami_listener/live.py."""

    __tablename__ = "live_state"

    server: Mapped[str] = mapped_column(String(64), primary_key=True)
    updated_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
