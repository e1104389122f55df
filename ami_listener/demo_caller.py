"""The demo's callers who report a fault by keypad: they key when the IVR asks, not on a clock.

A key that reaches Asterisk while no AGI command listens is dropped (``bench/keying_caller.py``
says why a timed script of keys fails), and this process is not the IVR's, so it follows the IVR's
own trace: the ``UserEvent: HotlineIvr`` sent after each step (``ivr/flow.py``), read with the
listener's AMI login. The IVR asks its next question within milliseconds of that trace, so the
caller presses the next answer (``hotline.fault_keys``) shortly after it — AMI ``PlayDTMF`` with
``Receive`` on the IVR's channel, as if the caller had sent it, with the desk's login (``call``).
A step traced as a timeout or a wrong key is answered again, over the IVR's "please key again",
which takes a key as the next try. Nothing here is needed for the keys to be right: a lost key
only makes the IVR ask again.

The demo's 转满意度 (R-SURVEY, ``ami_listener.simulate.SENDS_TO_SURVEY``): a simulated agent whose
caller is to rate it asks for the survey at the end of its talk (``UserEvent: HotlineSim``, from the
dialplan's ``[agents]``); it is sent there as the desk's button sends it
(``hotline.desk.controls.send_to_survey``), and the caller keys its rating once the survey asks —
no trace comes before that question, so the key is pressed until the IVR traces the survey.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass

from ami_listener.connection import AmiConnection
from ami_listener.reader import Message
from hotline.db import open_db
from hotline.desk import calls, controls
from hotline.fault_keys import FAULT_ANSWERS, Answer
from hotline.pbx.ami import Ami, AmiError, AmiRole, ami_login
from hotline.settings import Settings

log = logging.getLogger(__name__)

PRESS_AFTER_S = 0.6  # after the trace: the IVR's next command has started (keys before it are dropped)
AGAIN_S = 2.5  # between the presses of a question asked twice (a recording's beep drops a key over it)
MAX_AGAIN = 30  # a recording pressed for this long without its trace: the caller gives up
# what the IVR traces before it asks the menu: the key pressed after it goes to the menu (after a
# repeat caller's repair status, R-ONE-CALL, its key prompt timed out: a press over the status is lost)
_BEFORE_MENU = ("greeting", "out_of_hours", "outage", "repair_status.key")
SIM_EVENT = "HotlineSim"  # the simulated agent's own UserEvent (asterisk/extensions.conf [agents])
SURVEY_STEP = "survey"  # the IVR's trace of the survey (ivr/flow.py ``survey``), and the agent's ask


@dataclass
class _Caller:
    answers: tuple[Answer, ...]
    at: int = 0  # the answer the IVR is asking for
    channel: str = ""  # the IVR's channel (the keys go there)
    turn: int = 0  # a press scheduled for an older turn is stale: the IVR has moved on


class KeyingCallers:
    """Use as ``with KeyingCallers(s) as callers:``, then ``callers.expect(call_id)`` before the
    call is originated (its Linkedid is the call id)."""

    def __init__(self, s: Settings) -> None:
        self.s = s
        self.pressed: Counter[str] = Counter()  # step → presses sent
        self._callers: dict[str, _Caller] = {}
        self._raters: dict[str, str] = {}  # call id → the rating its caller keys when sent to the survey
        self._lock = threading.Lock()
        user, secret = ami_login(s, AmiRole.LISTENER)
        self._events = AmiConnection(s.ami_host, s.ami_port, user, secret, on_message=self._on_message, events="user")

    def __enter__(self) -> KeyingCallers:
        self._events.start()
        if not self._events.connected.wait(10):
            log.warning("the keying callers cannot read AMI events yet: their calls go on, unkeyed, until they can")
        return self

    def __exit__(self, *exc: object) -> None:
        self._events.stop()

    def expect(self, call_id: str, answers: tuple[Answer, ...] = FAULT_ANSWERS) -> None:
        with self._lock:
            self._callers[call_id] = _Caller(answers)

    def rate(self, call_id: str, key: str) -> None:
        """The caller of ``call_id`` keys ``key`` (1 satisfied, 2 fair, 3 dissatisfied) if its
        agent sends it to the survey."""
        with self._lock:
            self._raters[call_id] = key

    def keyed_everything(self, call_id: str) -> bool:
        with self._lock:
            caller = self._callers.get(call_id)
            return caller is not None and caller.at >= len(caller.answers)

    def _on_message(self, msg: Message) -> None:
        if msg.name != "UserEvent":
            return
        if msg.get("UserEvent") == SIM_EVENT and msg.get("Step") == SURVEY_STEP:
            call_id = msg.get("Linkedid") or ""
            with self._lock:
                key = self._raters.pop(call_id, None)
            if key is not None:  # AMI and the database: not on the event reader's thread
                threading.Thread(target=self._send_to_survey, args=(call_id, msg.get("Agent") or "", key),
                                 daemon=True).start()
            return
        if msg.get("UserEvent") != "HotlineIvr":
            return
        step, digits, result = msg.get("Step", ""), msg.get("Digits", ""), msg.get("Result", "")
        with self._lock:
            caller = self._callers.get(msg.get("Linkedid") or "")
            if caller is None or caller.at >= len(caller.answers):
                return
            caller.channel = msg.get("Channel") or caller.channel
            asked = caller.answers[caller.at]
            if step == asked.step and (result == "ok" or asked.until_traced):
                caller.at += 1  # taken: on to the next question
            elif step == asked.step:
                pass  # a timeout or a wrong key: asked again
            elif not (caller.at == 0 and step in _BEFORE_MENU and (step == "outage" or not digits)):
                return  # a key over the greeting went to the menu; other steps ask nothing of us
            if caller.at >= len(caller.answers):
                return
            caller.turn += 1
            turn, answer = caller.turn, caller.answers[caller.at]
        self._later(PRESS_AFTER_S, msg.get("Linkedid") or "", turn, answer, 0)

    def _later(self, after_s: float, call_id: str, turn: int, answer: Answer, n: int) -> None:
        timer = threading.Timer(after_s, self._press, (call_id, turn, answer, n))
        timer.daemon = True
        timer.start()

    def _send_to_survey(self, call_id: str, agent: str, key: str) -> None:
        """The agent's 转满意度, as the desk does it; then the caller presses ``key``."""
        engine, sessions = open_db(self.s)
        try:
            with Ami.from_settings(self.s, role=AmiRole.DESK) as ami, sessions() as db:
                found = calls.find(ami, agent, call_id)
                if not isinstance(found, calls.AgentCall):
                    log.info("call %s not sent to the survey: %s", call_id, found[1])
                    return
                result = controls.send_to_survey(self.s, db, agent, call_id, ami=ami)
        except AmiError as exc:
            log.info("call %s not sent to the survey: %s", call_id, exc)
            return
        finally:
            engine.dispose()
        if result.outcome != calls.ControlOutcome.DONE:
            log.info("call %s not sent to the survey: %s", call_id, result.message)
            return
        answer = Answer(SURVEY_STEP, (key,), until_traced=True)
        with self._lock:
            self._callers[call_id] = caller = _Caller((answer,), channel=found.caller_channel)
            caller.turn += 1
            turn = caller.turn
        self._later(PRESS_AFTER_S, call_id, turn, answer, 0)

    def _press(self, call_id: str, turn: int, answer: Answer, n: int) -> None:
        with self._lock:
            caller = self._callers.get(call_id)
            # a question answered (traced) is not pressed again
            if caller is None or caller.turn != turn or caller.at >= len(caller.answers):
                return
            channel = caller.channel
        keys = answer.groups[min(n, len(answer.groups) - 1)]
        self._send(channel, keys)
        with self._lock:
            self.pressed[answer.step] += 1
        if n + 1 < len(answer.groups) or (answer.until_traced and n < MAX_AGAIN):
            self._later(AGAIN_S, call_id, turn, answer, n + 1)

    def _send(self, channel: str, keys: str) -> None:
        # a session per press: asterisk-ami's reader thread dies after `timeout` s without traffic
        # (hotline.pbx.ami), so a session kept from one caller to the next answered nothing ("no
        # response within 10 s") and the IVR had to ask again
        try:
            with Ami.from_settings(self.s, role=AmiRole.DESK) as ami:
                for key in keys:
                    ami.action("PlayDTMF", Channel=channel, Digit=key, Duration=120, Receive="true")
        except AmiError as exc:  # the caller hung up meanwhile, or AMI is away: the IVR asks again
            log.info("keys %r not pressed on %s: %s", keys, channel, exc)
