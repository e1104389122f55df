"""``hotline listen``: the live listener. The socket thread only reads; one worker thread runs the
pipeline, so the tracker, the builder and the store never need locks."""

from __future__ import annotations

import logging
import queue
import threading
import time

from ami_listener.connection import AmiConnection
from ami_listener.live import LiveView
from ami_listener.pipeline import Pipeline
from ami_listener.reader import Message
from ami_listener.store import Store
from hotline.db import open_db
from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings

log = logging.getLogger(__name__)


class Listener:
    def __init__(self, settings: Settings, flush_interval: float = 0.2):
        self.settings = settings
        _, sessions = open_db(settings)
        self.live = LiveView()
        self.pipeline = Pipeline(settings, Store(sessions, settings.server_id), live=self.live)
        self.inbox: queue.Queue[Message | tuple[str, str]] = queue.Queue()
        self.flush_interval = flush_interval
        self.conn = AmiConnection(settings.ami_host, settings.ami_port, settings.ami_user,
                                  settings.secret("ami_secret"), on_message=self.inbox.put,
                                  on_state=lambda st: self.inbox.put(("state", st)))
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._was_down = False

    def start(self) -> "Listener":
        self._worker = threading.Thread(target=self._run, name="listener", daemon=True)
        self._worker.start()
        self.conn.start()
        return self

    def stop(self) -> None:
        self.conn.stop()
        self._stop.set()
        if self._worker is not None:
            self._worker.join(10)

    def _run(self) -> None:
        last_flush = time.monotonic()
        while True:
            try:
                item = self.inbox.get(timeout=self.flush_interval)
            except queue.Empty:
                item = None
            if isinstance(item, tuple):
                self._state(item[1])
            elif item is not None:
                self.pipeline.feed(item)
            now = time.monotonic()
            if now - last_flush >= self.flush_interval or item is None:
                self._flush()
                last_flush = now
            if self._stop.is_set() and self.inbox.empty():
                self._flush()
                return

    def _flush(self) -> None:
        try:
            self.pipeline.tick()
            self.pipeline.flush()
        except Exception:  # noqa: BLE001 - the store may be briefly unavailable; keep what we have
            log.exception("writing to the store failed; will retry")

    def _state(self, state: str) -> None:
        if state == "down":
            log.warning("AMI connection lost: calls in progress are marked as having a gap")
            self._was_down = True
            self.pipeline.tracker.mark_gap()
            self.live.gap = True
            self.live.changed = True
        elif state == "up":
            log.info("AMI connected")
            if self._was_down:
                self._resync()
            self.live.gap = False
            self.live.changed = True

    def _resync(self) -> None:
        """After a reconnect: calls whose channels are all gone ended during the gap."""
        try:
            with Ami.from_settings(self.settings, timeout=5) as ami:
                chans = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
                status = ami.list_action("QueueStatus", "QueueStatusComplete")
        except AmiError as exc:
            log.warning("re-sync after reconnect failed: %s", exc)
            return
        self.pipeline.tracker.close_gone({c.get("Uniqueid", "") for c in chans})
        self.live.reset()
        from ami_listener.reader import Message as M
        for ev in status:
            self.live.feed(M({k: v for k, v in ev.items()}, ""))
