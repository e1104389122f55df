"""A call the listener missed keeps its product facts (issue #19): the IVR and the dialplan leave
every HOTLINE_* fact and IVR step in CEL (CELGenUserEvent) as they set it, and the backfill turns
them back into what the builder reads — so a backfilled call is as complete as a live one
(the IVR path, the work-number proof, the survey). On the real Asterisk with the real IVR."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ami_listener.backfill import backfill_calls
from ami_listener.builder import build_call
from ami_listener.pipeline import default_members
from ami_listener.record import CallRecord
from hotline.asterisk_logs import log_paths
from hotline.pbx.ami import Ami, AmiRole
from hotline.rules import ring_rule
from tests.ivr.conftest import IvrEnv, PlacedCall, finish, pause, place_call
from tests.support.pbx import EventTap, rate_survey


def _path(rec: CallRecord) -> list[tuple[Any, Any, Any]]:
    return [(p["step"], p["digits"], p["result"]) for p in (rec.ivr or {}).get("path", [])]


def test_backfilled_ivr_calls_keep_their_facts(ivr_env: IvrEnv) -> None:
    env = ivr_env
    env.clock.set_local(10, 0)  # R-ANS-HOURS: staffed
    s = env.settings

    def menu_then_agent(tap: EventTap) -> PlacedCall:
        keys = "9" + pause(1) + "*" + pause(1) + "7"
        return finish(tap, place_call(s, "13800000191", keys, stay=12, __SIM_RING="1", __SIM_TALK="2"))

    def survey(tap: EventTap) -> PlacedCall:
        call = place_call(s, "13800000192", "0", stay=40, __SIM_RING="1", __SIM_TALK="30")
        tap.wait_for(lambda m: m.name == "AgentConnect" and m.get("Linkedid") == call.call_id, 30)
        ivr_side = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.ivr_channel_id, 5)
        caller = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.call_id, 5)
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("Redirect", Channel=ivr_side.get("Channel"), Context="hotline-survey", Exten="s", Priority=1)
            rate_survey(tap, ami, caller.get("Channel"), call.call_id, "2")
        return finish(tap, call)

    t0 = time.time()
    with EventTap(s) as tap, ThreadPoolExecutor(2) as pool:
        calls = [f.result() for f in [pool.submit(menu_then_agent, tap), pool.submit(survey, tap)]]
    time.sleep(1)  # CEL's LINKEDID_END follows the last channel
    rules, members = ring_rule(s), default_members(s)
    cel, qlog = log_paths(s)
    back = {r.call_id: r for r in backfill_calls(cel, qlog, t0, time.time(), server=s.server_id, rules=rules,
                                                   members=members, skip=set())}
    for call in calls:
        live = build_call(call.call_id, call.events, server=s.server_id, rules=rules, members=members)
        rec = back[call.call_id]
        assert rec.vars.pop("HOTLINE_SOURCE") == "backfill"
        assert rec.vars == live.vars
        assert _path(rec) == _path(live) and _path(live)
        assert (rec.survey, rec.disposition, rec.agent, rec.hangup_first) == \
            (live.survey, live.disposition, live.agent, live.hangup_first)
    first, second = (back[c.call_id] for c in calls)
    assert first.vars["HOTLINE_IVR"] == "done" and first.vars.get("HOTLINE_WORKNUM_PLAYED") == "1"
    assert second.survey == 2
