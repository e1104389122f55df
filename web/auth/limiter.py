"""The login rate limit."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    """Failed logins per (IP, user name) within a sliding window; in memory, per process (the
    panel is one process). Past the limit the password is not even checked."""

    def __init__(self) -> None:
        self._fails: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], window: float) -> deque[float]:
        q = self._fails[key]
        cutoff = time.monotonic() - window
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def blocked(self, key: tuple[str, str], limit: int, window: float) -> bool:
        with self._lock:
            return len(self._recent(key, window)) >= limit

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.pop(key, None)
