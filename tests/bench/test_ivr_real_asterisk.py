"""A small run of bench/ivr_real_asterisk.py: a real Asterisk, the IVR and the listener in-process;
every call finishes the IVR with no AGI error and has exactly one record by Asterisk's CEL."""

from __future__ import annotations

import pytest

from bench import ivr_real_asterisk


@pytest.mark.asterisk
def test_every_ivr_call_is_recorded_once(capsys: pytest.CaptureFixture[str]) -> None:
    code = ivr_real_asterisk.main(["--calls", "4", "--faults", "0", "--timeout", "120"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "HOTLINE_IVR         done=4" in out
    assert "0 errored" in out
    assert "Asterisk completed 4 calls (CEL LINKEDID_END); records stored 4: missing 0, duplicated 0" in out


@pytest.mark.asterisk
def test_keying_callers_complete_their_fault_reports(capsys: pytest.CaptureFixture[str]) -> None:
    """The keying caller presses each key when the IVR listens: every fault report completes."""
    code = ivr_real_asterisk.main(["--calls", "2", "--faults", "1", "--timeout", "120"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ticket read back    2 of 2 fault callers" in out
    assert "fault reports rows  2 (open 2)" in out
    assert "2 of 2 callers keyed everything" in out
