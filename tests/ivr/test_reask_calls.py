"""A key pressed as the "对不起，您的输入有误，请重新输入" apology ends is the answer to the question
asked again, on the real Asterisk (the offline cases: tests/ivr/test_reask.py, test_server.py).

Between two AGI commands res_agi reads and drops the channel's frames, a DTMF key's among them:
an apology and its question as two commands lost a key whose press ended in that instant (one
round trip). Hitting a round trip's milliseconds with a caller's key is not reproducible, so the
test's IVR holds every command after one that plays the apology GAP_S seconds before sending the
next — the instant made wide — and the caller keys a while after the apology's end, inside it.
With the apology and the question ONE command (Read), there is no such instant to key into: the
command that plays the apology is still collecting keys then (the pause falls after it returns)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from hotline.pbx.ami import Ami, AmiRole
from ivr.agi import Reply
from ivr.server import AgiChannel
from tests.ivr.conftest import IvrEnv, finish, place_call, prompt_seconds
from tests.support.pbx import EventTap

pytestmark = [pytest.mark.asterisk, pytest.mark.db]

GAP_S = 6.0  # the instant between two commands, widened
AFTER_END_S = 1.5  # the caller's key, this long after the apology's end: inside the widened instant


class Sent:
    """The IVR's commands as sent: tells the test when the menu is asked and the apology starts."""

    def __init__(self) -> None:
        self.menu, self.apology = threading.Event(), threading.Event()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    seen = Sent()
    real = AgiChannel.command

    async def command(self: AgiChannel, verb: str, *args: object) -> Reply:
        text = " ".join(str(a) for a in (verb, *args))
        apology = "hotline/invalid_key" in text
        if apology:
            seen.apology.set()
        elif verb == "GET DATA" and args and args[0] == "hotline/menu":
            seen.menu.set()
        reply = await real(self, verb, *args)
        if apology:
            await asyncio.sleep(GAP_S)
        return reply

    monkeypatch.setattr(AgiChannel, "command", command)
    yield seen


def test_a_key_pressed_after_the_apology_ended_answers_the_question(ivr_env: IvrEnv, sent: Sent) -> None:
    env = ivr_env
    env.clock.set_local(10, 0)  # R-ANS-HOURS: staffed, the menu is asked
    s = env.settings
    with EventTap(s) as tap, Ami.from_settings(s, role=AmiRole.DESK) as ami:
        call = place_call(s, "13800000141", "", stay=60, __SIM_RING="1", __SIM_TALK="1")
        caller = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.call_id, 30)
        assert sent.menu.wait(90), "the menu was never asked"
        time.sleep(1.0)  # into the menu: 9 is no choice
        ami.action("PlayDTMF", Channel=caller.get("Channel"), Digit="9", Duration=250)
        assert sent.apology.wait(60), "no apology after a wrong key"
        time.sleep(prompt_seconds(s, "invalid_key") + AFTER_END_S)
        ami.action("PlayDTMF", Channel=caller.get("Channel"), Digit="0", Duration=250)
        finish(tap, call, 150)
    path: list[tuple[str, str, str]] = call.path()
    assert path[1:4] == [("menu", "9", "invalid"), ("menu", "0", "ok"), ("queue", "", "ok")], path
    assert call.vars()["HOTLINE_MENU"] == "agent"
