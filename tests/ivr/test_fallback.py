"""With the IVR (FastAGI server) down, Asterisk queues callers at once and the dialplan still
greets with the work number and runs the survey (issue 5: AGI-down fallback)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from tests.ivr.conftest import finish, place_call
from tests.support.pbx import EventTap, rate_survey

# `db`: run again on PostgreSQL by `make test-postgres`
pytestmark = [pytest.mark.asterisk, pytest.mark.db]


def agi_is_down(pbx: Asterisk) -> bool:
    try:
        socket.create_connection((pbx.settings.agi_host, pbx.settings.agi_port), timeout=1).close()
    except OSError:
        return True
    return False


def test_agi_down_caller_goes_straight_to_queue(pbx: Asterisk, built_prompts: Any) -> None:
    s = pbx.settings
    assert agi_is_down(pbx)
    with EventTap(s) as tap:
        call = place_call(s, "13700000001", "", stay=8, __SIM_RING="1", __SIM_TALK="3")
        finish(tap, call)
    v = call.vars()
    assert v["HOTLINE_IVR"] == "skipped"
    first = call.events[0].timestamp
    join = call.named("QueueCallerJoin")
    assert join, "the caller must reach the queue"
    # no waiting for a dead IVR: refused at once (a generous bound, not a benchmark)
    assert join[0].timestamp - first < 2.0
    assert call.named("AgentConnect")
    assert v.get("HOTLINE_WORKNUM_PLAYED") == "1"  # dialplan-only: works without the IVR


def test_agi_down_survey_runs_in_dialplan(pbx: Asterisk, built_prompts: Any) -> None:
    s = pbx.settings
    assert agi_is_down(pbx)
    with EventTap(s) as tap:
        call = place_call(s, "13700000002", "", stay=30, __SIM_RING="1", __SIM_TALK="30")
        tap.wait_for(lambda m: m.name == "AgentConnect" and m.get("Linkedid") == call.call_id, 20)
        ivr_side = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.ivr_channel_id, 5)
        caller_side = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.call_id, 5)
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("Redirect", Channel=ivr_side.get("Channel"), Context="hotline-survey", Exten="s", Priority=1)
            rate_survey(tap, ami, caller_side.get("Channel"), call.call_id, "3")
        finish(tap, call)
    assert ("survey", "3", "ok") in call.path()
    assert call.vars()["HOTLINE_SURVEY"] == "3"
