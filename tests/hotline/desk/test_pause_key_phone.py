"""The desk phone's pause key from a real SIP phone: agent 8001's phone (SIPp, registered, answering
Asterisk's digest challenge with 8001's credentials) dials *46 ([agents-phone-out],
asterisk/extensions.conf): its queue member is paused with the reason ``phone`` and the desk's
presence follows (示忙 by the PBX); *46 again unpauses it (示闲). The agent is the caller ID
pjsip.conf gives the endpoint the phone authenticated as: another agent's phone claiming 8001 in
its From, display name or identity headers pauses no one else. On a private Asterisk of this
module's own with real phones (agent_technology = pjsip), whose agents are static members; the
listener in-process writes the live snapshot and the scheduler's tick (sync_all) is polled."""

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
from tests.hotline.desk.conftest import followed, listening
from tests.support.pbx import phones_asterisk
from tests.support.sipdial import phone_dials
from tests.support.sipphone import SipPhone

pytestmark = pytest.mark.asterisk
AGENTS = ("8001", "8002")


@pytest.fixture(scope="module")
def phones_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    with phones_asterisk(tmp_path_factory.mktemp("pausekey"), "pausekey") as ast:
        yield ast


@pytest.fixture
def stack(phones_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 and 8002 logged in at the desk (示闲), their rows
    dated back past the follow margin so what the PBX does next is newer."""
    with listening(phones_pbx, tmp_path / "key.db") as (s, sessions):
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                for agent in AGENTS:
                    login = presence.set_state(s, db, agent, P.AVAILABLE, now=utcnow() - timedelta(seconds=30),
                                               ami=ami)
                    assert login.ok, login.message
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                for agent in AGENTS:
                    members.pause(ami, s, agent, False)  # as the static members were


def _member(s: Any, agent: str) -> tuple[bool, str]:
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        m = members.status(ami, s)[agent]
        return m.paused, m.reason


def test_the_phones_pause_key_toggles_busy(stack: tuple[Any, Any], tmp_path: Path) -> None:
    s, sessions = stack
    with SipPhone(s, "8001", busy=True, tmp_dir=tmp_path):
        assert phone_dials(s, "8001", "*46", tmp_path) == "200"  # answered: the tones, then Asterisk hangs up
        busy = followed(s, sessions, "8001", P.BUSY, "示忙 after *46")
        assert (busy.by, busy.reason) == (presence.PBX, "phone")
        assert _member(s, "8001") == (True, "phone")
        assert phone_dials(s, "8001", "*46", tmp_path) == "200"
        assert followed(s, sessions, "8001", P.AVAILABLE, "示闲 after *46 again").by == presence.PBX
        assert not _member(s, "8001")[0]


def _seen_unpaused(sessions: Any, agent: str) -> bool:
    with sessions() as db:
        live, _call, _gap = live_of(db, agent)
    return live is None or live.pause is None or not live.pause.paused


def test_another_agents_phone_cannot_pause_8001(stack: tuple[Any, Any], tmp_path: Path) -> None:
    s, sessions = stack
    # 8002's credentials under 8001's From: Asterisk takes the endpoint from the From (8001) and
    # challenges for 8001's password, which 8002's phone does not have
    assert phone_dials(s, "8002", "*46", tmp_path, from_user="8001") in ("401", "403")
    # 8002 authenticated, claiming 8001 by display name and identity headers: the caller ID is
    # the endpoint's own (pjsip.conf callerid, no trust_id_inbound), so it is 8002 that pauses
    claims = (f"P-Asserted-Identity: <sip:8001@{s.ami_host}>",
              f"Remote-Party-ID: <sip:8001@{s.ami_host}>;party=calling")
    assert phone_dials(s, "8002", "*46", tmp_path, display="8001", headers=claims) == "200"
    busy = followed(s, sessions, "8002", P.BUSY, "8002 示忙 after its own *46")
    assert (busy.by, busy.reason) == (presence.PBX, "phone")
    assert _member(s, "8001") == (False, "")
    assert _seen_unpaused(sessions, "8001")
    with sessions() as db:
        sync_all(s, db, utcnow())
        db.commit()
        assert (presence.current(db, s, "8001").state, presence.current(db, s, "8001").by) == (P.AVAILABLE, "8001")
