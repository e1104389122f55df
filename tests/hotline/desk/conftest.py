"""Desk fixtures: a private Asterisk of the desk tests' own whose queue has no static members —
the desk logs agents in and out (QueueAdd / QueueRemove) — with the session's built prompts, and a
migrated database per test."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ami_listener.listen import Listener
from hotline.db import open_db
from hotline.desk import calls, members, presence
from hotline.desk.calls import AgentCall
from hotline.desk.live import sync_all
from hotline.desk.presence import PresenceView
from hotline.live_snapshot import LiveSnapshot
from hotline.models import LiveState
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.config import TEMPLATES
from hotline.pbx.process import Asterisk
from hotline.settings import Settings, load
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence
from tests.support.pbx import pbx_test_settings
from tests.support.postgres import new_db_url, sqlite_url
from tests.support.waiting import eventually


def dynamic_templates(tmp: Path) -> Path:
    """asterisk/*.conf with the queue's static members left out: every member is the desk's."""
    out = tmp / "templates"
    shutil.copytree(TEMPLATES, out)
    queues = out / "queues.conf"
    queues.write_text(queues.read_text().replace("{{queue_members}}\n", ""))
    return out


def desk_settings(runtime: Path, **kw: Any) -> Settings:
    values: dict[str, Any] = {"server_id": "desk", "agents": ["8001", "8002", "8003"], "desk_wrapup_s": 2, **kw}
    return pbx_test_settings(runtime, **values)


@pytest.fixture(scope="module")
def desk_pbx(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings,
             built_prompts: Any) -> Iterator[Asterisk]:
    tmp = tmp_path_factory.mktemp("desk")
    s = desk_settings(tmp / "var")
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)  # the session's prompts, built once
    ast = Asterisk(s, dynamic_templates(tmp)).start()
    yield ast
    ast.stop()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    _engine, sessions = open_db(desk_settings(tmp_path, database_url=new_db_url(tmp_path, "desk.db")))
    with sessions() as session:
        yield session


@pytest.fixture
def core(tmp_path: Path, db_url: str) -> Iterator[tuple[Settings, Session]]:
    """Settings on the test's database and a session of it: the desk's core without a PBX."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    engine, sessions = open_db(s)
    with sessions() as session:
        yield s, session
    engine.dispose()


@pytest.fixture
def ami(desk_pbx: Asterisk) -> Iterator[Ami]:
    with Ami.from_settings(desk_pbx.settings, role=AmiRole.DESK) as a:
        yield a




def answered_by(ami: Ami, agent: str, call_id: str, timeout: float = 20.0) -> AgentCall:
    """Waits until ``agent`` is bridged with the caller of ``call_id``."""
    def probe() -> AgentCall | None:
        found = calls.find(ami, agent, call_id)
        return found if isinstance(found, AgentCall) else None
    return eventually(probe, timeout, f"answer of {call_id} by {agent}")


def active_channels(ast: Asterisk) -> int:
    m = re.search(r"(\d+) active channel", ast.cli("core show channels count"))
    return int(m.group(1)) if m else -1


def quiet(ast: Asterisk, timeout: float = 30.0) -> None:
    """Waits until no channel is up (the previous test's calls are over)."""
    eventually(lambda: active_channels(ast) == 0, timeout, "quiet PBX")


def set_snapshot(db: Session, snap: LiveSnapshot, at: datetime) -> None:
    """The listener's live snapshot of server ``pbx1`` is ``snap`` (what the scheduler's tick reads),
    flushed in ``db``'s transaction."""
    row = db.get(LiveState, "pbx1")
    if row is None:
        db.add(LiveState(server="pbx1", updated_at=at, data=snap.to_dict()))
    else:
        row.data = snap.to_dict()
    db.flush()


@contextmanager
def logged_in(ast: Asterisk, db_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    """``listening``, with 8001 logged in at the desk (示闲), that row dated back past the PBX-follow
    margin so what the PBX does next is newer; 8001 out of the queue again after."""
    with listening(ast, db_path) as (s, sessions):
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                members.remove(ami, s, "8001")
                login = presence.set_state(s, db, "8001", AgentPresence.AVAILABLE,
                                           now=utcnow() - timedelta(seconds=30), ami=ami)
                assert login.ok, login.message
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                members.remove(ami, s, "8001")


@contextmanager
def listening(ast: Asterisk, db_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    """The listener in-process on a database of its own (``db_path``), started once ``ast`` is
    quiet: what the scheduler's tick reads (the live snapshot) is written by a real listener."""
    s = ast.settings.replace(database_url=sqlite_url(db_path))
    _engine, sessions = open_db(s, upgrade=True)
    quiet(ast)
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10), "listener did not log in to AMI"
        yield s, sessions
    finally:
        listener.stop()


def followed(s: Settings, sessions: sessionmaker[Session], agent: str, state: AgentPresence,
             what: str) -> PresenceView:
    """Runs the scheduler's tick (``sync_all``) until ``agent``'s stored presence is ``state``."""
    def probe() -> PresenceView | None:
        with sessions() as db:
            sync_all(s, db, utcnow())
            db.commit()
            view = presence.current(db, s, agent)
            return view if view.state == state else None
    return eventually(probe, 8.0, what)
