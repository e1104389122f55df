"""reader → tracker → builder → store: the one path live listening, replay and rebuild share.

The pipeline is the runner: it takes frames from the reader, hands each to the tracker, builds
the calls the tracker says are over, and writes batches to the store (through the journal while
the database is down). Data flows one way; no stage calls back into the one before it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy.exc import DBAPIError

from ami_listener.builder import build_call
from ami_listener.journal import Journal
from ami_listener.live import LiveView
from ami_listener.reader import Message, parse, thin_fields
from ami_listener.record import CallRecord
from ami_listener.store import POOL_EVENTS, POOL_NAMING, RawBatch, Store
from ami_listener.tracker import CallTracker
from hotline.chanvars import ChanVar
from hotline.live_snapshot import LiveSnapshot
from hotline.pbx_presence import pool_agent_id, pool_member_name
from hotline.rules import RingRule, internal_numbers, ring_rule
from hotline.service_settings import effective
from hotline.settings import Settings

log = logging.getLogger(__name__)

IGNORED_EVENTS = {"TestEvent"}  # the Debian build emits them; they mean nothing
PRESENCE_EVENTS = {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", *POOL_EVENTS}


class Deferred:
    """What a repair stage returns when it took the record over: the record comes back later,
    completed or not, through :meth:`Pipeline.add_records` (the live listener reads Asterisk's
    logs off its worker thread)."""


DEFERRED = Deferred()
# completes a call seen only in part (repair.CelRepair), given the members known and the events
# seen; None: as it is
Repair = Callable[[CallRecord, Mapping[str, str], list[Message]], CallRecord | Deferred | None]


# vars[HOTLINE_SOURCE] of a record built from events that carried no Timestamp (manager.conf
# timestampevents = no): its times are when the events reached the listener
ARRIVAL_TIMES = "arrival_times"


class BatchRefused(RuntimeError):
    """The database refused rows of a batch for their content and there is no journal to keep them."""


def default_members(s: Settings) -> dict[str, str]:
    members: dict[str, str] = {}
    for ext in s.agents:
        members[f"Local/{ext}@agents"] = ext
        members[f"PJSIP/{ext}"] = ext
    members.update(s.agent_endpoints)  # agents' phones a dialplan rings with plain Dial()
    return members


class Pipeline:
    """``on_call`` receives every record built (replay prints them); ``live`` is kept current
    from the stream; ``repair`` completes a call seen only in part (live listening: Asterisk's
    own logs); ``journal`` keeps batches while the database is unavailable."""

    def __init__(self, settings: Settings, store: Store | None,
                 on_call: Callable[[CallRecord], None] | None = None, batch: int = 5000,
                 live: LiveView | None = None, repair: Repair | None = None, journal: Journal | None = None):
        self.settings = settings
        self.store = store
        self.on_call = on_call
        self.batch = batch  # events per write under load; otherwise the listener flushes every 0.2 s
        self.live = live
        self.repair = repair
        self.journal = journal
        self._rules = ring_rule(settings)
        self.internal = internal_numbers(settings)  # a bad pattern stops the start, with the setting named
        self.tracker = CallTracker()
        self._default_members = default_members(settings)
        self._raw = RawBatch()
        self._calls: list[CallRecord] = []
        self._presence: list[Message] = []
        self._pool_names: dict[str, str] = {}  # pool agent id → the name its open session was given
        self.counts = {"events": 0, "calls": 0, "errors": 0, "desk_channels": 0}
        # the events' times are their arrival times (Asterisk sends no Timestamp): records say so
        self.arrival_times = False

    @property
    def rules(self) -> RingRule:
        """The ring rule in force: the panel's (service settings, re-read within seconds) when the
        pipeline stores into a database, else the settings' (replay, tests)."""
        if self.store is None:
            return self._rules
        return ring_rule(effective(self.settings, self.store.sessions))

    @property
    def members(self) -> dict[str, str]:
        """Queue member interfaces → member names: the configured agents, then what the stream said."""
        return {**self._default_members, **self.tracker.members}

    def feed_frames(self, frames: Iterable[bytes]) -> None:
        """Frames as read (reader.FrameReader): the way in for a stream. Events of the thin kinds
        (most of it) never become Messages; the rest go through :meth:`feed`."""
        # most of the stream passes here: what it touches is bound to locals once
        store, counts, finished = self.store, self.counts, self.tracker.finished
        feed_thin = self.tracker.feed_thin_fields
        for frame in frames:
            fields = thin_fields(frame)
            if fields is None:
                self.feed(parse(frame, thin=False))
                continue
            counts["events"] += 1
            lid = feed_thin(fields, frame)
            if finished:
                self._build_finished()
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
            except Exception:
                self.counts["errors"] += 1
                log.exception("tracker failed on %s", msg.name)
                lid = None
            if self.live is not None:
                try:
                    self.live.feed(msg)
                except Exception:
                    self.counts["errors"] += 1
                    log.exception("live view failed on %s", msg.name)
            if self.store is not None and (self._names_pool_agent(msg) or msg.name in PRESENCE_EVENTS):
                self._presence.append(msg)
        if self.tracker.finished:
            self._build_finished()
        if self.store is not None:
            self._keep(msg.raw, lid)

    def _names_pool_agent(self, msg: Message) -> bool:
        """A member's status that names a pool agent's session (Store._pool_named): stored once
        per log-in and name, not with each of the member's state changes."""
        if msg.name == "AgentLogin":
            self._pool_names.pop(msg.get("Agent") or "", None)  # a new session: named anew
        if msg.name != POOL_NAMING:
            return False
        h = msg.headers
        agent_id = pool_agent_id(h.get("StateInterface"))
        name = pool_member_name(agent_id, h.get("MemberName"), h.get("Interface")) if agent_id else None
        if agent_id is None or name is None or self._pool_names.get(agent_id) == name:
            return False
        self._pool_names[agent_id] = name
        return True

    def _keep(self, frame: bytes, lid: str | None) -> None:
        raw = self._raw
        if not raw.frames:
            raw.first_at = time.time()  # and last_at when flushed: the clock is read per batch
        raw.frames.append(frame)
        raw.linkedids.append(lid)
        if len(raw.frames) >= self.batch:
            self.flush()

    def _build_finished(self) -> None:
        for call_id, events, gap in self.tracker.take():
            self._build(call_id, events, gap)

    def _build(self, call_id: str, events: list[Message], gap: bool) -> None:
        try:
            rec = build_call(call_id, events, server=self.settings.server_id, rules=self.rules,
                             members=self.members, gap=gap, internal=self.internal)
        except Exception:
            self.counts["errors"] += 1
            log.exception("building call %s failed; stored as incomplete", call_id)
            rec = CallRecord(call_id=call_id, server=self.settings.server_id, incomplete=True)
        if rec.serves is not None:
            # the desk's own channels (a phrase player, a supervisor's spy; audited in
            # desk_controls) and any dialplan's ChanSpy are part of the call they serve: never a
            # call of their own. Joining that call's bridge gives the desk's its Linkedid, and the
            # tracker then files them (their variables too) under it: the served call itself is
            # kept, without the mark.
            if rec.serves != call_id:
                self.counts["desk_channels"] += 1
                return
            rec.vars.pop(ChanVar.DESK.value, None)
        if self.arrival_times and rec.vars.get(ChanVar.SOURCE.value) is None:
            rec.vars[ChanVar.SOURCE.value] = ARRIVAL_TIMES
        self.counts["calls"] += 1
        if rec.incomplete and self.repair is not None:
            repaired = self.repair(rec, self.members, events)
            if isinstance(repaired, Deferred):
                return
            rec = repaired or rec
        if self.store is not None:
            self._calls.append(rec)
        if self.on_call is not None:
            self.on_call(rec)

    # -- what the live listener tells the path -------------------------------------------------
    def add_records(self, records: list[CallRecord], *, counted: bool = False) -> None:
        """Records built elsewhere (the gap backfill; ``counted``: a deferred repair's, counted
        when built): written with the next flush, like the rest."""
        if not counted:
            self.counts["calls"] += len(records)
        if self.store is not None:
            self._calls.extend(records)
        if self.on_call is not None:
            for rec in records:
                self.on_call(rec)

    def tick(self, now: float | None = None) -> None:
        """Live mode: time passes even when no event arrives."""
        self.tracker.tick(time.time() if now is None else now)
        self._build_finished()

    def mark_gap(self) -> None:
        """AMI is down: events of every open call may be missing."""
        self.tracker.mark_gap()

    def close_gone(self, live_uniqueids: set[str]) -> None:
        """After a re-sync: calls none of whose channels still exist are over."""
        self.tracker.close_gone(live_uniqueids)
        self._build_finished()

    def open_calls(self) -> set[str]:
        return set(self.tracker.open)

    def flush(self) -> None:
        """Writes what is pending in one transaction; while the database is down, into the journal."""
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
            self._write(raw, calls, live, presence)
        except BatchRefused:
            raise  # the rest was written; with no journal to keep the refused rows, the caller decides
        except BaseException:
            # nothing detached is dropped: the batch goes back, ahead of what arrives next
            self._put_back(raw, calls, presence)
            if self.live is not None and live is not None:
                self.live.changed = True
            raise

    def _write(self, raw: RawBatch, calls: list[CallRecord], live: LiveSnapshot | None,
               presence: list[Message]) -> None:
        assert self.store is not None
        try:
            if self.journal is not None and self.journal.pending():
                self.journal.drain(self.store)  # older batches first
            bad = self.store.write_salvaging(raw, calls, live, presence)
        except DBAPIError as exc:
            if self.journal is None:
                raise
            log.warning("database unavailable (%s): %d events, %d calls kept in %s",
                        exc.__class__.__name__, len(raw), len(calls), self.journal.path)
            self.journal.append(raw, calls, presence)  # JournalFull propagates to the listener
            if self.live is not None and live is not None:
                self.live.changed = True  # the wallboard row is rewritten next time
            return
        if bad is not None:
            # refused for its content, not because the database is down: retrying cannot help
            self.counts["errors"] += 1
            if self.journal is None:
                raise BatchRefused(f"database refused part of a batch: {bad.why}")
            self.journal.reject(bad.raw, bad.calls, bad.presence, bad.why)

    def _put_back(self, raw: RawBatch, calls: list[CallRecord], presence: list[Message]) -> None:
        if raw:
            pending = self._raw
            raw.frames += pending.frames
            raw.linkedids += pending.linkedids
            self._raw = raw
        self._calls = calls + self._calls
        self._presence = presence + self._presence

    def close(self) -> None:
        """End of input: every call still open is built (incomplete) and everything written."""
        self.tracker.flush()
        self._build_finished()
        self.flush()
