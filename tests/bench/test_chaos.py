"""A short run of bench/chaos.py: the listener is SIGKILLed under traffic and brought back by
`hotline run`; its backfill leaves no call Asterisk completed without exactly one record."""

from __future__ import annotations

import pytest

from bench import chaos


@pytest.mark.asterisk
def test_a_killed_listener_loses_no_call(capsys: pytest.CaptureFixture[str]) -> None:
    code = chaos.main(["--minutes", "0.25", "--in-flight", "3", "--agents", "6", "--every", "5",
                       "--scale", "0.1", "--targets", "listener"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "listener  killed" in out and "back after" in out and "NOT back" not in out
    assert "missing 0, duplicated 0" in out
    assert "0 otherwise" in out
