"""A tiny run of bench/scheduler_pass.py: a new process's first pass feeds every call of the
overlap, the passes after it none (#17, scheduler.callbacks.FedCalls)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import scheduler_pass


def test_the_passes_after_the_first_feed_no_call_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scheduler_pass.main(["--calls", "40", "--passes", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "40 calls fed; the next 2:" in out and ", 0 calls fed; ratio" in out, out
