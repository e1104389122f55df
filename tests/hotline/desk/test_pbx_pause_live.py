"""The desk's presence follows a pause made on the real private Asterisk (the desk tests' own,
whose queue has no static members), the listener in-process writing the live snapshot and the
scheduler's tick (hotline.desk.live.sync_all) polled: another AMI client's QueuePause makes the
agent 示忙 by the PBX, its QueueUnpause 示闲; the desk phone's pause key (*46, dialled here by a
Local channel into the phones' context with the phone's caller ID) toggles it the same way.
Until 6 December the desk kept saying 示闲 while the queue no longer rang the agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ami_listener.listen import Listener
from hotline.db import open_db
from hotline.desk import members, presence
from hotline.desk.live import sync_all
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import eventually, quiet
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


@pytest.fixture
def stack(desk_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 logged in at the desk (示闲), that row dated back
    past the follow margin so what the PBX does next is newer."""
    s = desk_pbx.settings.replace(database_url=sqlite_url(tmp_path / "pause.db"))
    _engine, sessions = open_db(s, upgrade=True)
    quiet(desk_pbx)
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10), "listener did not log in to AMI"
        with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
            members.remove(ami, s, "8001")
            login = presence.set_state(s, db, "8001", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami)
            assert login.ok, login.message
        yield s, sessions
    finally:
        listener.stop()
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            members.remove(ami, s, "8001")


def _followed(s: Any, sessions: Any, state: P, what: str) -> presence.PresenceView:
    """Runs the scheduler's tick until 8001's stored presence is ``state``."""
    def probe() -> presence.PresenceView | None:
        with sessions() as db:
            sync_all(s, db, utcnow())
            db.commit()
            view = presence.current(db, s, "8001")
            return view if view.state == state else None
    return eventually(probe, 8.0, what)


def test_a_foreign_cti_pause_and_unpause_move_the_desk(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    iface = members.member(s, "8001").interface
    with Ami.from_settings(s, role=AmiRole.ADMIN) as cti:  # another AMI client than the desk's
        cti.action("QueuePause", Queue=s.queue_name, Interface=iface, Paused="true", Reason="crm-busy")
        busy = _followed(s, sessions, P.BUSY, "示忙 after the CTI's pause")
        assert (busy.by, busy.reason) == (presence.PBX, "crm-busy")
        cti.action("QueuePause", Queue=s.queue_name, Interface=iface, Paused="false")
        assert _followed(s, sessions, P.AVAILABLE, "示闲 after the CTI's unpause").by == presence.PBX


def _press_pause_key(s: Any) -> None:
    """The agent's phone dials *46 (its context, its caller ID as pjsip.conf gives it)."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        ami.action("Originate", Channel="Local/*46@agents-phone-out/n", Application="Wait", Data="2",
                   CallerID="8001 <8001>", Async="true", Timeout=10000)


def test_the_desk_phones_pause_key_toggles_busy(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    _press_pause_key(s)
    busy = _followed(s, sessions, P.BUSY, "示忙 after *46")
    assert (busy.by, busy.reason) == (presence.PBX, "phone")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        m = members.status(ami, s)["8001"]
        assert (m.paused, m.reason) == (True, "phone")
    _press_pause_key(s)
    assert _followed(s, sessions, P.AVAILABLE, "示闲 after *46 again").by == presence.PBX
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        assert not members.status(ami, s)["8001"].paused
