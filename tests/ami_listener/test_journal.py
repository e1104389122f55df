"""The listener's journal under faults (issue #19, "nothing lost"): a torn line, a failure in the
middle of a flush, a full disk. Each of these used to drop batches while the log said "will retry"."""

from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ami_listener.journal import Journal, JournalFull, decode_line, encode_line
from ami_listener.pipeline import Pipeline
from ami_listener.reader import read_messages
from ami_listener.store import RawBatch, Store
from hotline.db import open_db
from hotline.models import AmiEventBatch, Call
from tests.ami_listener.replay import CAPTURES, replay_settings


def _frames(name: str, n: int = 3) -> list[bytes]:
    return [f for f in (CAPTURES / f"{name}.ami").read_bytes().split(b"\r\n\r\n") if f.startswith(b"Event")][:n]


def _batch(name: str, at: float) -> RawBatch:
    frames = _frames(name)
    return RawBatch(frames, ["1.1"] * len(frames), at, at + 1)


def _events(sessions: Any) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.coalesce(func.sum(AmiEventBatch.events), 0))))


def test_a_line_survives_its_checksum_and_a_torn_one_does_not() -> None:
    line = encode_line({"a": 1, "b": "张"})
    assert decode_line(line.rstrip(b"\n")) == {"a": 1, "b": "张"}
    for torn in (line[:len(line) // 2], line[:-3], line.replace(b'"a"', b'"c"')):
        with pytest.raises(ValueError):
            decode_line(torn.rstrip(b"\n"))


def test_a_torn_line_is_quarantined_and_later_batches_are_written(db_url: str, tmp_path: Path) -> None:
    """A SIGKILL half-way through an append leaves half a line; the batches journalled after it
    (and before it) must still reach the database, the torn one is kept aside for an operator."""
    _, sessions = open_db(replay_settings(database_url=db_url))
    journal = Journal(tmp_path / "spool" / "l.journal", 1 << 24, free_reserve=0)
    journal.append(_batch("quick_answer", 1795329521.0), [], [])
    whole = Journal._line(_batch("late_answer", 1795329600.0), [], [])
    with open(journal.path, "ab") as fh:
        fh.write(whole[: len(whole) // 2])  # the torn append: no newline, half the JSON
    journal.append(_batch("abandon_queued", 1795329700.0), [], [])
    assert journal.drain(Store(sessions, "replay")) == 2
    assert not journal.pending()
    assert _events(sessions) == 6
    assert journal.quarantine_path.read_bytes().rstrip(b"\n") == whole[: len(whole) // 2]
    assert journal.drain(Store(sessions, "replay")) == 0  # and the next flush does not stumble on it


class _FlakyStore(Store):
    """A store whose first writes fail as this test says."""

    def __init__(self, sessions: Any, errors: list[BaseException]):
        super().__init__(sessions, "replay")
        self.errors = errors

    def write(self, *args: Any, **kw: Any) -> None:
        if self.errors:
            raise self.errors.pop(0)
        super().write(*args, **kw)


def _pipe_with(store: Store, journal: Journal | None) -> Pipeline:
    pipe = Pipeline(replay_settings(), store, journal=journal)
    for msg in read_messages([(CAPTURES / "quick_answer.ami").read_bytes()]):
        pipe.feed(msg)
    pipe.tick(10**10)  # the call is over
    return pipe


@pytest.mark.parametrize("error", [RuntimeError("a bug in the live-state feed"), KeyboardInterrupt()])
def test_a_flush_that_fails_puts_its_batch_back(db_url: str, tmp_path: Path, error: BaseException) -> None:
    """Any exception, not only the database being down: the detached batch goes back and the
    next flush writes it."""
    _, sessions = open_db(replay_settings(database_url=db_url))
    pipe = _pipe_with(_FlakyStore(sessions, [error]), Journal(tmp_path / "l.journal", 1 << 24, free_reserve=0))
    events = pipe.counts["events"]
    with pytest.raises(type(error)):
        pipe.flush()
    pipe.flush()
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Call)) == 1
    assert _events(sessions) == events


def test_a_journal_that_cannot_be_written_keeps_the_batch_in_memory(db_url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Database down and the disk full: the batch is kept (the listener stops reading AMI, see
    JournalFull) and written once the database answers."""
    _, sessions = open_db(replay_settings(database_url=db_url))
    down = OperationalError("INSERT", {}, Exception("database is locked"))
    journal = Journal(tmp_path / "l.journal", 1 << 24)
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr("ami_listener.journal.shutil.disk_usage", lambda _p: Usage(1 << 30, 1 << 30, 4096))
    pipe = _pipe_with(_FlakyStore(sessions, [down]), journal)
    with pytest.raises(JournalFull, match="MB free"):
        pipe.flush()
    assert not journal.pending()
    pipe.flush()
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Call)) == 1


def test_drain_rewrites_the_journal_durably(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """The rest of the journal is on disk (fsync) before it replaces the old file."""
    _, sessions = open_db(replay_settings(database_url=db_url))
    journal = Journal(tmp_path / "l.journal", 1 << 24, free_reserve=0)
    journal.append(_batch("quick_answer", 1795329521.0), [], [])
    order: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        order.append("fsync")
        real_fsync(fd)

    def replace(a: Any, b: Any) -> None:
        order.append("replace")
        real_replace(a, b)

    monkeypatch.setattr("ami_listener.journal.os.fsync", fsync)
    monkeypatch.setattr("ami_listener.journal.os.replace", replace)
    journal.drain(Store(sessions, "replay"))
    assert order[:2] == ["fsync", "replace"]
