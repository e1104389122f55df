"""``hotline rebuild``: call records of a window rebuilt from the stored raw events (idempotent).

The stored batches are fed through a fresh tracker, exactly as the live listener did, so events
are filed under the same calls; an event stored twice (re-sent after a reconnect) counts once.
A rebuilt record that is incomplete is completed from CEL where Asterisk's logs still hold the
call, and otherwise never replaces a complete one: a rebuild never makes a record worse than the
one it replaces.
"""

from __future__ import annotations

from datetime import datetime

from ami_listener.builder import build_call
from ami_listener.pipeline import default_members
from ami_listener.reader import read_messages
from ami_listener.repair import CelRepair
from ami_listener.store import Store, digest
from ami_listener.tracker import CallTracker
from hotline.db import open_db
from hotline.rules import internal_numbers, ring_rule
from hotline.service_settings import effective
from hotline.settings import Settings


def rebuild(s: Settings, since: datetime, until: datetime) -> int:
    _, sessions = open_db(s)
    store = Store(sessions, s.server_id)
    wanted = set(store.call_ids_between(since, until))
    tracker = CallTracker()
    seen: set[str] = set()
    for msg in read_messages(store.batches_for(wanted)):
        if msg.kind != "event":
            continue
        d = digest(msg.raw)
        if d in seen:
            continue
        seen.add(d)
        tracker.feed(msg)
    tracker.flush()
    calls = {done.call_id: done for done in tracker.take()}  # a call finished twice: the last wins
    members = {**default_members(s), **tracker.members}
    rules = ring_rule(effective(s, sessions))  # R-ANS-4RINGS: the panel's rule in force now
    internal = internal_numbers(s)
    records = [build_call(cid, evs, server=s.server_id, rules=rules, members=members, gap=gap, internal=internal)
               for cid, (_, evs, gap) in calls.items() if cid in wanted]
    repair = CelRepair(s, rules)  # what the stored events miss, Asterisk's CEL may still have
    records = [(repair(rec, members) or rec) if rec.incomplete else rec for rec in records]
    # a rebuild from a partial event store (events lost to a kill) must not undo a complete record
    # the live listener or the backfill (Asterisk's own logs) made: see Store._save_calls
    store.write(None, records, keep_better=True)
    return len(records)
