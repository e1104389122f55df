"""A tiny run of bench/repeat_reading.py: the day's repeat reading walked an hour at a time holds
less at its peak than the same calls held at once (#17, hotline.metrics.repeat_inputs.Calls.rows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import repeat_reading


def test_the_walked_reading_peaks_below_the_calls_held_at_once(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert repeat_reading.main(["--calls", "3000", "--hours", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    ratios = [float(r) for r in re.findall(r"ratio ([0-9.]+)", out)]
    assert len(ratios) == 2 and all(r < 1 for r in ratios), out
