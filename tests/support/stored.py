"""Waiting for what the listener stores: a test checks the records once they are there, never after
a sleep that hopes they are."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from hotline.models import Call


def calls_stored(sessions: Any, n: int, timeout: float = 15.0, poll: float = 0.1) -> list[Call]:
    """The stored call records once there are ``n`` or more (or whatever is there at ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            rows = list(db.scalars(select(Call)))
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        time.sleep(poll)
