"""An agent who is a static member of the queue (queues.conf: the private Asterisk's agents, or an
operator's own) cannot leave it: 签出 pauses the member with the reason ``logged-out``, so no call
rings them, and 示闲 unpauses it. On the session's Asterisk, whose agents are static members."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.db import open_db
from hotline.desk import members, presence
from hotline.desk.reapply import reapply
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import desk_settings, eventually
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


def test_logging_a_static_member_out_pauses_it_and_logging_in_brings_it_back(pbx: Asterisk,
                                                                              tmp_path: Path) -> None:
    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "static.db"))
    _, sessions = open_db(s, upgrade=True)
    with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
        assert "8003" in members.status(ami, s)  # in queues.conf: there before anyone logged in
        try:
            assert presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami).presence.state == P.AVAILABLE
            assert not members.status(ami, s)["8003"].paused
            out = presence.set_state(s, db, "8003", P.LOGGED_OUT, ami=ami)
            assert out.ok and out.presence.state == P.LOGGED_OUT, out.message
            m = members.status(ami, s)["8003"]  # still a member: a static one cannot leave
            assert (m.paused, m.reason) == (True, members.LOGGED_OUT_REASON)
            assert presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami).presence.state == P.AVAILABLE
            assert not members.status(ami, s)["8003"].paused
        finally:
            members.pause(ami, s, "8003", False)  # the session's other tests ring 8003


def test_the_demo_logs_its_agents_in_at_their_desks(pbx: Asterisk, tmp_path: Path) -> None:
    """`hotline run` with demo traffic: the demo's calls ring desks that say 示闲, not 签出."""
    from hotline.run import demo_desks

    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "demo.db"))
    _, sessions = open_db(s, upgrade=True)
    assert demo_desks(s) == "8001, 8002, 8003 logged in (示闲)"
    with sessions() as db:
        assert [(v.agent, v.state) for v in presence.board(db, s)] == [(a, P.AVAILABLE) for a in s.agents]
    assert demo_desks(s) == "as they were left (log in at /desk)"  # a second start leaves them be
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        assert not any(members.status(ami, s)[a].paused for a in s.agents)


def test_a_logged_out_static_member_is_paused_again_after_asterisk_restarts(tmp_path: Path) -> None:
    """persistentmembers keeps dynamic members only: Asterisk 16.28 restarted brings a static
    member back unpaused, as queues.conf says, and the queue would ring 8003, who logged out.
    ``reapply`` (the scheduler, when its desk AMI session opens) pauses it again. On an Asterisk of
    this test's own (the session's one is not restarted), whose agents are static members."""
    s = desk_settings(tmp_path / "var", database_url=sqlite_url(tmp_path / "restart.db"))
    _, sessions = open_db(s, upgrade=True)
    ast = Asterisk(s).start()
    try:
        with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
            eventually(lambda: members.status(ami, s) or None, 5, "queue members")
            assert presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami).ok
            assert presence.set_state(s, db, "8003", P.LOGGED_OUT, ami=ami).ok
            assert members.status(ami, s)["8003"].paused
        ast.stop()
        ast.start()
        with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
            live = eventually(lambda: members.status(ami, s) or None, 5, "queue members")
            assert not live["8003"].paused  # what the restart does
            assert reapply(s, db, ami=ami) == ["8003"]
            m = members.status(ami, s)["8003"]
            assert (m.paused, m.reason) == (True, members.LOGGED_OUT_REASON)
            assert reapply(s, db, ami=ami) == []  # nothing left to put back
            assert presence.current(db, s, "8003").state == P.LOGGED_OUT
    finally:
        ast.stop()
