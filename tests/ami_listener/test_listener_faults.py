"""The live listener under faults (issue #19): its one worker thread must survive an exception,
and an Asterisk that sends no Timestamp headers (manager.conf timestampevents = no) is said
loudly at connect, its events timed on arrival and its records marked. A fake AMI peer plays
that Asterisk: the private test Asterisk always sends Timestamps."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ami_listener.listen import Listener
from ami_listener.pipeline import ARRIVAL_TIMES
from hotline.db import open_db
from hotline.models import Call
from tests.ami_listener.fake_ami import LOGIN_OK, FakeAmiPeer, capture_events
from tests.ami_listener.replay import CAPTURES, replay_settings
from tests.support.stored import calls_stored


class FakeAmi(FakeAmiPeer):
    """The first session gets ``stream``, later ones (the listener's re-sync) are closed after
    login."""

    def __init__(self, stream: bytes, pause_before: bytes | None = None, pause_s: float = 0.0):
        self.stream = stream
        # the stream is sent in one piece, but for a pause of pause_s before pause_before's frame
        self.pause_before, self.pause_s = pause_before, pause_s
        super().__init__()

    def serve(self, conn: socket.socket, n: int, action: bytes) -> None:
        conn.sendall(LOGIN_OK)
        if n != 1:
            return
        cut = self.stream.find(self.pause_before) if self.pause_before else -1
        if cut > 0:
            conn.sendall(self.stream[:cut])
            time.sleep(self.pause_s)
        conn.sendall(self.stream[max(cut, 0):])
        self.drain(conn)


@pytest.fixture
def untimed_peer() -> Iterator[FakeAmi]:
    # a real capture of an Asterisk with timestampevents = no (tests/captures/record.py UNTIMED):
    # 8001 rang, answered, talked and hung up; the answer reaches the listener 1.5 s after the ring
    untimed = capture_events("foreign_untimed_answered")
    assert b"\r\nTimestamp: " not in untimed
    frames = untimed.split(b"\r\n\r\n")
    answer = next(f for f in frames if b"DestChannel: PJSIP/8001-" in f and b"DialStatus: ANSWER" in f)
    peer = FakeAmi(untimed, pause_before=answer, pause_s=1.5)
    yield peer
    peer.close()


def _settings(db_url: str, tmp_path: Path, port: int = 1) -> Any:
    return replay_settings(database_url=db_url, runtime_dir=tmp_path / "run", ami_host="127.0.0.1", ami_port=port,
                           ami_secret="test-secret")


def _wait(sessions: Any, n: int, timeout: float = 15) -> list[Call]:
    return calls_stored(sessions, n, timeout)


def test_no_timestamp_headers_are_said_once_timed_on_arrival_and_marked(
        untimed_peer: FakeAmi, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="ami_listener.connection")
    s = _settings(db_url, tmp_path, untimed_peer.port)
    t0 = time.time()
    listener = Listener(s, flush_interval=0.05).start()
    try:
        _, sessions = open_db(s)
        rows = _wait(sessions, 1)
    finally:
        listener.stop()
    assert len(rows) == 1
    row = rows[0]
    assert row.vars.get("HOTLINE_SOURCE") == ARRIVAL_TIMES
    # timed by arrival: the ring lasted as long as the answer took to arrive
    assert (row.disposition, row.agent, row.hangup_first, row.incomplete) == ("answered", "8001", "agent", False)
    assert row.ring_seconds is not None and 1.3 <= row.ring_seconds <= 3.0, row.ring_seconds
    assert row.started_at is not None and abs(row.started_at.timestamp() - t0) < 30  # arrival, not 2026's capture
    said = [r for r in caplog.records if "timestampevents = yes" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.ERROR


def test_timed_events_are_not_marked(db_url: str, tmp_path: Path) -> None:
    peer = FakeAmi(capture_events("quick_answer"))
    try:
        s = _settings(db_url, tmp_path, peer.port)
        listener = Listener(s, flush_interval=0.05).start()
        try:
            _, sessions = open_db(s)
            rows = _wait(sessions, 1)
        finally:
            listener.stop()
    finally:
        peer.close()
    assert len(rows) == 1 and "HOTLINE_SOURCE" not in rows[0].vars


def test_the_worker_survives_an_exception(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception in the worker (here: the first read's handling) is logged and the worker goes
    on: the next read is still written. Before, the thread died and AMI piled up in memory."""
    s = _settings(db_url, tmp_path)
    listener = Listener(s, flush_interval=0.05)
    real = listener.pipeline.feed_frames
    calls = {"n": 0}

    def flaky(frames: list[bytes]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug in one step")
        real(frames)

    monkeypatch.setattr(listener.pipeline, "feed_frames", flaky)
    worker = threading.Thread(target=listener._run, daemon=True)
    worker.start()
    first = [f for f in capture_events("late_answer").split(b"\r\n\r\n") if f]
    second = [f for f in capture_events("quick_answer").split(b"\r\n\r\n") if f]
    listener.inbox.put(first)
    listener.inbox.put(second)
    _, sessions = open_db(s)
    rows = _wait(sessions, 1)
    assert worker.is_alive()
    listener._stop.set()
    worker.join(10)
    assert len(rows) == 1 and listener.worker_errors == 1


def test_completing_a_partial_call_from_cel_is_off_the_worker(db_url: str, tmp_path: Path) -> None:
    """A call seen only in part is completed from Asterisk's CEL — a file read — on a thread of
    its own: the worker goes on writing other calls meanwhile; the record comes back through
    the inbox and is stored."""
    s = _settings(db_url, tmp_path)
    listener = Listener(s, flush_interval=0.05)
    ran_on: list[str] = []
    release = threading.Event()

    def slow_repair(rec: Any, members: Any, seen: Any) -> None:
        ran_on.append(threading.current_thread().name)
        release.wait(20)  # a large CEL file

    listener.cel_repair = slow_repair  # type: ignore[assignment]
    worker = threading.Thread(target=listener._run, daemon=True)
    worker.start()
    frames = [f for f in capture_events("late_answer").split(b"\r\n\r\n") if f]
    listener.inbox.put(frames[len(frames) // 2:])  # the head cut off: an incomplete call
    listener.pipeline.mark_gap()
    listener.inbox.put([f for f in capture_events("quick_answer").split(b"\r\n\r\n") if f])
    _, sessions = open_db(s)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (ran_on and _wait(sessions, 1, timeout=0)):
        time.sleep(0.05)
    assert ran_on and ran_on[0].startswith("listener-repair")
    assert [r.incomplete for r in _wait(sessions, 1, timeout=0)] == [False]  # the whole call, written meanwhile
    release.set()
    rows = _wait(sessions, 2)
    listener._stop.set()
    worker.join(10)
    listener._repairs.shutdown(wait=True)
    assert sorted(r.incomplete for r in rows) == [False, True]


def test_the_gap_backfill_reads_asterisks_logs_off_the_worker(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When AMI comes back, the calls of the gap are read from CEL and queue_log (large files) on a
    thread of their own: the worker goes on writing live calls meanwhile, and the backfilled
    records come back through the inbox and are stored."""
    from ami_listener import listen
    from ami_listener.reader import read_messages
    from tests.ami_listener.replay import replay_messages

    s = _settings(db_url, tmp_path)
    listener = Listener(s, flush_interval=0.05)
    gap_call = next(iter(replay_messages(read_messages([(CAPTURES / "late_answer.ami").read_bytes()])).values()))
    ran_on: list[str] = []
    release = threading.Event()

    def slow_backfill(*_args: Any, **_kw: Any) -> list[Any]:
        ran_on.append(threading.current_thread().name)
        release.wait(20)  # a large Master.csv
        return [gap_call]

    monkeypatch.setattr(listen, "backfill_calls", slow_backfill)
    monkeypatch.setattr(listener, "_resync", lambda: None)  # no AMI here to ask for channels
    worker = threading.Thread(target=listener._run, daemon=True)
    worker.start()
    listener.inbox.put(("state", "down"))
    listener.inbox.put(("state", "up"))
    listener.inbox.put([f for f in capture_events("quick_answer").split(b"\r\n\r\n") if f])
    _, sessions = open_db(s)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (ran_on and _wait(sessions, 1, timeout=0)):
        time.sleep(0.05)
    assert ran_on and ran_on[0] == "listener-backfill"
    assert len(_wait(sessions, 1, timeout=0)) == 1  # the live call, written while the logs are read
    release.set()
    rows = _wait(sessions, 2)
    listener._stop.set()
    worker.join(10)
    assert len(rows) == 2 and gap_call.call_id in {r.call_id for r in rows}
    assert listener.backfilled == 1


def test_a_failing_live_feed_costs_no_call_record(db_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The live-state feed (the wallboard's) raising on every event: the calls are still built and
    written; the failures are counted and logged, not fatal."""
    s = _settings(db_url, tmp_path)
    listener = Listener(s, flush_interval=0.05)

    def broken(_msg: Any) -> None:
        raise RuntimeError("a wallboard bug")

    monkeypatch.setattr(listener.live, "feed", broken)
    worker = threading.Thread(target=listener._run, daemon=True)
    worker.start()
    listener.inbox.put([f for f in capture_events("quick_answer").split(b"\r\n\r\n") if f])
    _, sessions = open_db(s)
    rows = _wait(sessions, 1)
    listener._stop.set()
    worker.join(10)
    assert len(rows) == 1 and not rows[0].incomplete
    assert listener.pipeline.counts["errors"] > 0 and listener.worker_errors == 0


def test_an_ami_gap_with_no_asterisk_logs_to_read_is_a_warning(db_url: str, tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """An existing Asterisk without cel_csv_path / queue_log_path: the calls of an AMI gap cannot be
    backfilled, and the log says so and what to set — not "0 calls backfilled" from a file that
    is not there."""
    caplog.set_level(logging.INFO, logger="ami_listener.listen")
    s = _settings(db_url, tmp_path)
    listener = Listener(s, flush_interval=0.05)
    listener._backfill_thread(time.time() - 60, time.time(), set(), {})
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "cannot be backfilled" in warned[0] and "set cel_csv_path" in warned[0]
    assert "Master.csv does not exist (cel_csv_path)" in warned[0]
    caplog.clear()
    (tmp_path / "Master.csv").write_text("")
    (tmp_path / "queue_log").write_text("")
    s = s.replace(cel_csv_path=str(tmp_path / "Master.csv"), queue_log_path=str(tmp_path / "queue_log"))
    Listener(s, flush_interval=0.05)._backfill_thread(time.time() - 60, time.time(), set(), {})
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("0 calls backfilled" in r.getMessage() for r in caplog.records)
