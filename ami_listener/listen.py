"""``hotline listen``: the live listener. The socket thread only reads; one worker thread runs the
pipeline, so the tracker, the builder and the store never need locks. Reads wait for the worker in
a bounded inbox (ami_listener/inbox.py): when it is full the socket thread stops reading AMI until
the worker has drained it, and the gap is backfilled like any other. The listener sits above the
pipeline: it tells it about the connection (gaps, re-syncs) and backfills gaps; nothing below
calls it."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ami_listener import resync_facts
from ami_listener.backfill import backfill_calls
from ami_listener.connection import AmiConnection
from ami_listener.inbox import inbox_of
from ami_listener.journal import Journal, JournalFull
from ami_listener.live import LiveView
from ami_listener.pipeline import DEFERRED, Deferred, Pipeline
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from ami_listener.repair import CelRepair
from ami_listener.store import Store
from hotline.asterisk_logs import log_paths, log_problem
from hotline.db import open_db
from hotline.pbx.ami import Ami, AmiError, AmiRole, ami_login
from hotline.rules import internal_numbers
from hotline.settings import Settings

log = logging.getLogger(__name__)

# a gap is backfilled from a little before the last stored event: a call that ended just before
# the listener died may have had no record written yet (existing records are skipped)
BACKFILL_MARGIN_S = 60.0
# an agent's state change is written at once (the desk's screen-pop), but under a burst of events
# not more often than this: the events already read go into the same write
URGENT_COALESCE_S = 0.03


def journal_of(s: Settings) -> Journal:
    """This server's listener journal (its ``.rejected`` is what `hotline listener reimport` reads)."""
    return Journal(s.runtime_dir / "spool" / f"listener-{s.server_id}.journal",
                   int(s.listener_journal_max_mb * 1024 * 1024))


