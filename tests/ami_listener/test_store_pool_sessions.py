"""app_agent_pool's log-ins on the PBX's record: AgentLogin → AgentLogoff is a session of the agent
(queue POOL_QUEUE, interface Agent:<id>), as QueueMemberAdded → QueueMemberRemoved is one of a queue
member — the supervisor's 坐席签入签出明细 (hotline.pbx_presence) reads both. The session is named
as the pool's queue member names the agent, as the call records are (one person, one name).
Real captures: foreign_agents_*."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ami_listener.journal import Journal
from ami_listener.pipeline import Pipeline
from ami_listener.reader import read_messages
from ami_listener.store import Store
from hotline.db import open_db
from hotline.models import AgentSession, Call
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
        ("Bob", POOL_QUEUE, "Agent:1002", from_epoch(1796553767.172955), from_epoch(1796553778.318769)),
        ("Alice", POOL_QUEUE, "Agent:1001", from_epoch(1796554395.994848), from_epoch(1796554411.911996)),
    ]


def test_an_agent_login_without_its_agent_is_no_session(db_url: str, tmp_path: Path) -> None:
    """Bad input: logged and left out; the capture's session beside it is still written."""
    bare = b"Event: AgentLogin\r\nTimestamp: 1796553700.0\r\nChannel: PJSIP/8009-00000001\r\n\r\n"
    rows = _sessions_after(db_url, tmp_path, "foreign_agents_answered", extra=bare)
    assert [(r.agent, r.logout_at is not None) for r in rows] == [("Alice", True)]


def test_a_pool_agent_has_one_name_on_its_calls_and_its_sessions(db_url: str, tmp_path: Path) -> None:
    """The call the capture's agent answered names it by its queue member's name (Alice); so does
    its session — a supervisor comparing 通话记录 with 签入签出明细 sees one person, not Alice and 1001."""
    rows = _sessions_after(db_url, tmp_path, "foreign_agents_answered")
    _, sessions = open_db(replay_settings(database_url=db_url))
    with sessions() as db:
        agents = set(db.scalars(select(Call.agent).where(Call.agent.isnot(None))))
    assert agents == {"Alice"}
    assert [(r.agent, r.interface) for r in rows] == [("Alice", "Agent:1001")]


def test_a_member_without_a_name_of_its_own_leaves_the_agent_id(db_url: str, tmp_path: Path) -> None:
    """A pool member configured without a name (Asterisk reports its interface as MemberName) names
    nobody: the session keeps the agent id."""
    plain = (b"Event: AgentLogin\r\nTimestamp: 1796560000.0\r\nAgent: 1002\r\nChannel: PJSIP/8002-0000aaaa\r\n"
             b"Uniqueid: x-1\r\nLinkedid: x-1\r\n\r\n"
             b"Event: QueueMemberStatus\r\nTimestamp: 1796560000.5\r\nQueue: pool-plain\r\n"
             b"MemberName: Local/1002@agent-pool\r\nInterface: Local/1002@agent-pool\r\n"
             b"StateInterface: Agent:1002\r\nStatus: 1\r\n\r\n")
    rows = _sessions_after(db_url, tmp_path, extra=plain)
    assert [(r.agent, r.interface, r.logout_at) for r in rows] == [("1002", "Agent:1002", None)]
