"""``hotline rebuild``: call records of a window rebuilt from the stored raw events (idempotent).

The stored batches are fed through a fresh tracker, exactly as the live listener did, so events
are filed under the same calls; an event stored twice (re-sent after a reconnect) counts once.
"""

from __future__ import annotations

from datetime import datetime

from ami_listener.builder import Rules, build_call
from ami_listener.pipeline import default_members
from ami_listener.reader import Message, read_messages
from ami_listener.store import Store, digest
from ami_listener.tracker import CallTracker
from hotline.db import open_db
from hotline.settings import Settings


def rebuild(s: Settings, since: datetime, until: datetime) -> int:
    _, sessions = open_db(s)
    store = Store(sessions, s.server_id)
    wanted = set(store.call_ids_between(since, until))
    calls: dict[str, tuple[list[Message], bool]] = {}
    tracker = CallTracker(lambda cid, evs, gap: calls.__setitem__(cid, (evs, gap)))
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
    members = {**default_members(s), **tracker.members}
    rules = Rules(s.ring_cycle_s, s.max_rings)
    records = [build_call(cid, evs, server=s.server_id, rules=rules, members=members, gap=gap)
               for cid, (evs, gap) in calls.items() if cid in wanted]
    store.write(None, records)
    return len(records)
