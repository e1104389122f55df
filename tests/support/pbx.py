"""Test helpers around the real private Asterisk: settings for a test instance, an event tap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ami_listener.connection import AmiConnection
from ami_listener.reader import Message
from hotline.pbx.ami import Ami, AmiError, AmiRole, ami_login
from hotline.pbx.config import TEMPLATES
from hotline.pbx.process import Asterisk
from hotline.settings import Settings, load
from tests.support.ports import free_port, rtp_range


def pbx_test_settings(runtime_dir: Path, **overrides: Any) -> Settings:
    """A private instance on free ports with a 1 s ring cycle (R-ANS-4RINGS: 4 rings = 4 s)."""
    rtp_start, rtp_end = rtp_range()
    values: dict[str, Any] = dict(
        runtime_dir=runtime_dir, server_id="test", ami_port=free_port(), sip_port=free_port(udp_too=True),
        agi_port=free_port(), web_port=free_port(), rtp_start=rtp_start, rtp_end=rtp_end,
        ring_cycle_s=1.0, queue_member_timeout_s=6, queue_strategy="linear", queue_timeout_s=30,
        agents=["8001", "8002", "8003"], asterisk_start_timeout_s=15,
        espeak_speed_wpm=260,  # the same prompts, said faster: IVR calls in tests take less time
    )
    values.update(overrides)
    return load(config_file=None, env={}, **values)


@contextmanager
def phones_asterisk(runtime_dir: Path, server_id: str, templates: Path = TEMPLATES) -> Iterator[Asterisk]:
    """A private Asterisk whose agents 8001–8003 are real SIP phones (agent_technology = pjsip,
    static queue members): a test module's own, for its phones (SipPhone) and their dialling
    (phone_dials); ``templates``: a test's own copy of asterisk/*.conf."""
    s = pbx_test_settings(runtime_dir, agent_technology="pjsip", agents=["8001", "8002", "8003"],
                          server_id=server_id)
    ast = Asterisk(s, templates).start()
    try:
        yield ast
    finally:
        ast.stop()


class EventTap:
    """Collects every AMI message of a private Asterisk, for tests to wait on."""

    def __init__(self, s: Settings):
        self.messages: list[Message] = []
        self.raw = bytearray()
        self._cond = threading.Condition()
        self.conn = AmiConnection(s.ami_host, s.ami_port, *ami_login(s, AmiRole.LISTENER),
                                  on_message=self._on_message, on_bytes=self.raw.extend)

    def __enter__(self) -> EventTap:
        self.conn.start()
        if not self.conn.connected.wait(10):
            raise TimeoutError("event tap could not log in")
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.stop()

    def _on_message(self, msg: Message) -> None:
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()

    def wait_for(self, pred: Callable[[Message], bool], timeout: float = 20.0) -> Message:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for msg in self.messages[seen:]:
                    if pred(msg):
                        return msg
                seen = len(self.messages)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching AMI event within {timeout:.0f} s")
                self._cond.wait(left)

    def events(self, name: str | None = None, **match: str) -> list[Message]:
        with self._cond:
            return [m for m in self.messages if m.kind == "event" and (name is None or m.name == name)
                    and all(m.get(k) == v for k, v in match.items())]

    def wait_call_gone(self, linkedid: str, timeout: float = 30.0) -> list[Message]:
        """Waits until every channel of the call has hung up; returns the call's events."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            evs = [m for m in self.events() if m.get("Linkedid") == linkedid]
            up = {m.get("Uniqueid") for m in evs if m.name == "Newchannel"}
            # a channel may hang up under another call's Linkedid: an agent pool's AgentRequest
            # half joins the logged-in agent's bridge and takes that call's linked id
            down = {m.get("Uniqueid") for m in self.events("Hangup")}
            if up and up <= down:
                return evs
            time.sleep(0.1)
        raise TimeoutError(f"call {linkedid} still up after {timeout} s")


def rate_survey(tap: EventTap, ami: Ami, channel: str, linkedid: str, digit: str, timeout: float = 40) -> None:
    """R-SURVEY: the caller on ``channel`` keys ``digit`` once the survey question plays. A key sent
    before the question starts is lost (under load it starts late), so the key goes again until the
    IVR or the dialplan reports the rating; a channel gone meanwhile means the rating ended the call."""
    def rated(m: Message) -> bool:
        return (m.name == "UserEvent" and m.get("Step") == "survey" and m.get("Result") == "ok"
                and m.get("Linkedid") == linkedid)

    deadline = time.monotonic() + timeout
    while True:
        try:
            ami.action("PlayDTMF", Channel=channel, Digit=digit, Duration=250)
        except AmiError:
            return
        try:
            tap.wait_for(rated, 2.5)
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
