"""app_agent_pool's log-ins on the PBX's record: AgentLogin → AgentLogoff is a session of the agent
id (queue POOL_QUEUE), as QueueMemberAdded → QueueMemberRemoved is one of a queue member — the
supervisor's 坐席签入签出明细 (hotline.pbx_presence) reads both. Real captures: foreign_agents_*."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ami_listener.journal import Journal
from ami_listener.pipeline import Pipeline
from ami_listener.reader import read_messages
from ami_listener.store import Store
from hotline.db import open_db
from hotline.models import AgentSession
from hotline.pbx_presence import POOL_QUEUE
from hotline.timeutil import from_epoch
from tests.ami_listener.replay import CAPTURES, replay_settings


def _sessions_after(db_url: str, tmp_path: Path, *captures: str, extra: bytes = b"") -> list[AgentSession]:
    s = replay_settings(database_url=db_url)
    _, sessions = open_db(s)
    pipe = Pipeline(s, Store(sessions, s.server_id), journal=Journal(tmp_path / "l.journal", 1 << 24, free_reserve=0))
    for msg in read_messages([*((CAPTURES / f"{c}.ami").read_bytes() for c in captures), extra]):
        pipe.feed(msg)
    pipe.tick(10**10)
    pipe.flush()
    with sessions() as db:
        return list(db.scalars(select(AgentSession).order_by(AgentSession.login_at)))


def test_an_agent_pool_login_and_logoff_are_a_session(db_url: str, tmp_path: Path) -> None:
    rows = _sessions_after(db_url, tmp_path, "foreign_agents_abandon", "foreign_agents_login_while_waiting")
    got = [(r.agent, r.queue, r.interface, r.login_at, r.logout_at) for r in rows]
    assert got == [
        ("1002", POOL_QUEUE, "Agent:1002", from_epoch(1796553767.172955), from_epoch(1796553778.318769)),
        ("1001", POOL_QUEUE, "Agent:1001", from_epoch(1796554395.994848), from_epoch(1796554411.911996)),
    ]


def test_an_agent_login_without_its_agent_is_no_session(db_url: str, tmp_path: Path) -> None:
    """Bad input: logged and left out; the capture's session beside it is still written."""
    bare = b"Event: AgentLogin\r\nTimestamp: 1796553700.0\r\nChannel: PJSIP/8009-00000001\r\n\r\n"
    rows = _sessions_after(db_url, tmp_path, "foreign_agents_answered", extra=bare)
    assert [(r.agent, r.logout_at is not None) for r in rows] == [("1001", True)]
