"""The push behind the desk's and the wallboard's streams (hotline.live_signal): one watcher per
process wakes its subscribers when the live snapshot or a presence changes — PostgreSQL NOTIFY, or
SQLite's data_version — and not on other commits; it stops when nobody subscribes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline import live_signal
from hotline.db import open_db
from hotline.desk import presence
from hotline.models import LiveState
from hotline.models.desk import DeskControl
from hotline.settings import Settings, load
from tests.hotline.desk.fakes import RecordingAmi

WAIT_S = 10.0  # generous: a loaded machine; a working push answers in milliseconds


@pytest.fixture(autouse=True)
def _no_watcher_left() -> Iterator[None]:
    """Each test's watchers stop with it (not 10 s later, on a database already dropped)."""
    yield
    with live_signal._lock:
        left = list(live_signal._watchers.values())
        live_signal._watchers.clear()
    for w in left:
        w.stop()


@pytest.fixture
def setup(tmp_path: Path, db_url: str) -> tuple[Settings, Session]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="d", database_url=db_url)
    _engine, sessions = open_db(s)
    return s, sessions()


def _write_live(db: Session, n: int) -> None:
    row = db.get(LiveState, "d")
    now = datetime.now(UTC)
    if row is None:
        db.add(LiveState(server="d", updated_at=now, data={"n": n}))
    else:
        row.data, row.updated_at = {"n": n}, now
    live_signal.notify(db, "live:d")  # as the listener's store does, in its transaction
    db.commit()


def _woken(w: live_signal.LiveWatcher, seen: int) -> bool:
    return w.wait(seen, WAIT_S) != seen


def _settled(w: live_signal.LiveWatcher) -> int:
    """The seq once the watcher is running and has seen the database as it is."""
    seen = w.seq
    while (now := w.wait(seen, 0.5)) != seen:  # PostgreSQL: one wake-up when LISTEN is in place
        seen = now
    return seen


def test_a_live_snapshot_write_and_a_presence_change_wake_the_streams(setup: tuple[Settings, Session]) -> None:
    s, db = setup
    with live_signal.subscribed(s) as w:
        assert w is not None
        seen = _settled(w)
        key, mark = w.live_key, w.presence_mark("8001")
        t0 = time.monotonic()
        _write_live(db, 1)
        assert _woken(w, seen)
        assert time.monotonic() - t0 < 1.0  # a push, not a poll of the fallback
        seen = _settled(w)
        assert w.live_key != key and w.live_key and "d@" in w.live_key  # what changed: the snapshot
        assert w.presence_mark("8001") == mark  # not 8001's presence
        presence.set_state(s, db, "8001", presence.P.AVAILABLE, ami=RecordingAmi())  # a desk_presence row
        assert _woken(w, seen)
        _settled(w)
        assert w.presence_mark("8001") == mark + 1 and w.presence_mark("8002") == 0


def test_other_commits_do_not_wake_the_streams(setup: tuple[Settings, Session]) -> None:
    s, db = setup
    with live_signal.subscribed(s) as w:
        assert w is not None
        seen = _settled(w)
        db.add(DeskControl(server="d", at=datetime.now(UTC), actor="8001", agent="8001", call_id="c-1",
                           control="hangup", outcome="ok"))
        db.commit()
        assert w.wait(seen, 0.5) == seen  # nothing the desk or the wallboard shows changed
        _write_live(db, 2)
        assert _woken(w, seen)


def test_one_watcher_per_database_and_it_stops_when_nobody_listens(
        setup: tuple[Settings, Session], monkeypatch: pytest.MonkeyPatch) -> None:
    s, _db = setup
    monkeypatch.setattr(live_signal, "IDLE_STOP_S", 0.2)
    with live_signal.subscribed(s) as a, live_signal.subscribed(s) as b:
        assert a is b and a is not None and a.subscribers == 2
    deadline = time.monotonic() + WAIT_S
    while not a.done and time.monotonic() < deadline:
        time.sleep(0.05)
    assert a.done and s.db_url not in live_signal._watchers
    with live_signal.subscribed(s) as c:
        assert c is not None and c is not a and not c.done


def test_no_watcher_where_there_is_nothing_to_watch(tmp_path: Path) -> None:
    memory = load(config_file=None, env={}, runtime_dir=tmp_path, database_url="sqlite://")
    off = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db",
               live_push=False)
    for s in (memory, off):
        with live_signal.subscribed(s) as w:
            assert w is None
        t0 = time.monotonic()
        assert live_signal.wait_for_change(None, 7, 0.05, 5.0) == 7  # polls: sleeps ``poll``, not the fallback
        assert time.monotonic() - t0 < 1.0


def test_the_watcher_stops_with_its_app(setup: tuple[Settings, Session]) -> None:
    """A panel's watcher ends when its app closes, not IDLE_STOP_S later on a database already
    dropped (where it printed "connection refused" after a PostgreSQL test's teardown)."""
    from web import close_app, create_app

    s, _db = setup
    app = create_app(s)
    with live_signal.subscribed(s) as w:
        assert w is not None
        _settled(w)
    close_app(app)
    assert w.done and not w._thread.is_alive()
    assert s.db_url not in live_signal._watchers


@pytest.mark.parametrize("subscribers", [0, 1])
def test_a_lost_connection_stops_a_watcher_nobody_needs(
        subscribers: int, caplog: pytest.LogCaptureFixture) -> None:
    """With no stream open, a failing connection (the database gone) ends the watcher quietly; with a
    stream open it keeps retrying, as the streams need it once the database is back."""
    from tests.support.ports import free_port

    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/gone"  # nothing listens there
    w = live_signal.LiveWatcher(url)
    w.subscribers = subscribers
    with caplog.at_level("WARNING", logger=live_signal.__name__):
        w.start()
        if subscribers:
            deadline = time.monotonic() + WAIT_S
            while "failed" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "failed" in caplog.text and w._thread.is_alive()  # retrying for its stream
            w.stop()
        else:
            w._thread.join(WAIT_S)
            assert not w._thread.is_alive() and w.done
            assert "failed" not in caplog.text
