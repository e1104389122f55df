"""Call.reask: the apology and the question asked again played by ONE AGI command (Asterisk's Read,
files joined by &), so no key falls between two commands, where res_agi drops it; what Read left
(its keys, READSTATUS) read back, a hang-up or a failed Read handled."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hotline.settings import load
from ivr.agi import AgiRequest, CallerHangup, Reply, parse_reply
from ivr.flow import Call


class ScriptedChannel:
    """An AgiChannel answering each command with the next scripted reply line."""

    def __init__(self, *replies: str):
        self.request = AgiRequest({"request": "agi://127.0.0.1/inbound", "channel": "Local/10000@from-pstn;2",
                                   "uniqueid": "1700000000.7", "arg_1": "1700000000.7"})
        self.replies = list(replies)
        self.sent: list[tuple[object, ...]] = []
        self.hung_up = False

    async def command(self, verb: str, *args: object) -> Reply:
        self.sent.append((verb, *args))
        return parse_reply(self.replies.pop(0))


def reask(tmp_path: Path, ch: ScriptedChannel, max_digits: int, times: int = 1) -> list[tuple[str, bool]]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, ivr_entry_timeout_s=7.5)
    call = Call(s, ch)  # type: ignore[arg-type]  # the channel's command() is all a Call uses

    async def main() -> list[tuple[str, bool]]:
        return [await call.reask("invalid_key", "fault_account", s.ivr_entry_timeout_s, max_digits)
                for _ in range(times)]
    return asyncio.run(main())


def test_one_read_plays_the_apology_then_the_question_and_its_keys_are_the_answer(tmp_path: Path) -> None:
    ch = ScriptedChannel("200 result=1", "200 result=0", "200 result=1 (12345678|OK)",
                         "200 result=0", "200 result=1 (|TIMEOUT)")
    assert reask(tmp_path, ch, 32, times=2) == [("12345678", False), ("", True)]
    assert ch.sent == [
        # set once: keys after one pressed over the apology wait as long as after the question
        ("SET VARIABLE", "TIMEOUT(digit)", 7.5),
        ("EXEC", "Read", "IVR_READ_KEYS,hotline/invalid_key&hotline/fault_account,32,,1,7.5"),
        ("GET FULL VARIABLE", "${IVR_READ_KEYS}|${READSTATUS}"),
        ("EXEC", "Read", "IVR_READ_KEYS,hotline/invalid_key&hotline/fault_account,32,,1,7.5"),
        ("GET FULL VARIABLE", "${IVR_READ_KEYS}|${READSTATUS}"),
    ]


def test_a_hang_up_during_the_read_ends_the_session(tmp_path: Path) -> None:
    # Read returns 0 on a hang-up; only READSTATUS tells it
    ch = ScriptedChannel("200 result=0", "200 result=1 (1|HANGUP)")
    with pytest.raises(CallerHangup):
        reask(tmp_path, ch, 1)


@pytest.mark.parametrize("replies", [
    ("200 result=0", "200 result=1 (|ERROR)"),  # a prompt file missing
    ("200 result=-2", "200 result=1 (5|OK)"),  # no Read application: READSTATUS is an earlier one's
])
def test_a_failed_read_is_taken_as_no_key(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                          replies: tuple[str, str]) -> None:
    """Nothing stale is taken as the caller's answer: the question is asked again (or an agent
    takes the call), and the failure is logged."""
    ch = ScriptedChannel(*replies)
    with caplog.at_level(logging.WARNING, logger="ivr.flow"):
        assert reask(tmp_path, ch, 1) == [("", True)]
    assert "Read hotline/invalid_key&hotline/fault_account" in caplog.text
