"""Callback test fixtures: a temp SQLite database with every migration, and row factories for
the records the rules read (calls from the listener, fault reports from the IVR)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import open_db
from hotline.models import Call
from hotline.models.ivr import FaultReport
from hotline.settings import Settings, load

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test",
                database_url=db_url)


@pytest.fixture
def sessions(settings: Settings) -> sessionmaker[Session]:
    return open_db(settings)[1]


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def add_call(db: Session, *, number: str | None, disposition: str, at: datetime, direction: str = "inbound",
             wait: float = 10.0, talk: float | None = None, call_id: str | None = None,
             server: str = "test") -> Call:
    """A call record as the listener stores it."""
    call = Call(server=server, call_id=call_id or f"c-{next(_seq)}", direction=direction, caller_number=number,
                started_at=at, queued_at=at, ended_at=at + timedelta(seconds=wait + (talk or 0)),
                answered_at=at + timedelta(seconds=wait) if disposition == "answered" else None,
                wait_seconds=wait, talk_seconds=talk, disposition=disposition, built_at=at, vars={}, transfers=[])
    db.add(call)
    db.flush()
    return call


def add_report(db: Session, *, at: datetime, status: str = "open", caller: str | None = "13800000001",
               contact: str | None = None, call_id: str | None = None) -> FaultReport:
    n = next(_seq)
    report = FaultReport(ticket=f"T{n:06d}" if status != "incomplete" else None, server="test",
                         call_id=call_id or f"r-{n}", caller=caller, contact=contact, status=status,
                         created_at=at, updated_at=at, area="urban", fault_type="no_picture")
    db.add(report)
    db.flush()
    return report
