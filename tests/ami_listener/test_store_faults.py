"""One bad row must not lose a batch (issue #19): racing writers, rows the database refuses,
set-aside batches written again, and a rebuild that must never make a record worse."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from ami_listener.journal import Journal
from ami_listener.pipeline import Pipeline
from ami_listener.reader import Message, read_messages
from ami_listener.record import CallRecord
from ami_listener.store import RawBatch, Store
from hotline.db import open_db
from hotline.models import AgentPause, AmiEventBatch, Call
from hotline.settings import ROOT
from tests.ami_listener.replay import CAPTURES, replay_messages, replay_settings


def _records(*names: str) -> list[CallRecord]:
    out: list[CallRecord] = []
    for name in names:
        out += replay_messages(read_messages([(CAPTURES / f"{name}.ami").read_bytes()])).values()
    return out


def _count(sessions: Any, table: Any) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(table)))


def test_two_writers_racing_on_the_same_calls_both_succeed(db_url: str) -> None:
    """Two listeners, or a listener and `hotline listener rebuild`, writing the same new calls at
    the same moment: one upsert wins, the other updates; neither batch is refused."""
    records = _records("concurrent_30")
    _, sessions = open_db(replay_settings(database_url=db_url))
    errors: list[BaseException] = []
    for _round in range(4):
        with sessions.begin() as db:
            db.execute(delete(Call))
        start = threading.Barrier(2)

        def write(start: threading.Barrier = start) -> None:
            store = Store(sessions, "replay")
            start.wait()
            try:
                for i in range(0, len(records), 3):
                    store.write(None, records[i:i + 3])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert _count(sessions, Call) == len(records) == 30


def test_one_refused_row_costs_only_itself(db_url: str, tmp_path: Path) -> None:
    """A call the database refuses (here: no disposition, NOT NULL) goes to .rejected alone; the
    raw events and the other calls of its batch are written."""
    s = replay_settings(database_url=db_url)
    _, sessions = open_db(s)
    journal = Journal(tmp_path / "l.journal", 1 << 24, free_reserve=0)
    pipe = Pipeline(s, Store(sessions, s.server_id), journal=journal)
    for msg in read_messages([(CAPTURES / "quick_answer.ami").read_bytes(),
                              (CAPTURES / "late_answer.ami").read_bytes()]):
        pipe.feed(msg)
    pipe.tick(10**10)
    bad = CallRecord(call_id="bad.1", server=s.server_id)
    bad.disposition = None  # type: ignore[assignment]  # what the database refuses
    pipe._calls.append(bad)
    pipe.flush()
    assert _count(sessions, Call) == 2
    assert _count(sessions, AmiEventBatch) == 1
    rejected = journal.rejected_path.read_bytes().splitlines()
    assert len(rejected) == 1 and b"bad.1" in rejected[0] and b"quick" not in rejected[0]


def test_reimport_writes_set_aside_batches(db_url: str, tmp_path: Path) -> None:
    """`hotline listener reimport`: a batch set aside (by the old all-or-nothing store, or a row
    refused until an operator fixed it) is written; what is still refused stays."""
    s = replay_settings(database_url=db_url, runtime_dir=tmp_path / "run")
    from ami_listener.listen import journal_of

    journal = journal_of(s)
    frames = [f for f in (CAPTURES / "quick_answer.ami").read_bytes().split(b"\r\n\r\n") if f.startswith(b"Event")]
    records = _records("quick_answer")
    pause = Message({"Event": "QueueMemberPause", "MemberName": "8001", "Queue": "hotline", "Paused": "1",
                     "PausedReason": "午饭" * 300, "Timestamp": "1795329521.0"},
                    ("Event: QueueMemberPause\r\nMemberName: 8001\r\nQueue: hotline\r\nPaused: 1\r\n"
                     "PausedReason: " + "午饭" * 300 + "\r\nTimestamp: 1795329521.0").encode())
    journal.reject(RawBatch(frames, ["1.1"] * len(frames), 1795329521.0, 1795329530.0), records, [pause],
                   "value too long for type character varying(255)")
    env = {"HOTLINE_DATABASE_URL": db_url, "HOTLINE_SERVER_ID": "replay", "HOTLINE_RUNTIME_DIR": str(tmp_path / "run"),
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "hotline", "listener", "reimport"], env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "reimported 1 batches" in out.stderr
    _, sessions = open_db(s)
    assert _count(sessions, Call) == 1 and _count(sessions, AmiEventBatch) == 1
    with sessions() as db:
        assert len(db.scalars(select(AgentPause.reason)).one() or "") == 255  # cut to its column
    assert journal.rejected_path.read_bytes() == b""


def test_a_rebuild_never_makes_a_record_worse(db_url: str) -> None:
    """An incomplete rebuilt record (its events partly lost) does not replace a complete one (the
    backfill's, from Asterisk's logs); it does replace an incomplete one."""
    s = replay_settings(database_url=db_url)
    _, sessions = open_db(s)
    store = Store(sessions, s.server_id)
    good = _records("quick_answer")[0]
    store.write(None, [good])
    worse = CallRecord(call_id=good.call_id, server=good.server, incomplete=True)
    store.write(None, [worse], keep_better=True)
    with sessions() as db:
        row = db.scalars(select(Call)).one()
        assert (row.incomplete, row.disposition, len(row.attempts)) == (False, good.disposition, len(good.attempts))
    store.write(None, [CallRecord(call_id="other", server=good.server, incomplete=True)])
    better = CallRecord(call_id="other", server=good.server, incomplete=True, caller_number="13800000001")
    store.write(None, [better], keep_better=True)
    with sessions() as db:
        assert db.scalars(select(Call.caller_number).where(Call.call_id == "other")).one() == "13800000001"
    # an incomplete record that knows who answered and when it ended is not replaced by an
    # incomplete one that lost them (the rebuild saw fewer events than the record was made from)
    known = CallRecord(call_id="known", server=good.server, incomplete=True, agent="8001",
                       answered_at=good.answered_at, ended_at=good.ended_at, started_at=good.started_at)
    store.write(None, [known])
    store.write(None, [CallRecord(call_id="known", server=good.server, incomplete=True)], keep_better=True)
    with sessions() as db:
        row = db.scalars(select(Call).where(Call.call_id == "known")).one()
        assert (row.agent, row.answered_at is not None, row.ended_at is not None) == ("8001", True, True)


def test_rebuild_from_a_partial_event_store_keeps_the_complete_record(db_url: str, tmp_path: Path) -> None:
    """`hotline listener rebuild` over a call whose stored events stop half-way (the listener was
    killed) rebuilds it incomplete; the complete record already there (here: as the backfill
    made it from Asterisk's logs) stays as it was."""
    s = replay_settings(database_url=db_url, runtime_dir=tmp_path / "run")
    _, sessions = open_db(s)
    store = Store(sessions, s.server_id)
    data = (CAPTURES / "quick_answer.ami").read_bytes()
    frames = [f for f in data.split(b"\r\n\r\n") if f.startswith(b"Event: ")]
    pipe = Pipeline(s, store)
    for msg in read_messages([b"".join(f + b"\r\n\r\n" for f in frames[: len(frames) // 2])]):
        pipe.feed(msg)
    pipe.flush()  # the first half of the call's events reached the store, then the listener died
    good = _records("quick_answer")[0]
    good.vars["HOTLINE_SOURCE"] = "backfill"
    store.write(None, [good])
    with sessions() as db:
        before = db.scalars(select(Call)).one()
        want = (before.id, before.disposition, before.agent, before.hangup_first, before.talk_seconds, before.vars)
    env = {"HOTLINE_DATABASE_URL": db_url, "HOTLINE_SERVER_ID": "replay", "HOTLINE_RUNTIME_DIR": str(tmp_path / "run"),
           "HOTLINE_RING_CYCLE_S": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "hotline", "listener", "rebuild", "--since", "2000-01-01",
                          "--until", "2100-01-01"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "rebuilt 1 calls" in out.stderr  # it did rebuild the call: incomplete, from half its events
    with sessions() as db:
        after = db.scalars(select(Call)).one()
        assert (after.id, after.disposition, after.agent, after.hangup_first, after.talk_seconds, after.vars) == want
        assert not after.incomplete


def test_an_over_long_paused_reason_is_cut_not_refused(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL refuses more than VARCHAR(255): the reason is cut to its column, and the batch
    it came in (with a call) is written whole — nothing in .rejected."""
    s = replay_settings(database_url=db_url)
    _, sessions = open_db(s)
    journal = Journal(tmp_path / "l.journal", 1 << 24, free_reserve=0)
    pipe = Pipeline(s, Store(sessions, s.server_id), journal=journal)
    reason = "午饭" * 300
    for msg in read_messages([(CAPTURES / "quick_answer.ami").read_bytes(),
                              ("Event: QueueMemberPause\r\nMemberName: 8001\r\nQueue: hotline\r\nInterface: "
                               + "Local/8001@agents" * 30 + "\r\nPaused: 1\r\nPausedReason: " + reason
                               + "\r\nTimestamp: 1795329999.0\r\n\r\n").encode()]):
        pipe.feed(msg)
    pipe.tick(10**10)
    pipe.flush()
    assert not journal.rejected_path.exists()
    with sessions() as db:
        assert db.scalars(select(AgentPause.reason)).one() == reason[:255]
    assert _count(sessions, Call) == 1
