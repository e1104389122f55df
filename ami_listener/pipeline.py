"""reader → tracker → builder → store: the one path live listening, replay and rebuild share."""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from ami_listener.builder import CallRecord, Rules, build_call
from ami_listener.journal import Journal
from ami_listener.live import LiveView
from ami_listener.reader import Message, parse, thin_fields
from ami_listener.store import RawBatch, Store
from ami_listener.tracker import CallTracker
from hotline.settings import Settings

log = logging.getLogger(__name__)

IGNORED_EVENTS = {"TestEvent"}  # the Debian build emits them; they mean nothing
PRESENCE_EVENTS = {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause"}


def default_members(s: Settings) -> dict[str, str]:
    members: dict[str, str] = {}
    for ext in s.agents:
        members[f"Local/{ext}@agents"] = ext
        members[f"PJSIP/{ext}"] = ext
    return members


class Pipeline:
    def __init__(self, settings: Settings, store: Store | None,
                 on_call: Callable[[CallRecord], None] | None = None, batch: int = 5000,
                 live: LiveView | None = None):
        self.settings = settings
        self.store = store
        self.on_call = on_call
        self.batch = batch  # events per write under load; otherwise the listener flushes every 0.2 s
        self.live = live
        self.rules = Rules(settings.ring_cycle_s, settings.max_rings)
        self.members = default_members(settings)
        self.tracker = CallTracker(self._finished)
        self._raw = RawBatch()
        self._calls: list[CallRecord] = []
        self._presence: list[Message] = []
        self.counts = {"events": 0, "calls": 0, "errors": 0}
        # live listening: a call seen only in part may be completed from Asterisk's own logs
        self.repair: Callable[[CallRecord], CallRecord | None] | None = None
        # live listening: where batches wait while the database is unavailable
        self.journal: Journal | None = None

    def feed_frames(self, frames: Iterable[bytes]) -> None:
        """Frames as read (reader.FrameReader): the way in for a stream. Events of the thin kinds
        (most of it) never become Messages; the rest go through :meth:`feed`."""
        tracker, store = self.tracker, self.store
        for frame in frames:
            fields = thin_fields(frame)
            if fields is None:
                self.feed(parse(frame, thin=False))
                continue
            self.counts["events"] += 1
            lid = tracker.feed_thin_fields(fields, frame)
            if store is not None:
                self._keep(frame, lid)

    def feed(self, msg: Message) -> None:
        if msg.kind != "event":
            if msg.kind == "banner" and self.counts["events"]:
                # a new AMI session inside the stream: events of calls then open may be lost
                self.tracker.mark_gap()
            return
        if not msg.thin and msg.name in IGNORED_EVENTS:
            return
        self.counts["events"] += 1
        if msg.thin:  # nothing to learn but its call and its time
            lid = self.tracker.feed_thin(msg)
        else:
            try:
                lid = self.tracker.feed(msg)
            except Exception:  # noqa: BLE001 - one bad event must not stop the listener
                self.counts["errors"] += 1
                log.exception("tracker failed on %s", msg.name)
                lid = None
            if self.live is not None:
                self.live.feed(msg)
            if msg.name in PRESENCE_EVENTS and self.store is not None:
                self._presence.append(msg)
        if self.store is not None:
            self._keep(msg.raw, lid)

    def _keep(self, frame: bytes, lid: str | None) -> None:
        raw = self._raw
        if not raw.frames:
            raw.first_at = time.time()  # and last_at when flushed: the clock is read per batch
        raw.frames.append(frame)
        raw.linkedids.append(lid)
        if len(raw.frames) >= self.batch:
            self.flush()

    def _finished(self, call_id: str, events: list[Message], gap: bool) -> None:
        try:
            rec = build_call(call_id, events, server=self.settings.server_id, rules=self.rules,
                             members={**self.members, **self.tracker.members}, gap=gap)
        except Exception:  # noqa: BLE001 - keep a record that says what we know: nothing certain
            self.counts["errors"] += 1
            log.exception("building call %s failed; stored as incomplete", call_id)
            rec = CallRecord(call_id=call_id, server=self.settings.server_id, incomplete=True)
        if rec.incomplete and self.repair is not None:
            rec = self.repair(rec) or rec
        self.counts["calls"] += 1
        if self.store is not None:
            self._calls.append(rec)
        if self.on_call is not None:
            self.on_call(rec)

    def tick(self, now: float | None = None) -> None:
        self.tracker.tick(time.time() if now is None else now)

    def flush(self) -> None:
        live = None
        if self.live is not None and self.live.changed:
            live = self.live.snapshot(time.time())
        if self.store is None:
            return
        if not (self._raw or self._calls or self._presence or live):
            return
        raw, calls, presence = self._raw, self._calls, self._presence
        self._raw, self._calls, self._presence = RawBatch(), [], []
        if raw:
            raw.last_at = time.time()
        try:
            if self.journal is not None and self.journal.pending():
                self.journal.drain(self.store)  # older batches first
            self.store.write(raw, calls, live, presence)
        except (DataError, IntegrityError) as exc:
            # refused for its content, not because the database is down: retrying cannot help
            self.counts["errors"] += 1
            if self.journal is None:
                raise
            self.journal.reject(raw, calls, presence, exc)
        except DBAPIError as exc:
            if self.journal is None:
                self._raw, self._calls, self._presence = raw, calls, presence
                raise
            log.warning("database unavailable (%s): %d events, %d calls kept in %s",
                        exc.__class__.__name__, len(raw), len(calls), self.journal.path)
            self.journal.append(raw, calls, presence)  # JournalFull propagates to the listener
            if self.live is not None and live is not None:
                self.live.changed = True  # the wallboard row is rewritten next time

    def close(self) -> None:
        """End of input: every call still open is built (incomplete) and everything written."""
        self.tracker.flush()
        self.flush()
