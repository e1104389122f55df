"""bench/keying_caller.py: which AGI commands listen for keys, and which replies took them."""

from __future__ import annotations

from bench.keying_caller import listens, taken
from ivr.agi import parse_reply


def test_listening_commands() -> None:
    assert listens("GET DATA", ("hotline/menu", 2000, 1))
    assert listens("RECORD FILE", ("/tmp/x", "wav", "#", 6000))
    assert listens("STREAM FILE", ("hotline/welcome", "0123456789*#"))
    assert not listens("STREAM FILE", ("hotline/goodbye", ""))
    # the apology and the question asked again (ivr/flow.py Call.reask)
    assert listens("EXEC", ("Read", "IVR_READ_KEYS,hotline/invalid_key&hotline/menu,1,,1,2.0"))
    assert not listens("EXEC", ("UserEvent", "HotlineIvr"))
    assert not listens("SET VARIABLE", ("HOTLINE_MENU", "fault"))


def test_taken_keys() -> None:
    assert taken("GET DATA", parse_reply("200 result=12345678"))
    assert not taken("GET DATA", parse_reply("200 result= (timeout)"))
    assert taken("STREAM FILE", parse_reply("200 result=49 endpos=800"))
    assert not taken("STREAM FILE", parse_reply("200 result=0 endpos=8000"))
    assert taken("RECORD FILE", parse_reply("200 result=0 (timeout) endpos=48000"))
    # a Read's keys, fetched after it: "<keys>|<READSTATUS>"
    assert taken("GET FULL VARIABLE", parse_reply("200 result=1 (12345678|OK)"))
    assert not taken("GET FULL VARIABLE", parse_reply("200 result=1 (|TIMEOUT)"))
