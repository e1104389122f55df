"""The consulted agent's controls in the core (no PBX): while 8001 consults 8002 on a call (the
snapshot's ``consulted_by``), 8002's leg is bridged with 8001's, so every control of 8002's but 挂断
would act on 8001. ``controls.run`` — the path of every control — refuses them, stored, before the
PBX is asked, whoever calls the core (until 7 December only the web route /desk/control checked)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotline.db import open_db
from hotline.desk import audit, calls, consult, controls
from hotline.desk.calls import ControlOutcome
from hotline.desk.refusals import Refusal
from hotline.live_snapshot import AgentLive, LiveSnapshot
from hotline.models import LiveState
from hotline.settings import load
from hotline.vocabulary import AgentState
from tests.hotline.desk.fakes import RecordingAmi

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
CALL = "c-consulted"


def test_every_control_of_the_consulted_agent_but_hangup_is_refused_in_the_core(
        tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    engine, sessions = open_db(s)
    asked: list[str] = []
    monkeypatch.setattr(calls, "find", lambda ami, agent, call_id: asked.append(agent) or (
        ControlOutcome.CALL_ENDED, "no call here"))
    ami = RecordingAmi()
    with sessions() as db:
        db.add(LiveState(server=s.server_id, updated_at=T0, data=LiveSnapshot(agents={
            "8001": AgentLive(AgentState.TALKING, T0.timestamp(), CALL, s.queue_name, consulting="8002"),
            "8002": AgentLive(AgentState.TALKING, T0.timestamp(), CALL, s.queue_name, consulted_by="8001"),
        }).to_dict()))
        db.commit()
        refused = [controls.transfer(s, db, "8002", CALL, "8003", ami=ami),
                   controls.transfer(s, db, "8002", CALL, controls.QUEUE, ami=ami),
                   consult.start(s, db, "8002", CALL, "8003", ami=ami),
                   controls.send_to_survey(s, db, "8002", CALL, ami=ami),
                   controls.play_phrase(s, db, "8002", CALL, controls.Phrase.THANKS, ami=ami),
                   controls.flag_malicious(s, db, "8002", CALL, ami=ami)]
        assert [(r.outcome, r.reason) for r in refused] == [(ControlOutcome.REFUSED, Refusal.CONSULTED)] * 6
        assert "consulted by 8001" in refused[0].message
        assert (asked, ami.sent) == ([], [])  # refused before the PBX was asked
        assert [(x.control, x.outcome) for x in audit.of_call(db, s, CALL)] == [
            (c, "refused") for c in ("transfer", "transfer", "consult", "survey", "phrase", "malicious")]
        # 挂断 ends the consultation; the consulting agent's own controls go on
        assert controls.hang_up(s, db, "8002", CALL, ami=ami).reason != Refusal.CONSULTED
        assert controls.send_to_survey(s, db, "8001", CALL, ami=ami).reason != Refusal.CONSULTED
        assert asked == ["8002", "8001"]
    engine.dispose()
