"""Panel tables: users and roles, QA grades and the daily QA sample, the recording-listen audit log, API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId
from hotline.vocabulary import Role

__all__ = ["ROLES", "ApiToken", "QaGrade", "QaSample", "RecordingListen", "User"]

# agent: own calls only; inspector: QA (numbers masked); supervisor: team, outages, wallboard;
# technician: own work orders only (web/field, issue 15); admin: everything.
ROLES: tuple[Role, ...] = tuple(Role)


class User(Base):
    __tablename__ = "panel_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64))  # extension, for role agent
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # part of every session's id: raised on logout, password change and disable, so that every
    # session made before (a copied cookie, another browser) no longer logs in
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class QaGrade(Base):
    """One inspection of one call (R-QA). Never edited: a correction is a new row that names the
    grade it corrects and why; the newest grade of a call is the one that counts."""

    __tablename__ = "qa_grades"
    __table_args__ = (Index("ix_qa_grades_call", "call_pk", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    agent: Mapped[str | None] = mapped_column(String(64))  # the graded agent, copied from the call
    inspector_id: Mapped[int] = mapped_column(ForeignKey("panel_users.id"))
    score: Mapped[int] = mapped_column(Integer)
    checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)  # item id -> met (true/false)
    # the score sheet's weights the score was computed with (item id -> points, or "veto"); None: a
    # score typed before the sheet (hotline.qa_sheet), kept as it was given
    sheet: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remarks: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # deducted item id -> the inspector's remark
    comment: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("qa_grades.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # required when corrects_id is set
    created_at: Mapped[datetime]


class QaSample(Base):
    """A call drawn into a day's QA sample (质检抽检, R-QA; hotline/qa_sample.py) and why. A call is
    drawn once: the unique call is what keeps a draw run twice at once from drawing it twice."""

    __tablename__ = "qa_samples"
    __table_args__ = (UniqueConstraint("call_pk", name="uq_qa_samples_call"),
                      Index("ix_qa_samples_day_agent", "day", "agent"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date]  # the operator's local day the call started on
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(String(64))  # the answering agent, copied from the call
    reason: Mapped[str] = mapped_column(String(128))  # why drawn: flag keys joined by ",", or "graded" / "random"
    drawn_at: Mapped[datetime]
    drawn_by: Mapped[str | None] = mapped_column(String(64))  # the inspector's user name; None: the scheduler


class RecordingListen(Base):
    """Audit log (R-PRIVACY): who listened to which call's recording, when, from where."""

    __tablename__ = "recording_listens"
    __table_args__ = (Index("ix_recording_listens_call", "call_pk"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("panel_users.id"))
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for the JSON API; only its sha256 is stored. It acts as its user (same role
    limits as the pages)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("panel_users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None]  # None: never (made before tokens expired, or api_token_days = 0)
