"""R-ANS-HOURS on the real Asterisk: out of hours, 0 (人工服务) is promised a person's callback after
opening — what Asterisk's CEL says the caller heard (the offline cases: tests/ivr/test_out_of_hours.py;
the missed call's task it makes: tests/scheduler/test_callbacks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ivr.conftest import IvrEnv, finish, pause, place_call, playbacks, poll, prompt_seconds
from tests.ivr.test_ivr_calls import result, run_batch
from tests.support.pbx import EventTap

pytestmark = [pytest.mark.asterisk, pytest.mark.db]

AGENT, CONSULT = "13800000181", "13800000182"


@pytest.fixture(scope="module")
def night_calls(ivr_env: IvrEnv) -> dict[str, Any]:
    env = ivr_env
    env.clock.set_local(23, 0)  # R-ANS-HOURS: 08:00–22:00 staffed
    s = env.settings
    # the greeting and the out-of-hours notice heard to the end, then the key over the menu
    keys = pause(prompt_seconds(s, "welcome", "out_of_hours") + 1.5)

    def agent(tap: EventTap) -> Any:
        return finish(tap, place_call(s, AGENT, keys + "0", stay=40))

    def consult(tap: EventTap) -> Any:
        return finish(tap, place_call(s, CONSULT, keys + "2", stay=40))

    try:
        return run_batch(env, {"agent": agent, "consult": consult})
    finally:
        env.clock.set_local(10, 0)


def test_zero_out_of_hours_hears_a_persons_callback_promised(ivr_env: IvrEnv, night_calls: dict[str, Any]) -> None:
    call = result(night_calls, "agent")
    assert call.path() == [("greeting", "", "ok"), ("out_of_hours", "", "ok"), ("menu", "0", "ok"),
                           ("callback", "", "ok")], call.path()
    v = call.vars()
    assert (v["HOTLINE_MENU"], v["HOTLINE_CALLBACK"], v["HOTLINE_NEXT"]) == ("agent", "1", "hangup")
    assert not call.named("QueueCallerJoin"), "nothing is queued out of hours"
    heard = poll("CEL Playback of the promise", lambda: playbacks(ivr_env.pbx, call.call_id), 10)
    assert [data for data, _ in heard] == ["hotline/agent_callback"]
    # heard in full: the Playback lasted the prompt's length (not cut by a hang-up)
    assert heard[0][1] >= prompt_seconds(ivr_env.settings, "agent_callback") - 0.5


def test_a_consultation_out_of_hours_keeps_its_own_promise(ivr_env: IvrEnv, night_calls: dict[str, Any]) -> None:
    call = result(night_calls, "consult")
    heard = poll("CEL Playback of the promise", lambda: playbacks(ivr_env.pbx, call.call_id), 10)
    assert [data for data, _ in heard] == ["hotline/consult_callback"]
