"""强拆 during a consultation on the real private Asterisk (issue 13 §4): the supervisor's forced
hang-up ends the customer's call — the caller's channel, named forced there, and every leg of the
consultation — whichever of the call's agents it is aimed at: the consulting one or the consulted
one (after a completion, and with a prompt playing: test_force_hangup.py). Until 7 December it
hung up that agent's bridge peer — the consultation, or the consulting agent's leg — leaving the
caller on the line and the 强拆 unrecorded on the caller's channel, whose hang-up handler keeps it
for the backfill (CEL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hotline.chanvars import ChanVar
from hotline.desk import calls, consult
from hotline.desk.monitor import MonitorMode, monitor
from hotline.pbx.ami import Ami
from hotline.pbx.process import Asterisk
from tests.ami_listener.replay import replay_messages
from tests.hotline.desk.conftest import answered_by, eventually, quiet
from tests.hotline.desk.test_controls import SUPERVISOR_PHONE, audits, greeted, only
from tests.ivr.conftest import PlacedCall, finish, place_call
from tests.support.pbx import EventTap

pytestmark = pytest.mark.asterisk


def _consultation_up(s: consult.Settings, db: Session, ami: Ami, tap: EventTap, number: str) -> PlacedCall:
    """A caller answered by 8001, who consults 8002; 8002 answered. Everyone would talk for 90 s."""
    only(s, db, ami, "8001")
    call = place_call(s, number, stay=90, __SIM_RING="1", __SIM_TALK="90")
    answered_by(ami, "8001", call.call_id)
    greeted(tap, call)
    assert consult.start(s, db, "8001", call.call_id, "8002", ami=ami).ok
    eventually(lambda: any(calls.consulted(c.name) == "8002" and c.state == "Up" for c in calls.channels(ami)),
               30, "8002 answering the consultation")
    return call


def _ended_by_the_supervisor(s: consult.Settings, db: Session, ami: Ami, tap: EventTap, call: PlacedCall,
                             agent: str) -> None:
    """强拆 aimed at ``agent``: every channel of the call goes, the caller's channel was named forced
    (its hang-up handler leaves that in CEL), and the record says so."""
    r = monitor(s, db, "supervisor", agent, call.call_id, MonitorMode.FORCE_HANGUP, SUPERVISOR_PHONE, ami=ami)
    assert r.ok and r.message == f"supervisor ended call {call.call_id}", r.message
    finish(tap, call, 30)  # no leg left: not the caller on hold, not the two agents bridged
    forced = [m for m in tap.events("VarSet", Linkedid=call.call_id) if m.get("Variable") == ChanVar.FORCED_HANGUP]
    assert [(m.get("Uniqueid"), m.get("Value")) for m in forced] == [(call.ivr_channel_id, "supervisor")], \
        [(m.get("Channel"), m.get("Value")) for m in forced]
    rec = replay_messages(list(tap.messages), s)[call.call_id]
    assert rec.vars[ChanVar.FORCED_HANGUP] == "supervisor"
    assert audits(db, call.call_id)[-1] == ("supervisor", "force_hangup", "done")


def test_force_hangup_of_the_consulting_agent_ends_the_callers_call(desk_pbx: Asterisk, db: Session,
                                                                    ami: Ami) -> None:
    s = desk_pbx.settings
    quiet(desk_pbx)
    with EventTap(s) as tap:
        call = _consultation_up(s, db, ami, tap, "13800000431")
        _ended_by_the_supervisor(s, db, ami, tap, call, "8001")


def test_force_hangup_of_the_consulted_agent_ends_the_callers_call(desk_pbx: Asterisk, db: Session,
                                                                   ami: Ami) -> None:
    """The consulted agent's row on the wallboard is on the same customer's call: the same 强拆,
    not the consultation alone (which would hand the caller back to 8001 as if nothing was done)."""
    s = desk_pbx.settings
    quiet(desk_pbx)
    with EventTap(s) as tap:
        call = _consultation_up(s, db, ami, tap, "13800000432")
        _ended_by_the_supervisor(s, db, ami, tap, call, "8002")

