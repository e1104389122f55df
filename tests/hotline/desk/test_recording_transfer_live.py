"""The call's recording after a transfer, on a real private Asterisk recording calls
(record_calls): a caller queues, 8001 answers, 8001's desk transfers the call blind (转接) to
8002, 8002 talks with the caller, the caller hangs up. The quality inspector hears the whole
call: 8001's part and 8002's, in that order, both tied to the call (hotline/recording_parts.py).
Until 7 December only the queue's leg (8001's) was recorded: what 8002 said was never heard."""

from __future__ import annotations

import shutil
import time
import wave
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.desk import consult, controls, members, presence
from hotline.models import Call
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.recording_parts import parts
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import answered_by, desk_settings, dynamic_templates, eventually, followed, listening
from tests.ivr.conftest import place_call

pytestmark = pytest.mark.asterisk

CALLER = "13800000741"


@pytest.fixture(scope="module")
def recording_pbx(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings,
                  built_prompts: Any) -> Iterator[Asterisk]:
    tmp = tmp_path_factory.mktemp("recxfer")
    s = desk_settings(tmp / "var", record_calls=True)
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)
    ast = Asterisk(s, dynamic_templates(tmp)).start()
    yield ast
    ast.stop()


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@pytest.fixture
def stack(recording_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 logged in at the desk (示闲), 8002 logged out."""
    with listening(recording_pbx, tmp_path / "rec.db") as (s, sessions):
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                for agent in ("8001", "8002"):
                    members.remove(ami, s, agent)
                assert presence.set_state(s, db, "8001", P.AVAILABLE, now=utcnow() - timedelta(seconds=30),
                                          ami=ami).ok
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                for agent in ("8001", "8002"):
                    members.remove(ami, s, agent)
            recording_pbx.cli("channel request hangup all")


def _talking_8001_then_8002_in(s: Any, sessions: Any) -> str:
    call = place_call(s, CALLER, stay=60, __SIM_RING="1", __SIM_TALK="60")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        answered_by(ami, "8001", call.call_id)
    followed(s, sessions, "8001", P.TALKING, "8001 通话中")
    time.sleep(3)  # 8001 talks with the caller a while
    with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
        assert presence.set_state(s, db, "8002", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami).ok
    return call.call_id


def _parts_after_8002_talked(pbx: Asterisk, sessions: Any, call_id: str) -> dict[str, tuple[str | None, float]]:
    """8002 talks with the caller a while (its work number plays), the caller hangs up: the call's
    recording parts, in order, as {file name: (agent, seconds)}."""
    with Ami.from_settings(pbx.settings, role=AmiRole.DESK) as ami:
        answered_by(ami, "8002", call_id)
    time.sleep(4)
    pbx.cli(f"channel request hangup {call_id}")

    def recorded() -> Call | None:
        with sessions() as db:
            c = db.scalar(select(Call).where(Call.call_id == call_id))
            return c if c is not None and c.recording else None
    rec = eventually(recorded, 20.0, "the call's record naming its recording")
    return {p.path.name: (p.agent, round(_seconds(p.path), 1)) for p in parts(rec.call_id, rec.recording)}


def test_a_blind_transfer_is_recorded_to_the_calls_end(recording_pbx: Asterisk, stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    with sessions() as db:
        assert controls.transfer(s, db, "8001", call_id, "8002").ok
    found = _parts_after_8002_talked(recording_pbx, sessions, call_id)
    assert [agent for agent, _ in found.values()] == ["8001", "8002"], found
    assert all(secs > 1.0 for _, secs in found.values()), found


def test_a_completed_consultation_is_recorded_to_the_calls_end(recording_pbx: Asterisk,
                                                              stack: tuple[Any, Any]) -> None:
    """咨询转: 8002's part holds its consultation with 8001 (the caller on hold), then its talk
    with the caller; no third part."""
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    with sessions() as db:
        assert consult.start(s, db, "8001", call_id, "8002").ok
    followed(s, sessions, "8002", P.TALKING, "8002 answering the consultation")
    time.sleep(2)  # the agents consult
    with sessions() as db:
        assert consult.complete(s, db, "8001", call_id).ok
    found = _parts_after_8002_talked(recording_pbx, sessions, call_id)
    assert [agent for agent, _ in found.values()] == ["8001", "8002"], found
    assert all(secs > 1.0 for _, secs in found.values()), found
