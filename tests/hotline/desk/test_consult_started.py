"""咨询 in the core (no PBX): AMI Atxfer only queues the attended-transfer digits on the agent's leg
and Asterisk answers success whether or not a transfer feature takes them — a leg without one
(until 7 December, an agent's leg reached by a transfer) started nothing. The desk says done only
once the consultation's channel is bridged with the agent's leg; otherwise the control is a stored
refusal and the desk's marks for its consultation are taken back. The live counterpart is
test_transfer_received_live.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.db import open_db
from hotline.desk import audit, consult
from hotline.desk.refusals import Refusal
from hotline.settings import Settings, load
from tests.hotline.desk.fakes import RecordingAmi

CALL = "c-consult"
CALLER = "PJSIP/trunk-00000001"
LEG_8002 = "Local/8002@agents-00000005;1"  # the leg [agents-transfer] dialled: a received call
CONSULTATION = "Local/8003@agents-transfer-00000007;1"


class PbxAmi(RecordingAmi):
    """The call's channels (name, bridge), all Up; ``consults``: whether an Atxfer moves the leg
    into a consultation bridge with ``Local/8003@agents-transfer…`` (the leg has the feature)."""

    def __init__(self, consults: bool) -> None:
        super().__init__()
        self.consults = consults
        self.chans = [(CALLER, "b-call"), (LEG_8002, "b-call")]

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        super().action(name, variables, **fields)
        if name == "Atxfer" and self.consults:
            self.chans = [(CALLER, "b-call"), (LEG_8002, "b-consult"), (CONSULTATION, "b-consult")]
        return {"Response": "Success", "Message": "Atxfer successfully queued"}

    def list_action(self, name: str, complete: str, **fields: Any) -> list[dict[str, str]]:
        assert name == "CoreShowChannels"
        return [{"Event": "CoreShowChannel", "Channel": c, "Uniqueid": f"u{i}", "Linkedid": CALL, "BridgeId": b,
                 "ChannelStateDesc": "Up"} for i, (c, b) in enumerate(self.chans)]

    def setvars(self) -> list[tuple[str, str]]:
        return [(f["Variable"], f["Value"]) for n, f in self.sent if n == "Setvar"]


@pytest.fixture
def s(tmp_path: Path, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)


@pytest.fixture
def db(s: Settings) -> Iterator[Session]:
    engine, sessions = open_db(s)
    with sessions() as session:
        yield session
    engine.dispose()


def test_a_consultation_the_pbx_did_not_start_is_refused_not_reported_done(
        s: Settings, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consult, "START_WAIT_S", 0.3)  # the PBX here never starts it: no need to wait long
    ami = PbxAmi(consults=False)
    r = consult.start(s, db, "8002", CALL, "8003", ami=ami)
    assert (r.ok, r.reason) == (False, Refusal.CONSULT_NOT_STARTED), r.message
    assert "8003" in r.message and LEG_8002 in r.message
    consult_mark = f"__{ChanVar.CONSULT.value}"
    # the desk's marks, set before the Atxfer, are taken back: no consultation of the desk's holds the caller
    assert ami.setvars() == [(consult.CALLER_VAR, CALLER), (consult_mark, "8003"),
                             (consult.CALLER_VAR, ""), (consult_mark, "")]
    assert [(u.actor, u.control, u.outcome) for u in audit.of_call(db, s, CALL)] == [("8002", "consult", "refused")]


def test_a_consultation_the_pbx_started_is_done(s: Settings, db: Session) -> None:
    """The counterpart (the check does not refuse a consultation that began): the leg is bridged
    with the consultation's channel."""
    ami = PbxAmi(consults=True)
    r = consult.start(s, db, "8002", CALL, "8003", ami=ami)
    assert r.ok, r.message
    assert r.message == f"consulting 8003; the caller of {CALL} is on hold"
    assert ("Setvar", "") not in [(n, f.get("Value")) for n, f in ami.sent]
