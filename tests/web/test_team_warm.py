"""The panel reads the supervisor page's figures again every ``panel_warm_interval_s`` (#17): after
midnight or the scheduler's rewrite of a day, a supervisor's first view finds them read."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.web.conftest import Panel
from web.team import warm


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    calls: list[float] = []

    def warm_up(_sessions: Any, _s: Any) -> float:
        calls.append(time.monotonic())
        return 0.0

    monkeypatch.setattr(warm, "warm_up", warm_up)
    return calls


def _wait(cond: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.db
def test_the_panel_warms_the_page_again_every_interval(panel: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    stop = threading.Event()
    p = panel
    s = p.settings.replace(panel_warm_interval_s=0.05)
    thread = warm.start(p.app, s, stop)
    assert _wait(lambda: len(calls) >= 3), "warmed at start, then again every interval"
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "the warm-up thread ends when told to"


@pytest.mark.db
def test_interval_zero_warms_once_at_start(panel: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    p = panel
    thread = warm.start(p.app, p.settings.replace(panel_warm_interval_s=0))
    thread.join(10)
    assert not thread.is_alive() and len(calls) == 1


@pytest.mark.db
def test_a_failing_warm_up_is_tried_again(panel: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    tries: list[int] = []

    def broken(_sessions: Any, _s: Any) -> float:
        tries.append(1)
        raise RuntimeError("database not there yet")

    monkeypatch.setattr(warm, "warm_up", broken)
    stop = threading.Event()
    p = panel
    thread = warm.start(p.app, p.settings.replace(panel_warm_interval_s=0.05), stop)
    assert _wait(lambda: len(tries) >= 2), "a failure costs one warm-up, not the thread"
    stop.set()
    thread.join(10)
