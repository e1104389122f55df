"""Groups the AMI event stream into calls by Linkedid and says when each call is over.

A call is over when every channel seen for its Linkedid has hung up. It is handed on a short
grace period later (in event time), because some events about it arrive after the last Hangup
(OriginateResponse of a failed originate, QUEUESTATUS, AgentComplete). Handed on means put in
:attr:`CallTracker.finished` for whoever drives the tracker to take (:meth:`CallTracker.take`):
the tracker calls nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from ami_listener.agent_pool import AgentLogins
from ami_listener.channels import member_names, sibling
from ami_listener.reader import Message, thin_message

log = logging.getLogger(__name__)

MEMBER_EVENTS = ("QueueMemberStatus", "QueueMemberAdded", "QueueMember", "AgentCalled")
# events that name a call only by one of their parties': a transfer's; a ChanSpy's spyer, whose
# own call it is (the builder tells that call serves the spied one: never a call of its own)
PARTY_LINKEDIDS = ("TransfereeLinkedid", "TransfererLinkedid", "OrigTransfererLinkedid",
                   "SecondTransfererLinkedid", "TransferTargetLinkedid", "SpyerLinkedid")
# what may show an agent pool's login channel, or where it will be bridged (agent_pool.py)
LOGIN_NEWS = ("AgentLogin", "AgentLogoff", "BridgeEnter", "BridgeLeave")
MAX_EVENTS_PER_CALL = 20000  # a runaway call (e.g. a busy-retry loop for hours) is cut, logged


@dataclass
class OpenCall:
    call_id: str
    events: list[Message] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)
    hung: set[str] = field(default_factory=set)
    done_at: float | None = None
    gap: bool = False
    truncated: bool = False
    # Of the thin events only the earliest stamped one is kept, where it came (index in events):
    # the builder reads nothing in them but the time a call began, and they are most of a call.
    earliest_thin: tuple[int, float, Message] | None = None  # (where, its time, it)

    def all_events(self) -> list[Message]:
        if self.earliest_thin is None:
            return self.events
        at, _, msg = self.earliest_thin
        return [*self.events[:at], msg, *self.events[at:]]


class FinishedCall(NamedTuple):
    """A call that is over: its Linkedid, its events, and whether events of it may be missing."""

    call_id: str
    events: list[Message]
    gap: bool


class CallTracker:
    def __init__(self, grace_s: float = 1.0):
        self.grace_s = grace_s
        self.finished: list[FinishedCall] = []  # over, not yet taken
        self.open: dict[str, OpenCall] = {}
        self.done: dict[str, OpenCall] = {}  # open calls whose channels are all gone: in their grace time
        self.uid_call: dict[str, str] = {}
        self.merged: dict[str, str] = {}  # a call merged into another (_move_channel) → that one
        self.members: dict[str, str] = {}
        self._direct: set[str] = set()  # members' own interfaces (the others: phones behind Local members)
        self.logins = AgentLogins()
        self._moved_from: dict[str, str] = {}  # channel → the call it was moved out of (_move_channel)
        self.now = 0.0
        self._next_check = 0.0

    def linkedid_of(self, msg: Message) -> str | None:
        h = msg.headers
        lid = h.get("Linkedid") or h.get("LinkedID") or h.get("DestLinkedid")
        if lid:
            return lid
        for key in PARTY_LINKEDIDS:
            if h.get(key):
                return h[key]
        uid = h.get("Uniqueid") or h.get("DestUniqueid")
        if uid:
            return self.uid_call.get(uid)
        return None

    def feed(self, msg: Message) -> str | None:
        """Adds one message; returns the Linkedid it was filed under (None: not about a call)."""
        if msg.kind != "event":
            return None
        if msg.thin:
            return self.feed_thin(msg)
        ts = msg.timestamp
        if ts is not None and ts > self.now:
            self.now = ts
        h = msg.headers
        if msg.name in MEMBER_EVENTS:
            for key, name, direct in member_names(h):
                if not direct:  # the phone behind a Local member: unless it is a member itself
                    # (an agent pool's agent named by one queue keeps it where another leaves it unnamed)
                    if key not in self._direct and (name != h["Interface"] or key not in self.members):
                        self.members[key] = name
                # a phone that is a named member of one queue and an unnamed one (named by its
                # interface) of another keeps its name
                elif name != h["Interface"] or key not in self.members:
                    self.members[key] = name
                    self._direct.add(key)
        lid = self.linkedid_of(msg)
        if lid is not None and self.merged:
            lid = self.merged.get(lid, lid)
        if lid is not None:
            logins = self.logins
            if logins.channels:
                uid = h.get("Uniqueid")
                lid = logins.home(lid, uid, self.uid_call, self.open)
                if lid in logins.carried and uid and uid not in self.uid_call and uid not in logins.channels:
                    # first seen under a login's Linkedid (a stream that began mid-call): its Local twin's
                    twin = self._twin_call(self.open.get(lid), h.get("Channel"))
                    lid = lid if twin is None else twin.call_id
            if logins.channels or msg.name in LOGIN_NEWS:
                known = len(logins.channels)
                served = logins.seen(msg, lid)
                if served is not None and served in self.open:
                    self._copy_to_served(self.open[served], msg)
                elif len(logins.channels) > known and lid in self.open:
                    self._give_back(self.open[lid])
            call = self.open.get(lid)
            if call is None:
                call = self.open[lid] = OpenCall(lid)
            if len(call.events) < MAX_EVENTS_PER_CALL:
                call.events.append(msg)
            elif not call.truncated:
                call.truncated = True
                log.warning("call %s: more than %d events; later ones are stored but not built",
                            lid, MAX_EVENTS_PER_CALL)
            uid = h.get("Uniqueid")
            if uid and h.get("Channel") and msg.name != "OriginateResponse":
                if uid not in call.channels:
                    moved_from = self.uid_call.get(uid)
                    if moved_from is not None and moved_from != lid:
                        self._move_channel(uid, moved_from, call, msg)
                    elif uid != lid and uid in self.open and not self.open[uid].channels:
                        # the channel's own call, of which only CEL was seen: its events follow it
                        self._merge(self.open[uid], call)
                    call.channels.add(uid)
                    self.uid_call[uid] = lid
                if msg.name == "Hangup":
                    call.hung.add(uid)
            if call.channels and call.channels <= call.hung:
                if call.done_at is None:
                    call.done_at = self.now
                    self.done[lid] = call
            elif call.done_at is not None:
                call.done_at = None
                self.done.pop(lid, None)
        elif msg.name == "BridgeDestroy":  # names no channel, so no call: the pool's bridge map forgets it
            self.logins.bridge_gone(h.get("BridgeUniqueid") or "")
        self._finish_due()
        return lid

    def _copy_to_served(self, served: OpenCall, msg: Message) -> None:
        """An agent's login channel's event, given to the call it is bridged with too (agent_pool.py):
        without making that call wait for the channel, which stays up after it."""
        login = self.logins.login_event(msg.headers.get("Uniqueid") or "")
        if login is not None and not any(e is login for e in served.events):
            served.events.append(login)  # the builder re-sorts by time
        if len(served.events) < MAX_EVENTS_PER_CALL:
            served.events.append(msg)

    def _give_back(self, login_call: OpenCall) -> None:
        """A login call just recognised (a stream that began after the agent logged in: its
        channel is known only once back in its holding bridge) gives the callers' channels that
        followed its Linkedid back to the calls they began in, with their events since: the call
        a channel was moved out of, else (first seen under the login's Linkedid) its Local twin's."""
        for uid in list(login_call.channels):
            if uid in self.logins.channels:
                continue
            name = next((m.headers["Channel"] for m in login_call.events
                         if m.headers.get("Uniqueid") == uid and m.headers.get("Channel")), None)
            old = self.open.get(self._moved_from.pop(uid, "")) or self._twin_call(login_call, name)
            if old is None:
                continue
            login_call.channels.discard(uid)
            old.channels.add(uid)
            if uid in login_call.hung:
                login_call.hung.discard(uid)
                old.hung.add(uid)
            kept = {id(m) for m in old.events}
            old.events += [m for m in login_call.events if m.headers.get("Uniqueid") == uid and id(m) not in kept]
            self.uid_call[uid] = old.call_id
            if old.channels <= old.hung and old.done_at is None:
                old.done_at = self.now
                self.done[old.call_id] = old

    def _twin_call(self, login_call: OpenCall | None, name: str | None) -> OpenCall | None:
        """The open call other than ``login_call`` that holds the Local twin of channel ``name``."""
        twin = sibling(name) if name else None
        if twin is None:
            return None
        return next((c for c in self.open.values() if c is not login_call
                     and any(m.headers.get("Channel") == twin for m in c.events)), None)

    def _move_channel(self, uid: str, old_lid: str, call: OpenCall, msg: Message) -> None:
        """Channel ``uid`` now carries ``call``'s Linkedid (after a pickup, an attended or blonde
        transfer Asterisk files a channel under its new peer's call). Its old call no longer waits
        for it, and gets the event that moved it (so its record sees the channel go); the new call
        gets the channel's events from before the move; an old call
        left with no channel of its own (the one who picked up: a call of its own only until the
        pickup) is part of this one, and its events with it."""
        old = self.open.get(old_lid)
        if old is None:
            return
        old.channels.discard(uid)
        old.hung.discard(uid)
        if old.channels:
            self._moved_from[uid] = old_lid  # an agent pool's login call may give it back (_give_back)
            # the channel's own events so far go with it (its BridgeEnter: the new call learns
            # whom the channel is bridged with — a phone's attended REFER moves the caller into
            # the consultation's bridge), placed before the event that moved it
            own = [m for m in old.events if m.headers.get("Uniqueid") == uid]
            at = len(call.events) - 1 if call.events and call.events[-1] is msg else len(call.events)
            call.events[at:at] = own
            old.events.append(msg)  # the old call's record sees the channel leave it (builder)
            if old.channels <= old.hung and old.done_at is None:
                old.done_at = self.now
                self.done[old_lid] = old
            return
        self._merge(old, call)

    def _merge(self, old: OpenCall, call: OpenCall) -> None:
        """``old`` is part of ``call`` from now on, with the events it had."""
        old_lid = old.call_id
        del self.open[old_lid]
        self.done.pop(old_lid, None)
        self.merged[old_lid] = call.call_id  # its late events (CEL LINKEDID_END…) follow it
        for alias, into in list(self.merged.items()):
            if into == old_lid:
                self.merged[alias] = call.call_id
        call.events[:0] = old.events  # what came before the move; the builder orders by time
        if old.earliest_thin is not None:
            shift = len(old.events)
            if call.earliest_thin is not None:
                at, ts, first = call.earliest_thin
                call.earliest_thin = (at + shift, ts, first)
            if call.earliest_thin is None or old.earliest_thin[1] < call.earliest_thin[1]:
                call.earliest_thin = old.earliest_thin
        call.gap = call.gap or old.gap

    def feed_thin(self, msg: Message) -> str | None:
        """A Message parsed thin (reader.parse): see feed_thin_fields."""
        h = msg.headers
        key = "LinkedID" if "LinkedID" in h else "Linkedid"
        return self.feed_thin_fields((msg.name, key, h.get(key), msg.timestamp), msg.raw)

    def feed_thin_fields(self, fields: tuple[str, str, str | None, float | None], frame: bytes) -> str | None:
        """An event of the thin kinds (reader.thin_fields: VarSet, CEL, Newexten…, most of the
        stream): it names no channel and no member; all it tells its call is the time (see
        OpenCall.earliest_thin). Returns the Linkedid it was filed under."""
        ts = fields[3]
        if ts is not None and ts > self.now:
            self.now = ts
        lid = fields[2] or None  # an empty one names no call
        if lid is not None and self.merged:
            lid = self.merged.get(lid, lid)
        if lid is not None and lid in self.logins.carried:
            lid = self.logins.home(lid, None, self.uid_call, self.open)
        if lid is not None:
            call = self.open.get(lid)
            if call is None:
                call = self.open[lid] = OpenCall(lid)
            if ts is not None and (call.earliest_thin is None or ts < call.earliest_thin[1]):
                call.earliest_thin = (len(call.events), ts, thin_message(*fields, frame))
        if self.done:
            self._finish_due()
        return lid

    def _finish_due(self) -> None:
        if not self.done or self.now < self._next_check:
            return
        self._next_check = self.now + 0.1  # event time moves in small steps: look ten times a second
        due = [c for c in self.done.values() if c.done_at is not None and c.done_at + self.grace_s <= self.now]
        for call in due:
            self._finish(call)

    def tick(self, now: float) -> None:
        """Live mode: time passes even when no event arrives."""
        if now > self.now:
            self.now = now
        self._finish_due()

    def _finish(self, call: OpenCall) -> None:
        del self.open[call.call_id]
        self.logins.finished(call.call_id)
        self.done.pop(call.call_id, None)
        for uid in call.channels:
            self.uid_call.pop(uid, None)
            self._moved_from.pop(uid, None)
        if self.merged:
            for alias in [a for a, into in self.merged.items() if into == call.call_id]:
                del self.merged[alias]
        self.finished.append(FinishedCall(call.call_id, call.all_events(), call.gap))

    def take(self) -> list[FinishedCall]:
        """The calls finished since the last take, oldest first."""
        done = self.finished[:]
        self.finished.clear()  # the same list: a runner may keep a reference to it
        return done

    def mark_gap(self) -> None:
        """AMI was down: events of every open call may be missing."""
        for call in self.open.values():
            call.gap = True

    def close_gone(self, live_uniqueids: set[str]) -> None:
        """After a re-sync: calls none of whose channels still exist are over (their Hangups were
        lost in a gap)."""
        for call in list(self.open.values()):
            if not (call.channels - call.hung) & live_uniqueids:
                call.gap = True
                self._finish(call)

    def flush(self) -> None:
        """End of a replay: hand on every call still open (marked incomplete by the builder)."""
        for call in list(self.open.values()):
            self._finish(call)
