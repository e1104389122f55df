"""AGI replies: the key that ended a prompt or a recording."""

from __future__ import annotations

from ivr.agi import command_line, parse_reply


def test_the_key_of_a_reply_is_a_dtmf_key_or_none() -> None:
    assert parse_reply("200 result=35 (dtmf) endpos=8000").digit == "#"
    assert parse_reply("200 result=49").digit == "1"
    assert parse_reply("200 result=0 (timeout) endpos=16000").digit == ""
    assert parse_reply("200 result=-1 (hangup) endpos=0").digit == ""
    # the real Asterisk answered a RECORD FILE ended by silence with this (the newcomer's walk):
    # chr() of it is a lone surrogate, and the trace that carried it failed the caller's session
    odd = parse_reply("200 result=56801 (timeout) endpos=40000").digit
    assert odd == ""
    command_line("EXEC", "UserEvent", f"HotlineIvr,Step: fault.describe,Digits: {odd},Result: ok")
