"""``hotline rebuild``: call records of a window rebuilt from the stored raw events (idempotent)."""

from __future__ import annotations

from datetime import datetime

from ami_listener.builder import Rules, build_call, interface_key
from ami_listener.pipeline import default_members
from ami_listener.reader import parse
from ami_listener.store import Store
from hotline.db import open_db
from hotline.settings import Settings


def rebuild(s: Settings, since: datetime, until: datetime) -> int:
    _, sessions = open_db(s)
    store = Store(sessions, s.server_id)
    members = default_members(s)
    for raw in reversed(store.member_events(since, until)):
        msg = parse(raw.encode())
        if msg.get("Interface") and msg.get("MemberName"):
            members[interface_key(msg["Interface"])] = msg["MemberName"]
    rules = Rules(s.ring_cycle_s, s.max_rings)
    records = []
    for call_id in store.call_ids_between(since, until):
        events = [parse(raw.encode()) for raw in store.raw_events(call_id)]
        records.append(build_call(call_id, events, server=s.server_id, rules=rules, members=members))
    store.write([], records)
    return len(records)
