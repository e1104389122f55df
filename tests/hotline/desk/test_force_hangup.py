"""强拆 in the core (no PBX; the channels as CoreShowChannels lists them, in an order chosen to
catch a wrong pick): whichever of the call's agents the supervisor aims it at, the caller's own
channel is named forced (HOTLINE_FORCED_HANGUP, which its hang-up handler leaves in CEL for the
backfill) and hung up first, then every leg the consultation would leave behind; a caller that
cannot be told is a stored refusal, and nothing is hung up. The live counterpart is
test_force_hangup_live.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import audit, consult
from hotline.desk.monitor import MonitorMode, monitor
from hotline.desk.refusals import Refusal
from hotline.settings import Settings
from tests.hotline.desk.fakes import ChannelsAmi as CallChannels

CALL = "c-forced"
CALLER = "PJSIP/trunk-00000001"
LEG_8001, LEG_8002 = "Local/8001@agents-00000002;1", "Local/8002@agents-00000005;1"
CONSULTATION = "Local/8002@agents-transfer-00000004;1"
PLAYER = "Local/s@desk-worknum-00000006;1"


class ChannelsAmi(CallChannels):
    """The PBX's channels (name, bridge) of call CALL, all Up, and the variables Getvar reads."""

    def __init__(self, chans: list[tuple[str, str]], variables: dict[tuple[str, str], str] | None = None) -> None:
        super().__init__(CALL, chans)
        self.variables = variables or {}

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        super().action(name, variables, **fields)
        if name == "Getvar":
            return {"Value": self.variables.get((fields["Channel"], fields["Variable"]), "")}
        return {"Response": "Success"}

    def changes(self) -> list[tuple[str, str]]:
        """(action, channel) of what was set or hung up; what was read is left out."""
        return [(n, f["Channel"]) for n, f in self.sent if n in ("Setvar", "Hangup")]



def _forced(s: Settings, db: Session, ami: ChannelsAmi, agent: str) -> str:
    r = monitor(s, db, "boss", agent, CALL, MonitorMode.FORCE_HANGUP, "", ami=ami)
    assert r.ok, r.message
    setvar = [f for n, f in ami.sent if n == "Setvar"]
    assert setvar == [{"Channel": CALLER, "Variable": ChanVar.FORCED_HANGUP.value, "Value": "boss"}], setvar
    return r.message


def test_force_hangup_of_the_consulting_agent_ends_the_held_caller_and_the_consultation(
        core: tuple[Settings, Session]) -> None:
    s, db = core
    ami = ChannelsAmi([(CONSULTATION, "b-consult"), (LEG_8001, "b-consult"), (CALLER, "b-call"),
                       ("Local/8002@agents-transfer-00000004;2", "b-8002"), (LEG_8002, "b-8002")],
                      {(LEG_8001, consult.CALLER_VAR): CALLER})
    assert _forced(s, db, ami, "8001") == f"boss ended call {CALL}"
    assert ami.changes() == [("Setvar", CALLER), ("Hangup", CALLER), ("Hangup", CONSULTATION), ("Hangup", LEG_8001)]


def test_force_hangup_of_the_consulted_agent_ends_the_whole_call(core: tuple[Settings, Session]) -> None:
    """8002's own leg listed first: calls.find names it, bridged with the consultation's ;2 side."""
    s, db = core
    ami = ChannelsAmi([(LEG_8002, "b-8002"), ("Local/8002@agents-transfer-00000004;2", "b-8002"),
                       (CONSULTATION, "b-consult"), (LEG_8001, "b-consult"), (CALLER, "b-call")])
    _forced(s, db, ami, "8002")  # the desk did not start it (the phone's *2): the caller alone in its bridge
    assert ami.changes() == [("Setvar", CALLER), ("Hangup", CALLER), ("Hangup", CONSULTATION), ("Hangup", LEG_8001),
                             ("Hangup", LEG_8002)]


def test_force_hangup_after_a_completion_goes_past_the_work_number_player(core: tuple[Settings, Session]) -> None:
    s, db = core
    ami = ChannelsAmi([(LEG_8002, "b-8002"), ("Local/8002@agents-transfer-00000004;2", "b-8002"),
                       (CONSULTATION, "b-call"), (PLAYER, "b-call"), (CALLER, "b-call")])
    _forced(s, db, ami, "8002")
    assert ami.changes() == [("Setvar", CALLER), ("Hangup", CALLER), ("Hangup", CONSULTATION), ("Hangup", LEG_8002)]


def test_force_hangup_while_a_prompt_plays_ends_the_caller_not_the_player(core: tuple[Settings, Session]) -> None:
    s, db = core
    ami = ChannelsAmi([(LEG_8001, "b-call"), ("Local/s@desk-phrase-00000007;1", "b-call"), (CALLER, "b-call")])
    _forced(s, db, ami, "8001")
    assert ami.changes() == [("Setvar", CALLER), ("Hangup", CALLER)]


def test_a_caller_that_cannot_be_told_is_refused_and_nothing_ends(core: tuple[Settings, Session]) -> None:
    """A consultation whose held caller is neither named by the desk nor alone in a bridge."""
    s, db = core
    ami = ChannelsAmi([(CONSULTATION, "b-consult"), (LEG_8001, "b-consult"), (CALLER, "b-call"),
                       ("PJSIP/trunk-00000009", "b-call")])
    r = monitor(s, db, "boss", "8001", CALL, MonitorMode.FORCE_HANGUP, "", ami=ami)
    assert (r.ok, r.reason) == (False, Refusal.CALLER_UNKNOWN), r.message
    assert ami.changes() == []
    assert [(x.actor, x.control, x.outcome) for x in audit.of_call(db, s, CALL)] == [
        ("boss", "force_hangup", "refused")]
