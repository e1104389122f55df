"""The recorders' scenarios, run against the stand-in Asterisk (standin.py): a scenario that no
longer runs, or stops its capture before its calls ended, is found here rather than in the next
re-recording (minutes on the real Asterisk)."""

from __future__ import annotations

import re

import pytest

from tests.captures.record import HERE
from tests.captures.standin import run_all


@pytest.fixture(scope="module")
def logs() -> dict[str, list[str]]:
    return run_all()


def test_every_capture_has_a_scenario_that_runs(logs: dict[str, list[str]]) -> None:
    assert sorted(logs) == sorted(p.stem for p in HERE.glob("*.ami"))


def test_every_scenario_waits_for_the_calls_it_placed(logs: dict[str, list[str]]) -> None:
    # a capture stops half a second after its scenario returns: a call still up would be cut short
    unwaited = {}
    for name, lines in logs.items():
        placed: list[str] = []
        for line in lines:
            placed += re.findall(r"'ChannelId': '([^']+)'", line)
            if line.startswith("wait_call_gone "):
                gone = line.split()[1]
                placed = [cid for cid in placed if cid != gone]
        if placed:
            unwaited[name] = placed
    assert unwaited == {}
