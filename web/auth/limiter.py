"""The login rate limit."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

Key = tuple[str, str]  # (client IP, user name); (IP, "") counts every name tried from that IP


class LoginLimiter:
    """Failed logins per key within a sliding window of ``window_s``; in memory, per process (the
    panel is one process). Past a limit the password is not even checked.

    Keys whose failures are all older than the window are forgotten, and past ``max_keys`` the
    ones with the oldest last failure go first: a stream of made-up names or addresses cannot grow
    the table without end."""

    def __init__(self, window_s: float, max_keys: int = 10000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = float(window_s)
        self.max_keys = max(1, max_keys)
        self._clock = clock
        self._fails: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._fails)

    def _recent(self, key: Hashable, now: float) -> int:
        q = self._fails.get(key)
        if q is None:
            return 0
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if not q:
            del self._fails[key]
        return len(q)

    def blocked(self, key: Key, limit: int) -> bool:
        with self._lock:
            return self._recent(key, self._clock()) >= limit

    def failed(self, *keys: Key) -> None:
        with self._lock:
            now = self._clock()
            for key in keys:
                self._fails.setdefault(key, deque()).append(now)
            if len(self._fails) > self.max_keys:
                self._evict(now)

    def succeeded(self, key: Key) -> None:
        with self._lock:
            self._fails.pop(key, None)

    def _evict(self, now: float) -> None:
        for key in list(self._fails):
            self._recent(key, now)
        if len(self._fails) > self.max_keys:
            by_last = sorted(self._fails, key=lambda k: self._fails[k][-1])
            for key in by_last[: len(self._fails) - self.max_keys]:
                del self._fails[key]
