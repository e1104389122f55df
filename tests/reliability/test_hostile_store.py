"""Hostile values that reach the database: what a caller controls (caller-ID name and number, sent
by any SIP trunk) may hold NUL bytes, invalid UTF-8 or be far longer than its column. The call is
still stored — on SQLite and on PostgreSQL (db_url fixture: `make test-postgres`), whose text
columns refuse NUL and enforce VARCHAR lengths. One such event must never block the store: the
listener keeps a failed batch and retries it forever, so every later call would be lost too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ami_listener.pipeline import Pipeline
from ami_listener.reader import read_messages
from ami_listener.store import Store
from hotline.db import open_db
from hotline.models import AmiEventBatch, Call
from tests.ami_listener.replay import CAPTURES, replay_settings

HOSTILE = {
    "nul": ("张三".encode(), b"\x00\xff\xfe"),
    "long_name": ("张三".encode(), ("名" * 300).encode()),
    "long_number": (b"CallerIDNum: 13800000001", b"CallerIDNum: " + b"1" * 100),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_caller_id_is_stored_and_does_not_block_later_calls(kind: str, db_url: str) -> None:
    old, new = HOSTILE[kind]
    hostile = (CAPTURES / "quick_answer.ami").read_bytes().replace(old, new)
    after = (CAPTURES / "late_answer.ami").read_bytes()  # a normal call right after it
    s = replay_settings(database_url=db_url)
    _, sessions = open_db(s)
    pipe = Pipeline(s, Store(sessions, s.server_id))
    for data in (hostile, after):
        for msg in read_messages([data]):
            pipe.feed(msg)
        pipe.tick()
        pipe.flush()  # must not raise: hostile values are made storable, never refused
    pipe.close()
    with sessions() as db:
        calls = db.scalars(select(Call)).all()
        assert len(calls) == 2 and all(c.disposition == "answered" for c in calls)
        assert db.scalar(select(func.count()).select_from(AmiEventBatch)) >= 2
