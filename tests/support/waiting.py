"""Waiting in a live test for what the PBX, the listener or the IVR does in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 15.0, what: str = "condition") -> T:
    """``probe``'s first true answer, asked every 0.1 s; TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout} s")
        time.sleep(0.1)
