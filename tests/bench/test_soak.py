"""A short run of bench/soak.py under `hotline run`: every service's memory is sampled and every
call Asterisk completed has exactly one record."""

from __future__ import annotations

import pytest

from bench import soak


@pytest.mark.asterisk
def test_a_short_soak_loses_no_call_and_samples_every_service(capsys: pytest.CaptureFixture[str]) -> None:
    code = soak.main(["--minutes", "0.15", "--in-flight", "3", "--agents", "6", "--scale", "0.1",
                      "--sample-s", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "missing 0, duplicated 0" in out
    assert "placed but never completed by Asterisk: 0" in out
    table = out.split("RSS of every service", 1)[1].splitlines()
    for service in ("listener", "ivr", "panel", "scheduler", "asterisk"):
        assert any(line.split()[:1] == [service] for line in table), out