class Listener:
    def __init__(self, settings: Settings, flush_interval: float = 0.2):
        self.settings = settings
        self.inbox = inbox_of(settings)  # first: a bad bound is said before anything is opened
        _, sessions = open_db(settings)
        self.live = LiveView(internal_numbers(settings))
        journal = journal_of(settings)
        self.store = Store(sessions, settings.server_id)
        self.cel_repair = CelRepair(settings, lambda: self.pipeline.rules)  # the rule in force at each repair
        self.pipeline = Pipeline(settings, self.store, live=self.live, repair=self._repair_later, journal=journal)
        # calls seen only in part are completed from CEL here, off the worker thread
        self._repairs = ThreadPoolExecutor(1, thread_name_prefix="listener-repair")
        self._repairs_closed = False
        self.flush_interval = flush_interval
        # a state is stamped when the reader sees it: the worker may be far behind (a full inbox)
        self.conn = AmiConnection(settings.ami_host, settings.ami_port, *ami_login(settings, AmiRole.LISTENER),
                                  on_frames=self._read,
                                  on_state=lambda st: self.inbox.put(("state", st, time.time())),
                                  stamp_arrival=True)
        self._held_since: float | None = None  # the inbox full: when the reader stopped (set before pausing)
        self.inbox_holds = 0  # times a full inbox stopped the reading
        self._stop = threading.Event()
        self._stopping = False
        self._worker: threading.Thread | None = None
        self.down_since: float | None = None  # start of the AMI gap not yet backfilled
        self.backfilled = 0
        self._backfills: list[threading.Thread] = []
        self.worker_errors = 0  # exceptions the worker loop caught and went on after

    def start(self) -> Listener:
        last = self.store.last_received()
        if last is not None:
            # a listener that was stopped or killed: calls made meanwhile are in Asterisk's logs
            self.down_since = last.timestamp()
        self._worker = threading.Thread(target=self._run, name="listener", daemon=True)
        self._worker.start()
        self.conn.start()
        return self

    def stop(self) -> None:
        self._stopping = True  # the connection closing now is not an AMI gap
        self.conn.stop()  # the reader ends first, so the worker drains everything it read
        for thread in self._backfills:
            thread.join(30)  # its records reach the inbox before the worker drains it
        self._repairs_closed = True  # from now on the worker repairs in place
        self._repairs.shutdown(wait=True)
        self._stop.set()
        if self._worker is not None:
            self._worker.join(10)

    def _run(self) -> None:
        """The worker loop. Guarded: an exception in one step (the live-state feed, a builder
        bug) is logged and the loop goes on — a dead worker would leave the reader filling the
        inbox with events nobody writes."""
        last_flush = time.monotonic()
        while True:
            try:
                item = self.inbox.get(timeout=self.flush_interval)
            except queue.Empty:
                item = None
            try:
                self._handle(item)
            except Exception:
                self.worker_errors += 1
                log.exception("listener worker: handling %s failed; going on",
                              "a state change" if isinstance(item, tuple) else "a read")
            # also when idle: the last read may have been taken before the reader marked the hold
            self._resume_if_drained()
            now = time.monotonic()
            if now - last_flush >= self.flush_interval or item is None or self._urgent(now - last_flush):
                self._flush()
                last_flush = now
            if self._stop.is_set() and self.inbox.empty():
                self._flush()
                return

    def _urgent(self, since_flush: float) -> bool:
        """An agent's state changed and the inbox holds nothing more to add to the write (or
        :data:`URGENT_COALESCE_S` passed): write now (with ``live_push``; else at the interval)."""
        return (self.settings.live_push and self.live.urgent
                and (self.inbox.empty() or since_flush >= URGENT_COALESCE_S))

    @property
    def holding(self) -> bool:
        """AMI is not read: the inbox is full and the worker has not drained it yet."""
        return self._held_since is not None

    def _read(self, frames: list[bytes]) -> None:
        """The AMI reader's read, on the reader thread: into the inbox, and past its bound the
        reading stops until the worker has drained it (:meth:`_resume_if_drained`)."""
        if self.inbox.put_read(frames) and self._held_since is None:
            self.conn.pause()  # before the mark: the worker resumes only a paused reader
            self._held_since = time.monotonic()
            self.inbox_holds += 1
            log.warning("listener inbox full: %.2f MB of AMI reads wait for the worker (listener_inbox_max_mb = %g); "
                        "not reading AMI until it is down to %.2f MB — calls meanwhile are backfilled from "
                        "Asterisk's logs", self.inbox.waiting / 1e6, self.settings.listener_inbox_max_mb,
                        self.inbox.low_bytes / 1e6)

    def _resume_if_drained(self) -> None:
        held = self._held_since
        if held is not None and self.inbox.drained():
            self._held_since = None  # before resuming: the reader may fill it again at once
            self.conn.resume()
            log.info("listener inbox down to %.2f MB after %.1f s: reading AMI again (the gap is backfilled)",
                     self.inbox.waiting / 1e6, time.monotonic() - held)

    def _handle(self, item: list[bytes] | tuple[Any, ...] | None) -> None:
        if isinstance(item, tuple) and item[0] == "repaired":
            self.pipeline.add_records(item[1], counted=True)
        elif isinstance(item, tuple) and item[0] == "backfilled":
            self.pipeline.add_records(item[1])  # written (or journalled) with the next flush
            self.backfilled += len(item[1])
        elif isinstance(item, tuple):
            self._state(str(item[1]), float(item[2]) if len(item) > 2 else time.time())
        elif item is not None:
            self.pipeline.feed_frames(item)

    def _flush(self) -> None:
        try:
            self.pipeline.tick()
            self.pipeline.flush()
        except (JournalFull, OSError) as exc:
            # nowhere left to keep events (journal full, its disk failing): the batch stays in
            # memory and AMI is not read meanwhile; what happens then is backfilled from
            # Asterisk's logs once the database is back
            log.error("%s: not reading AMI for %.0f s", exc, self.settings.listener_db_retry_s)
            self.conn.hold_off(self.settings.listener_db_retry_s)
        except Exception:
            log.exception("writing to the store failed; the batch is kept and written at the next flush")

    def _state(self, state: str, at: float) -> None:
        """A connection state the reader saw at ``at`` (epoch seconds)."""
        if state in ("timed", "untimed"):
            # no Timestamp headers (timestampevents = no): arrival times, records marked (connection.py)
            self.pipeline.arrival_times = state == "untimed"
            return
        if state in ("down", "paused") and self._stopping:
            return
        if state in ("down", "paused"):
            if state == "down":  # a pause (the inbox full) was said when it began
                log.warning("AMI connection lost: calls in progress are marked as having a gap")
            if self.down_since is None:
                self.down_since = at
            self.pipeline.mark_gap()
            self.live.gap = True
            self.live.changed = True
        elif state == "up":
            log.info("AMI connected")
            self._resync()  # also fills the wallboard with every member, idle ones included
            if self.down_since is not None:
                # up to the reconnection: what came after is in the inbox, read live
                self._backfill(self.down_since, at)
                self.down_since = None
            self.live.gap = False
            self.live.changed = True

    def _repair_later(self, rec: CallRecord, members: Mapping[str, str],
                      seen: list[Message]) -> CallRecord | Deferred | None:
        """The pipeline's repair stage: CEL is read on the repair thread; the record (completed
        or as it was) comes back through the inbox."""
        if not self._repairs_closed:
            try:
                self._repairs.submit(self._repair, rec, dict(members), seen)
                return DEFERRED
            except RuntimeError:  # shut down meanwhile: stopping
                pass
        return self.cel_repair(rec, members, seen)

    def _repair(self, rec: CallRecord, members: dict[str, str], seen: list[Message]) -> None:
        try:
            done = self.cel_repair(rec, members, seen) or rec
        except Exception:  # the incomplete record rather than nothing
            log.exception("completing call %s from CEL failed", rec.call_id)
            done = rec
        self.inbox.put(("repaired", [done]))

    def _backfill(self, since: float, until: float) -> None:
        """Records for the calls that ended while AMI was not read, whenever they started
        (R-ONE-CALL: a missed caller must still be seen, and called back). Asterisk's logs are
        read on a thread of their own — they can be large — and the records come back through
        the inbox, so the worker alone writes to the pipeline."""
        skip = self.pipeline.open_calls()  # the live path builds these itself
        args = (since - BACKFILL_MARGIN_S, until, skip, dict(self.pipeline.members))
        thread = threading.Thread(target=self._backfill_thread, args=args,
                                  name="listener-backfill", daemon=True)
        # a gap per full inbox under a long overload: the finished ones are not kept
        self._backfills = [t for t in self._backfills if t.is_alive()] + [thread]
        thread.start()

    def _backfill_thread(self, since: float, until: float, skip: set[str], members: dict[str, str]) -> None:
        s = self.settings
        cel, qlog = log_paths(s)
        try:
            records = backfill_calls(cel, qlog, since, until, server=s.server_id, rules=self.pipeline.rules,
                                     members=members, skip=skip, internal=self.pipeline.internal)
            have = self.store.existing_calls(r.call_id for r in records)
            records = [r for r in records if r.call_id not in have]
        except Exception:
            log.exception("backfilling the AMI gap failed")
            return
        self.inbox.put(("backfilled", records))
        problem = log_problem(s)
        if problem is not None:  # an existing Asterisk whose logs are elsewhere: say so, not "0 calls"
            log.warning("AMI gap %.0f s: calls made in it cannot be backfilled: %s: set cel_csv_path and "
                        "queue_log_path to the Asterisk's CEL Master.csv and queue_log", until - since, problem)
            return
        log.info("AMI gap %.0f s: %d calls backfilled from %s", until - since, len(records), cel)

    def _resync(self) -> None:
        """After a reconnect: calls whose channels are all gone ended during the gap."""
        try:
            with Ami.from_settings(self.settings, timeout=5, role=AmiRole.LISTENER) as ami:
                chans = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
                status = ami.list_action("QueueStatus", "QueueStatusComplete")
                try:  # the pops' IVR path: in no row (ami_listener.resync_facts)
                    facts = resync_facts.read(ami, chans)
                except OSError as exc:  # the calls are still tied again, their pops without the path
                    log.warning("re-sync: the calls' facts not read: %s", exc)
                    facts = {}
        except (AmiError, OSError) as exc:
            log.warning("re-sync after reconnect failed: %s", exc)
            return
        self.pipeline.close_gone({c.get("Uniqueid", "") for c in chans})
        self.live.rebuild(status, chans, time.time(), facts)  # QueueMember / QueueEntry rows rebuild the wallboard
