"""A phone's own blind transfer (features.conf ``blindxfer = #1``) on the real private Asterisk with
SIP phones as agents: [hotline-agent-connect] gives the agent's leg ``TRANSFER_CONTEXT`` =
agents-transfer, so the digits keyed after ``#1`` are looked up there, as the desk's 转接 is
(``controls.transfer``). An agent's number hands the caller to that agent, announced by its work
number (R-ANS-GREET); a number that is no agent's leaves the caller with the transferring agent."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.desk import controls
from hotline.desk.live import live_of
from hotline.live_snapshot import AgentLive
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import replay_messages
from tests.captures.phone_keys import KeyPhone
from tests.hotline.desk.conftest import answered_by, eventually, listening
from tests.hotline.desk.test_consult import heard_8002
from tests.hotline.desk.test_controls import _admin, caller_channel, greeted, queued_caller
from tests.ivr.conftest import finish, place_call
from tests.ivr.test_pjsip_agents import phone_pbx, worknum_legs
from tests.support.pbx import EventTap
from tests.support.sipphone import SipPhone

__all__ = ["phone_pbx"]  # the SIP-phone Asterisk fixture, shared with tests/ivr/test_pjsip_agents.py

pytestmark = pytest.mark.asterisk

KEYS_AFTER_S = 4.0  # 8001 keys #1 once its own work number was said to the caller


def _talking(sessions: sessionmaker[Session], agent: str, call_id: str) -> AgentLive | None:
    """The agent as the listener's live snapshot shows it, once it talks on ``call_id``."""
    with sessions() as db:
        live, _call, _gap = live_of(db, agent)
    return live if live is not None and live.call_id == call_id and live.state == AgentState.TALKING else None


def test_the_phones_blind_transfer_hands_the_caller_to_the_agent_keyed(phone_pbx: Asterisk, tmp_path: Path) -> None:
    """8001's phone keys #1 and 8002: 8002's phone rings and answers, the caller hears 8002's work
    number (R-ANS-GREET), the record has a blind transfer 8001 → 8002 and the live snapshot shows
    8002 talking on the call (what its desk pops)."""
    path = tmp_path / "caller-after-blind.wav"
    with listening(phone_pbx, tmp_path / "listener.db") as (s, sessions), EventTap(s) as tap, \
            Ami.from_settings(s, role=AmiRole.DESK) as ami, \
            KeyPhone(s, "8001", answer_after=0.8, talk=None, keys="#1,8002", keys_after=KEYS_AFTER_S,
                     tmp_dir=tmp_path), \
            SipPhone(s, "8002", answer_after=0.8, talk=None, tmp_dir=tmp_path), sessions() as db:
        call = place_call(s, "13800000431", stay=60)
        answered_by(ami, "8001", call.call_id)
        greeted(tap, call)  # 8001's work number said: what is recorded from here is after it
        chan = caller_channel(tap, call)
        _admin(s, "MixMonitor", Channel=chan, File=str(path))
        answered_by(ami, "8002", call.call_id, timeout=30)
        live = eventually(lambda: _talking(sessions, "8002", call.call_id), 15, "8002 on the call in the snapshot")
        assert live.consulted_by is None  # a blind transfer: 8002 talks with the caller, nobody consults
        tap.wait_for(lambda m: m.name == "VarSet" and m.get("Linkedid") == call.call_id
                     and m.get("Variable") == "HOTLINE_WORKNUM_PLAYED"
                     and (m.get("Channel") or "").startswith("Local/8002@agents-phone-"), 20)
        time.sleep(1.0)  # the last frames of the greeting on their way to the caller
        _admin(s, "StopMixMonitor", Channel=chan)
        assert controls.hang_up(s, db, "8002", call.call_id).ok  # its own AMI session: ours may be idle
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert [(t.kind, t.from_agent, t.to) for t in rec.transfers] == [("blind", "8001", "8002")], rec.transfers
    assert (rec.agent, rec.final_agent) == ("8001", "8002")
    assert sorted(worknum_legs(call)) == ["8001", "8002"], "one work-number announcement per agent"
    heard_8002(s, path, "phone's #1")


def test_the_phones_blind_transfer_to_no_agent_leaves_the_caller_with_the_agent(
        phone_pbx: Asterisk, db: Session, tmp_path: Path) -> None:
    """8001's phone keys #1 and 9999, no agent's number: [agents-transfer] has no extension that
    begins with 9, so Asterisk ends the digit collection at the first 9 and refuses the transfer
    (pbx-invalid, said to 8001); the caller stays bridged with 8001 — not lost, not transferred."""
    s = phone_pbx.settings
    with EventTap(s) as tap, \
            KeyPhone(s, "8001", answer_after=0.8, talk=None, keys="#1,9999", keys_after=KEYS_AFTER_S,
                     tmp_dir=tmp_path):
        call = place_call(s, "13800000432", stay=40)
        caller = queued_caller(tap, call)
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            answered_by(ami, "8001", call.call_id)
        tap.wait_for(lambda m: m.name == "DTMFEnd" and m.get("Linkedid") == call.call_id
                     and m.get("Digit") == "9", 30)
        time.sleep(4.0)  # past transferdigittimeout (3 s) and the pbx-invalid said to 8001
        # a session of its own, as the desk's controls have: asterisk-ami's reader dies when idle
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            assert answered_by(ami, "8001", call.call_id, timeout=1.0).caller_channel == caller
            assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call, 30)
        rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.transfers == [] and (rec.agent, rec.final_agent) == ("8001", "8001"), rec.transfers
