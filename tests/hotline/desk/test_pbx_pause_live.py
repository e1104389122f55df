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

from hotline.desk import members, presence
from hotline.desk.live import live_of, sync_all
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import eventually, followed, listening, logged_in

pytestmark = pytest.mark.asterisk


@pytest.fixture
def stack(desk_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    with logged_in(desk_pbx, tmp_path / "pause.db") as (s, sessions):
        yield s, sessions


def test_a_foreign_cti_pause_and_unpause_move_the_desk(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    iface = members.member(s, "8001").interface
    with Ami.from_settings(s, role=AmiRole.ADMIN) as cti:  # another AMI client than the desk's
        cti.action("QueuePause", Queue=s.queue_name, Interface=iface, Paused="true", Reason="crm-busy")
        busy = followed(s, sessions, "8001", P.BUSY, "示忙 after the CTI's pause")
        assert (busy.by, busy.reason) == (presence.PBX, "crm-busy")
        cti.action("QueuePause", Queue=s.queue_name, Interface=iface, Paused="false")
        assert followed(s, sessions, "8001", P.AVAILABLE, "示闲 after the CTI's unpause").by == presence.PBX


def _press_pause_key(s: Any, agent: str = "8001") -> None:
    """The agent's phone dials *46 (its context, its caller ID as pjsip.conf gives it)."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        ami.action("Originate", Channel="Local/*46@agents-phone-out/n", Application="Wait", Data="2",
                   CallerID=f"{agent} <{agent}>", Async="true", Timeout=10000)


def test_the_desk_phones_pause_key_toggles_busy(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    _press_pause_key(s)
    busy = followed(s, sessions, "8001", P.BUSY, "示忙 after *46")
    assert (busy.by, busy.reason) == (presence.PBX, "phone")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        m = members.status(ami, s)["8001"]
        assert (m.paused, m.reason) == (True, "phone")
    _press_pause_key(s)
    assert followed(s, sessions, "8001", P.AVAILABLE, "示闲 after *46 again").by == presence.PBX
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        assert not members.status(ami, s)["8001"].paused


def test_a_logged_out_static_member_pressing_the_key_stays_out_of_the_queue(pbx: Asterisk, tmp_path: Path) -> None:
    """On the session's Asterisk, whose agents are static members: 签出 pauses 8003 (it cannot leave
    the queue); its *46 unpauses it on the PBX, and the tick pauses it back — 8003 stays 下线 and
    nothing rings an agent who logged out."""
    with listening(pbx, tmp_path / "static.db") as (s, sessions):
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                assert presence.set_state(s, db, "8003", P.AVAILABLE, ami=ami).ok
                assert presence.set_state(s, db, "8003", P.LOGGED_OUT, now=utcnow() - timedelta(seconds=30), ami=ami).ok
            _press_pause_key(s, "8003")

            def unpaused() -> bool:  # no tick meanwhile: the PBX's unpause stands
                with sessions() as db:
                    live, _call, _gap = live_of(db, "8003")
                return live is not None and live.pause is not None and not live.pause.paused
            eventually(unpaused, 8.0, "the listener seeing 8003 unpaused")
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                assert not members.status(ami, s)["8003"].paused  # the queue would ring 8003

            def paused_back() -> bool:
                with sessions() as db, Ami.from_settings(s, role=AmiRole.DESK) as ami:
                    sync_all(s, db, utcnow())
                    db.commit()
                    m = members.status(ami, s)["8003"]
                    return (m.paused, m.reason) == (True, members.LOGGED_OUT_REASON)
            eventually(paused_back, 8.0, "8003 paused back")
            with sessions() as db:
                assert presence.current(db, s, "8003").state == P.LOGGED_OUT
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                members.pause(ami, s, "8003", False)  # the session's other tests ring 8003
