"""The listener's inbox is bounded (issue #17): past ``listener_inbox_max_mb`` of AMI reads waiting
for the worker, the reader stops reading AMI; once the worker has drained it to the low-water mark
the reader connects again and the gap is backfilled — nothing read is lost. A fake AMI peer plays
Asterisk here; tests/ami_listener/test_gap_backfill.py has the real one."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ami_listener import listen
from ami_listener.inbox import Inbox
from ami_listener.listen import Listener
from hotline.db import open_db
from hotline.settings import SettingsError
from tests.ami_listener.fake_ami import LOGIN_OK, FakeAmiPeer, capture_events
from tests.ami_listener.replay import replay_settings
from tests.support.stored import calls_stored

AFTER_GAP = "cap-9309138eca"  # quick_answer's call
def _wait(cond: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


# -- the inbox alone -------------------------------------------------------------------------------
def test_the_inbox_counts_reads_in_bytes_and_says_full_and_drained() -> None:
    inbox = Inbox(1000)
    assert inbox.low_bytes == 250
    assert not inbox.put_read([b"x" * 400, b"y" * 400])  # 800: within the bound
    inbox.put(("state", "down", 0.0))  # the listener's own messages are not counted
    assert inbox.put_read([b"z" * 300])  # 1100: past it
    assert inbox.waiting == 1100 and not inbox.drained()
    assert inbox.get(0) == [b"x" * 400, b"y" * 400]
    assert inbox.waiting == 300 and not inbox.drained()
    assert inbox.get(0) == ("state", "down", 0.0)
    assert inbox.get(0) == [b"z" * 300]
    assert inbox.waiting == 0 and inbox.drained() and inbox.empty()
    with pytest.raises(queue.Empty):
        inbox.get(0)


def test_an_inbox_bound_of_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        Inbox(0)
    s = replay_settings(runtime_dir=tmp_path, listener_inbox_max_mb=0.0)
    with pytest.raises(SettingsError, match="'listener_inbox_max_mb': 0 is no bound"):
        Listener(s)


# -- the listener with a fake Asterisk -------------------------------------------------------------
class StreamingAmi(FakeAmiPeer):
    """The first session gets ``first`` (more than the listener's bound), later ones ``then``;
    every session stays open until the listener closes it."""

    def __init__(self, first: bytes, then: bytes) -> None:
        self.streams = [first, then]
        self.closed_by_listener = threading.Event()
        super().__init__()

    def serve(self, conn: socket.socket, n: int, action: bytes) -> None:
        if b"Action: Login" not in action:
            return  # the listener's re-sync client: no list actions here
        conn.sendall(LOGIN_OK + self.streams[min(n, 2) - 1])  # blocks once the listener stops reading
        self.drain(conn)

    def ended(self, n: int) -> None:
        if n == 1:
            self.closed_by_listener.set()


@pytest.fixture
def peer() -> Iterator[StreamingAmi]:
    # ~1.3 MB of a real capture of 30 concurrent calls, then one more call after the gap
    p = StreamingAmi(capture_events("concurrent_30"), capture_events("quick_answer"))
    yield p
    p.close()


def test_a_full_inbox_stops_the_reading_and_a_drained_one_resumes(
        peer: StreamingAmi, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ami_listener.listen")
    s = replay_settings(database_url=db_url, runtime_dir=tmp_path / "run", ami_host="127.0.0.1", ami_port=peer.port,
                        ami_secret="test-secret", listener_inbox_max_mb=0.2)  # ~210 KB, a few 64 KB reads
    listener = Listener(s, flush_interval=0.05)
    gate = threading.Event()  # the worker, blocked until the reader has stopped
    real_feed = listener.pipeline.feed_frames
    fed = {"frames": 0}

    def slow_feed(frames: list[bytes]) -> None:
        gate.wait(30)
        fed["frames"] += len(frames)
        real_feed(frames)

    backfills: list[tuple[float, float]] = []

    def no_logs_here(_cel: Any, _qlog: Any, since: float, until: float, **_kw: Any) -> list[Any]:
        backfills.append((since, until))
        return []

    monkeypatch.setattr(listener.pipeline, "feed_frames", slow_feed)
    monkeypatch.setattr(listen, "backfill_calls", no_logs_here)
    monkeypatch.setattr(listen, "log_problem", lambda _s: None)  # logs there, with no call in the gap
    monkeypatch.setattr(listener, "_resync", lambda: None)  # the fake peer answers no list actions
    read = {"frames": 0}
    real_read = listener._read

    def counted_read(frames: list[bytes]) -> None:
        read["frames"] += len(frames)
        real_read(frames)

    listener.conn.on_frames = counted_read
    worker = threading.Thread(target=listener._run, daemon=True)
    worker.start()
    listener.conn.start()
    try:
        # the reader stops: the connection is closed with most of the stream unread
        assert peer.closed_by_listener.wait(20), "the listener never stopped reading"
        stopped_at = time.time()
        # past the bound, less the one read the (blocked) worker took
        assert listener.inbox_holds == 1 and listener.inbox.waiting > listener.inbox.max_bytes - (1 << 16)
        _wait(lambda: not listener.conn.connected.is_set(), what="the session ends")
        total = len(capture_events("concurrent_30"))
        assert listener.inbox.waiting < total / 2  # it stopped near the bound, not at the stream's end
        time.sleep(0.5)  # stopped means stopped: no new session while the worker has not drained it
        assert peer.sessions == 1 and listener.inbox_holds == 1
        full = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "ami_listener.listen"]
        assert len(full) == 1 and "listener_inbox_max_mb = 0.2" in full[0].getMessage()
        assert "MB of AMI reads wait" in full[0].getMessage()

        gate.set()  # the worker drains what it holds; the reader connects again
        _wait(lambda: peer.sessions >= 2 and listener.conn.connected.is_set(), what="the reader reconnects")
        _wait(lambda: len(backfills) == 1, what="the gap is backfilled")
        since, until = backfills[0]
        assert since <= stopped_at - listen.BACKFILL_MARGIN_S + 1 and stopped_at - 5 <= until <= time.time()
        _, sessions = open_db(s)
        # the call after the gap, read live from the new session
        _wait(lambda: any(r.call_id == AFTER_GAP for r in calls_stored(sessions, 1, timeout=0)),
              what="the call after the gap is stored")
        said = [r for r in caplog.records if r.name in ("ami_listener.listen", "ami_listener.connection")]
    finally:  # (stopping closes the connection: said by the connection, not part of the test)
        listener.stop()
        listener._stop.set()
        worker.join(10)
    assert read["frames"] == fed["frames"]  # every frame read reached the pipeline
    assert listener.inbox.waiting == 0 and listener.worker_errors == 0
    resumed = [r for r in said if r.levelno == logging.INFO and "reading AMI again" in r.getMessage()]
    assert len(resumed) == 1
    assert [r for r in said if r.levelno >= logging.WARNING] == full  # no "connection lost" besides
