"""The agent desk's tables: every presence change an agent or a supervisor made, and every call
control and supervisor monitoring use (R-PRIVACY: listening is never secret, so each is a row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId

__all__ = ["DeskControl", "PresenceChange"]


class PresenceChange(Base):
    """One stretch of one agent in one presence state (vocabulary.AgentPresence), from
    ``started_at`` until ``ended_at`` (None: the agent's current state)."""

    __tablename__ = "desk_presence"
    __table_args__ = (
        Index("ix_desk_presence_agent", "server", "agent", "started_at"),
        Index("ix_desk_presence_open", "server", "ended_at", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # AgentPresence
    reason: Mapped[str | None] = mapped_column(String(64))  # a break's reason (settings.desk_break_reasons)
    previous: Mapped[str | None] = mapped_column(String(16))  # the state it left
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    by: Mapped[str] = mapped_column(String(64))  # the agent, a supervisor, "system" (calls, timers), "pbx"
    forced: Mapped[bool] = mapped_column(Boolean, default=False)  # a supervisor set it
    call_id: Mapped[str | None] = mapped_column(String(64))  # ringing / talking / wrap-up: the call
    wrapup_until: Mapped[datetime | None]  # wrap-up: when it ends unless extended or ended early


class DeskControl(Base):
    """One call control of an agent (transfer, survey, phrase, malicious flag, hang-up) or one
    supervisor monitoring use (listen, whisper, barge, force hang-up), with what came of it."""

    __tablename__ = "desk_controls"
    __table_args__ = (
        Index("ix_desk_controls_call", "server", "call_id"),
        Index("ix_desk_controls_control_at", "server", "control", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # the agent, or the supervisor's user name
    agent: Mapped[str] = mapped_column(String(64))  # whose call
    call_id: Mapped[str] = mapped_column(String(64))  # the call's Linkedid
    control: Mapped[str] = mapped_column(String(24))  # desk.controls.Control / desk.monitor.MonitorMode
    detail: Mapped[str | None] = mapped_column(String(255))  # target, phrase, supervisor endpoint
    outcome: Mapped[str] = mapped_column(String(24))  # desk.calls.ControlOutcome
    message: Mapped[str | None] = mapped_column(Text)
