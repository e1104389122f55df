"""The desk with real SIP phones as agents (agent_technology = "pjsip"; SIPp phones,
tests/support/sipphone.py): the desk's member is Local/<ext>@agents-phone/n with the phone as
state interface, and the controls find and work the phone agent's call."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.desk import controls, members, presence
from hotline.desk.calls import ControlResult
from hotline.desk.controls import Phrase
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.hotline.desk.audio import best_match
from tests.hotline.desk.conftest import answered_by, desk_settings, dynamic_templates
from tests.hotline.desk.test_controls import _hears, caller_channel, greeted, played_out
from tests.ivr.conftest import finish, place_call
from tests.support.pbx import EventTap
from tests.support.sipphone import SipPhone

pytestmark = pytest.mark.asterisk


def _admin(s: Settings, action: str, **fields: str) -> None:
    """MixMonitor of the caller's side (what the test listens to) is the admin's: the desk's AMI
    user may not record."""
    with Ami.from_settings(s, role=AmiRole.ADMIN) as admin:
        admin.action(action, **fields)


@pytest.fixture(scope="module")
def phone_desk(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings,
               built_prompts: Any) -> Iterator[Asterisk]:
    tmp = tmp_path_factory.mktemp("deskphones")
    s = desk_settings(tmp / "var", agent_technology="pjsip", agents=["8001", "8002"])
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)
    ast = Asterisk(s, dynamic_templates(tmp)).start()
    yield ast
    ast.stop()


def test_a_phone_agent_logs_in_takes_a_call_hears_a_phrase_played_and_hangs_up(
        phone_desk: Asterisk, db: Session, tmp_path: Path) -> None:
    s = phone_desk.settings
    with Ami.from_settings(s, role=AmiRole.DESK) as ami, EventTap(s) as tap, \
            SipPhone(s, "8001", answer_after=0.8, talk=None, tmp_dir=tmp_path) as phone:
        assert presence.set_state(s, db, "8001", presence.P.AVAILABLE, ami=ami).ok
        m = members.status(ami, s)["8001"]
        assert (m.interface, m.state_interface, m.dynamic) == ("Local/8001@agents-phone/n", "PJSIP/8001", True)
        call = place_call(s, "13800000431", stay=40)
        leg = answered_by(ami, "8001", call.call_id)
        assert leg.agent_channel.startswith("Local/8001@agents-phone-")
        greeted(tap, call)
        results: list[ControlResult] = []
        path = _hears(s, ami, tap, call, tmp_path, lambda: results.append(
            controls.play_phrase(s, db, "8001", call.call_id, Phrase.PLEASE_REPEAT, ami=ami)))
        assert results[0].ok, results[0].message
        played_out(tap, "desk-phrase")
        _admin(s, "StopMixMonitor", Channel=caller_channel(tap, call))
        assert controls.hang_up(s, db, "8001", call.call_id, ami=ami).ok
        finish(tap, call, 20)
        phone.wait_step("bye-received")
        presence.set_state(s, db, "8001", presence.P.LOGGED_OUT, ami=ami)
        assert "8001" not in members.status(ami, s)
    heard, _ = best_match(path, s.sounds_dir / "hotline" / "please_repeat.wav")
    assert heard > 0.9
