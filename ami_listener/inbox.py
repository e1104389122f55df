"""The listener's inbox: AMI reads (and the listener's own messages) waiting for its worker,
bounded in bytes of frames.

A worker slower than Asterisk's events for long would grow an unbounded queue without end; past
``max_bytes`` the listener stops reading AMI (``Listener._read``), and once the worker has taken
the inbox down to ``low_bytes`` it reads again and backfills the gap from Asterisk's logs — the
policy of a full journal. Nothing put here is ever dropped.

Two counters, each written by one thread only (``read`` by the AMI reader, ``taken`` by the
worker), so the hot path takes no lock beyond the queue's own; their difference is what waits. A
read's size is summed once, on the way in, and travels with it.
"""

from __future__ import annotations

import queue
from typing import Any

from hotline.settings import Settings, SettingsError

Item = list[bytes] | tuple[Any, ...]

# the reader reads again once the worker has taken the inbox down to this share of its bound: not
# at once below it, or a worker still slower than the events would stop and start AMI (each
# start a backfill) for every read
LOW_WATER_SHARE = 0.25


class Inbox:
    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"the listener's inbox bound must be positive, not {max_bytes} bytes")
        self.max_bytes = max_bytes
        self.low_bytes = int(max_bytes * LOW_WATER_SHARE)
        self._queue: queue.Queue[tuple[Item, int]] = queue.Queue()  # (item, its bytes of frames)
        self._read = 0  # bytes of frames put by the reader: written by the reader thread only
        self._taken = 0  # bytes of frames the worker took: written by the worker only

    @property
    def waiting(self) -> int:
        """Bytes of frames put and not yet taken."""
        return max(self._read - self._taken, 0)

    def put_read(self, frames: list[bytes]) -> bool:
        """The AMI reader's read; True when the inbox now holds more than its bound."""
        size = sum(map(len, frames))
        self._read += size  # counted before the worker can take it: never below 0
        self._queue.put((frames, size))
        return self._read - self._taken > self.max_bytes

    def put(self, item: Item) -> None:
        """Anything else (a state change, records built off the worker): not counted."""
        self._queue.put((item, 0))

    def get(self, timeout: float) -> Item:
        """The next item (``queue.Empty`` after ``timeout``); a read is counted as taken."""
        item, size = self._queue.get(timeout=timeout)
        self._taken += size
        return item

    def drained(self) -> bool:
        """The worker has taken the inbox down to its low-water mark."""
        return self._read - self._taken <= self.low_bytes

    def empty(self) -> bool:
        return self._queue.empty()


def inbox_of(s: Settings) -> Inbox:
    """The listener's inbox, bounded by ``listener_inbox_max_mb`` (a bound of nothing or less
    stops the listener at start, the setting named)."""
    max_bytes = int(s.listener_inbox_max_mb * 1024 * 1024)
    if max_bytes <= 0:
        raise SettingsError(f"setting 'listener_inbox_max_mb': {s.listener_inbox_max_mb:g} is no bound; "
                            "give the MB of AMI reads the listener may hold for its worker (default 32)")
    return Inbox(max_bytes)
