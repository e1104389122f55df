"""The desk's presence follows a member removed from and added to its queue on the real private
Asterisk (the desk tests' own, whose queue has no static members), the listener in-process writing
the live snapshot and the scheduler's tick (hotline.desk.live.sync_all) polled: another AMI
client's QueueRemove makes the agent 下线 by the PBX, its QueueAdd 示闲 (示忙 added paused), and the
desk shows it. The desk's own log-out and log-in are not followed as foreign. Until 6 December
the desk kept saying 示闲 while the queue no longer rang the agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.desk import members, presence
from hotline.desk.live import live_of, sync_all
from hotline.desk.reapply import reapply
from hotline.models.desk import PresenceChange
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import eventually, followed, logged_in
from web.desk.state import DeskState

pytestmark = pytest.mark.asterisk


@pytest.fixture
def stack(desk_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    with logged_in(desk_pbx, tmp_path / "members.db") as (s, sessions):
        yield s, sessions


def _shown(s: Any, sessions: Any) -> str:
    with sessions() as db:
        return str(DeskState(s, "8001")(db, keep_step=False)["presence"]["state"])


def test_a_foreign_cti_queue_remove_and_add_move_the_desk(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    iface = members.member(s, "8001").interface
    with Ami.from_settings(s, role=AmiRole.ADMIN) as cti:  # another AMI client than the desk's
        cti.action("QueueRemove", Queue=s.queue_name, Interface=iface)
        out = followed(s, sessions, "8001", P.LOGGED_OUT, "下线 after the CTI's QueueRemove")
        assert out.by == presence.PBX and _shown(s, sessions) == "logged_out"
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            assert "8001" not in members.status(ami, s)  # nothing put it back
        cti.action("QueueAdd", Queue=s.queue_name, Interface=iface, MemberName="8001", Paused="false")
        assert followed(s, sessions, "8001", P.AVAILABLE, "示闲 after the CTI's QueueAdd").by == presence.PBX
        assert _shown(s, sessions) == "available"
        cti.action("QueueRemove", Queue=s.queue_name, Interface=iface)
        followed(s, sessions, "8001", P.LOGGED_OUT, "下线 after the second QueueRemove")
        cti.action("QueueAdd", Queue=s.queue_name, Interface=iface, MemberName="8001", Paused="true")
        busy = followed(s, sessions, "8001", P.BUSY, "示忙 after a paused QueueAdd")
        assert (busy.by, busy.reason, _shown(s, sessions)) == (presence.PBX, None, "busy")
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            assert members.status(ami, s)["8001"].paused  # as the PBX has it: no AMI from the desk


def test_the_desks_own_log_out_and_log_in_are_not_followed(stack: tuple[Any, Any]) -> None:
    s, sessions = stack

    def seen(added: bool) -> bool:
        with sessions() as db:
            live, _call, _gap = live_of(db, "8001", s.queue_name)
        return live is not None and live.member is not None and live.member.added == added

    for state, added in ((P.LOGGED_OUT, False), (P.AVAILABLE, True)):
        with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
            assert presence.set_state(s, db, "8001", state, ami=ami).ok
        eventually(lambda added=added: seen(added), 8.0, f"the listener seeing the desk's {state.value}")
        with sessions() as db:
            sync_all(s, db, utcnow())
            db.commit()
    with sessions() as db:
        rows = db.scalars(select(PresenceChange.by).where(PresenceChange.agent == "8001")).all()
    assert presence.PBX not in rows


def test_reapply_keeps_a_member_added_while_the_tick_did_not_run(stack: tuple[Any, Any]) -> None:
    """8001 logged out at the desk; another CTI adds it to the queue while no tick runs (the
    scheduler down), then the scheduler's AMI session opens and ``reapply`` runs: the add the
    listener saw is the operator's log-in — followed (示闲 by the PBX), the member left in the queue.
    Before, reapply took it out as a member the PBX kept for an agent who logged out."""
    s, sessions = stack
    with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
        assert presence.set_state(s, db, "8001", P.LOGGED_OUT, now=utcnow() - timedelta(seconds=20), ami=ami).ok
    with Ami.from_settings(s, role=AmiRole.ADMIN) as cti:
        cti.action("QueueAdd", Queue=s.queue_name, Interface=members.member(s, "8001").interface,
                   MemberName="8001", Paused="false")

    def added() -> bool:
        with sessions() as db:
            live, _call, _gap = live_of(db, "8001", s.queue_name)
        return live is not None and live.member is not None and live.member.added
    eventually(added, 8.0, "the listener seeing the CTI's QueueAdd")
    with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
        reapply(s, db, ami=ami)
        view = presence.current(db, s, "8001")
        assert (view.state, view.by) == (P.AVAILABLE, presence.PBX)
        assert "8001" in members.status(ami, s)
