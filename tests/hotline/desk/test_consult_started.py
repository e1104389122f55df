"""咨询 in the core (no PBX): AMI Atxfer only queues the attended-transfer digits on the agent's leg
and Asterisk answers success whether or not a transfer feature takes them — a leg without one
(until 7 December, an agent's leg reached by a transfer) started nothing. The desk says done only
once the consultation's channel is bridged with the agent's leg; otherwise the control is a stored
refusal and the desk's marks for its consultation are taken back. The live counterpart is
test_transfer_received_live.py."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import audit, consult
from hotline.desk.refusals import Refusal
from hotline.settings import Settings
from tests.hotline.desk.fakes import ChannelsAmi as CallChannels

CALL = "c-consult"
CALLER = "PJSIP/trunk-00000001"
LEG_8002 = "Local/8002@agents-00000005;1"  # the leg [agents-transfer] dialled: a received call
CONSULTATION = "Local/8003@agents-transfer-00000007;1"


class PbxAmi(CallChannels):
    """The call's channels (name, bridge), all Up; ``consults``: whether an Atxfer moves the leg
    into a consultation bridge with ``Local/8003@agents-transfer…`` (the leg has the feature)."""

    def __init__(self, consults: bool) -> None:
        super().__init__(CALL, [(CALLER, "b-call"), (LEG_8002, "b-call")])
        self.consults = consults

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        super().action(name, variables, **fields)
        if name == "Atxfer" and self.consults:
            self.chans = [(CALLER, "b-call"), (LEG_8002, "b-consult"), (CONSULTATION, "b-consult")]
        return {"Response": "Success", "Message": "Atxfer successfully queued"}

    def setvars(self) -> list[tuple[str, str]]:
        return [(f["Variable"], f["Value"]) for n, f in self.sent if n == "Setvar"]



def test_a_consultation_the_pbx_did_not_start_is_refused_not_reported_done(
        core: tuple[Settings, Session], monkeypatch: pytest.MonkeyPatch) -> None:
    s, db = core
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


def test_a_consultation_the_pbx_started_is_done(core: tuple[Settings, Session]) -> None:
    """The counterpart (the check does not refuse a consultation that began): the leg is bridged
    with the consultation's channel."""
    s, db = core
    ami = PbxAmi(consults=True)
    r = consult.start(s, db, "8002", CALL, "8003", ami=ami)
    assert r.ok, r.message
    assert r.message == f"consulting 8003; the caller of {CALL} is on hold"
    assert ("Setvar", "") not in [(n, f.get("Value")) for n, f in ami.sent]
