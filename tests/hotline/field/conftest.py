"""Field-service fixtures: a migrated database (tests/hotline/callbacks' fixtures), settings with two
districts, technicians and confirmed fault reports."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.field import add_technician
from hotline.field.rota import Rota
from hotline.models.field import Technician
from hotline.models.ivr import FaultReport
from hotline.settings import Settings, load
from tests.hotline.callbacks.conftest import add_report, db, local, sessions

__all__ = ["ALL_WEEK", "db", "local", "report", "sessions", "settings", "tech"]

ALL_WEEK: Rota = {d: ["08:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")}
_phones = itertools.count(13900000001)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test", database_url=db_url,
                districts=["东城", "西城"], sms_provider="none", outage_cluster_reports=5,
                outage_cluster_window_min=30, field_unaccepted_escalate_min=15)


def tech(db: Session, s: Settings, username: str, districts: list[str], rota: Rota | None = None,
         at: datetime | None = None) -> Technician:
    return add_technician(db, s, username, str(next(_phones)), districts, ALL_WEEK if rota is None else rota,
                          at or local(2026, 12, 7, 8, 0), name=username)


def report(db: Session, at: datetime, *, caller: str = "13800000001", fault_type: str = "no_picture",
           area: str = "urban") -> FaultReport:
    rep = add_report(db, at=at, caller=caller)
    rep.fault_type, rep.area = fault_type, area
    db.flush()
    return rep
