"""The demo's keying callers (ami_listener/demo_caller.py) against the session's real Asterisk."""

from __future__ import annotations

import logging
import time

import pytest

from ami_listener import demo_caller
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.settings import Settings

QUIET_S = 1.0


class _QuickAmi(Ami):
    """asterisk-ami's reader thread dies after ``timeout`` s without traffic: a short one makes the
    quiet spell between two callers' presses short enough for a test."""

    @classmethod
    def from_settings(cls, s: Settings, timeout: float = 10.0, role: AmiRole = AmiRole.ORIGINATE) -> Ami:
        return super().from_settings(s, timeout=QUIET_S, role=role)


@pytest.mark.asterisk
def test_a_press_after_a_quiet_spell_still_reaches_asterisk(pbx: Asterisk, pbx_settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A session kept from one caller's press to the next one's answered nothing after a quiet
    spell ("no response within 10 s" in demo.log; the IVR had to ask again): both presses on a
    live channel are taken."""
    uid = f"demo-keys-{time.time_ns()}"
    with Ami.from_settings(pbx_settings, role=AmiRole.DESK) as ami:
        ami.originate("Local/s@desk-sim-supervisor", application="Wait", data="20", channel_id=uid,
                      variables={"SIM_STAY": 20})
        deadline, channel = time.monotonic() + 10, ""
        while not channel and time.monotonic() < deadline:
            rows = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
            channel = next((r["Channel"] for r in rows if r.get("Uniqueid") == uid), "")
            time.sleep(0.1)
    assert channel, "the test's channel did not come up"
    monkeypatch.setattr(demo_caller, "Ami", _QuickAmi)
    callers = demo_caller.KeyingCallers(pbx_settings)
    caplog.set_level(logging.INFO, logger=demo_caller.__name__)
    try:
        callers._send(channel, "1")  # the press itself: the IVR's trace is not needed to send it
        time.sleep(QUIET_S * 2.5)
        callers._send(channel, "2")
    finally:
        with Ami.from_settings(pbx_settings, role=AmiRole.DESK) as ami:
            ami.action("Hangup", Channel=channel)
    assert not [r.getMessage() for r in caplog.records if "not pressed" in r.getMessage()]


def test_a_repeat_callers_menu_key_follows_the_repair_status(pbx_settings: Settings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo reporter calling again hears its open report's status first (R-ONE-CALL, ivr/flow.py
    ``repair_status``): the menu key it pressed after the greeting was lost over the status, and
    it pressed again only once the menu timed out. It presses once the status's own key prompt
    timed out (the IVR's trace ``repair_status.key``), as after the greeting. The IVR's traces are
    fed in as the listener's AMI reader gives them (no Asterisk needed)."""
    from ami_listener.reader import Message

    callers = demo_caller.KeyingCallers(pbx_settings)
    pressed: list[tuple[str, int]] = []
    monkeypatch.setattr(callers, "_later",
                        lambda after_s, call_id, turn, answer, n: pressed.append((answer.step, turn)))
    callers.expect("c1")

    def trace(step: str, digits: str = "", result: str = "ok") -> None:
        callers._on_message(Message({"Event": "UserEvent", "UserEvent": "HotlineIvr", "Linkedid": "c1",
                                     "Channel": "Local/10000@from-pstn-1;2", "Step": step, "Digits": digits,
                                     "Result": result}, b""))

    trace("greeting")
    assert pressed == [("menu", 1)]  # pressed after the greeting: lands over the status, lost
    trace("repair_status", "000123", "dispatched")
    trace("repair_status.key", "", "timeout")
    assert pressed == [("menu", 1), ("menu", 2)]  # pressed again, before the menu is asked
    trace("menu", "1")
    assert pressed[-1][0] != "menu"  # the menu took it: on to the report's next question


def test_an_agent_asking_for_the_survey_sends_its_rating_caller_there(pbx_settings: Settings,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """R-SURVEY on the demo: the simulated agent's ``HotlineSim`` survey event (asterisk/extensions.conf
    [agents]) sends its caller to the survey with the rating planned for that call — once, and only
    for a call planned to rate; the caller's IVR traces before it press nothing."""
    from ami_listener.reader import Message

    callers = demo_caller.KeyingCallers(pbx_settings)
    sent: list[tuple[str, str, str]] = []
    monkeypatch.setattr(callers, "_send_to_survey", lambda call_id, agent, key: sent.append((call_id, agent, key)))
    monkeypatch.setattr(demo_caller.threading, "Thread",
                        lambda target, args, daemon: type("T", (), {"start": lambda _self: target(*args)})())
    pressed: list[str] = []
    monkeypatch.setattr(callers, "_later", lambda after_s, call_id, turn, answer, n: pressed.append(answer.step))
    callers.rate("c1", "2")

    def event(name: str, linkedid: str, **headers: str) -> None:
        callers._on_message(Message({"Event": "UserEvent", "UserEvent": name, "Linkedid": linkedid,
                                     "Channel": "Local/8001@agents-1;2", **headers}, b""))

    event("HotlineIvr", "c1", Step="greeting", Digits="", Result="ok")
    assert pressed == []  # an ordinary caller keys no fault report
    event("HotlineSim", "c2", Step="survey", Agent="8002")
    event("HotlineSim", "c1", Step="survey", Agent="8001")
    event("HotlineSim", "c1", Step="survey", Agent="8001")
    assert sent == [("c1", "8001", "2")]


def test_a_rating_taken_is_not_pressed_again(pbx_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The survey's key is pressed until the IVR traces it (no trace comes before its question);
    once traced, the presses scheduled meanwhile send nothing more into the call."""
    from ami_listener.reader import Message
    from hotline.fault_keys import Answer

    callers = demo_caller.KeyingCallers(pbx_settings)
    sent: list[str] = []
    monkeypatch.setattr(callers, "_send", lambda channel, keys: sent.append(keys))
    monkeypatch.setattr(callers, "_later", lambda *a: None)
    answer = Answer(demo_caller.SURVEY_STEP, ("1",), until_traced=True)
    callers._callers["c1"] = demo_caller._Caller((answer,), channel="Local/10000@from-pstn-1;2", turn=1)
    callers._press("c1", 1, answer, 0)
    assert sent == ["1"]
    callers._on_message(Message({"Event": "UserEvent", "UserEvent": "HotlineIvr", "Linkedid": "c1",
                                 "Channel": "Local/10000@from-pstn-1;2", "Step": "survey", "Digits": "1",
                                 "Result": "ok"}, b""))
    callers._press("c1", 1, answer, 1)
    assert sent == ["1"]
