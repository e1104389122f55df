"""A frame's Timestamp is a time or nothing: values no clock gives ("inf", "nan", "1e308", a
negative) read as no time, on the full path and the thin one alike — found by the fuzz test
(tests/reliability/test_fuzz.py): an "inf" on a DialBegin reached an attempt's ring time and
crashed the record's JSON."""

from __future__ import annotations

import pytest

from ami_listener.reader import parse


def _frame(event: str, ts: str) -> bytes:
    return f"Event: {event}\r\nChannel: PJSIP/8001-00000001\r\nLinkedid: 1700000000.1\r\nTimestamp: {ts}".encode()


@pytest.mark.parametrize("event", ["DialBegin", "Newexten"])  # a full frame, a thin one
@pytest.mark.parametrize("ts", ["inf", "-inf", "nan", "1e308", "-1", "0x10", "", "😀"])
def test_a_timestamp_no_clock_gives_reads_as_none(event: str, ts: str) -> None:
    assert parse(_frame(event, ts)).timestamp is None


@pytest.mark.parametrize("event", ["DialBegin", "Newexten"])
def test_a_real_timestamp_is_kept(event: str) -> None:
    msg = parse(_frame(event, "1765094400.123456"))
    assert msg.timestamp == pytest.approx(1765094400.123456)
    assert msg.thin is (event == "Newexten")
