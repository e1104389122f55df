"""A listener that attaches mid-call stores the whole call: the record it builds from what it saw
is incomplete, and its repair stage (ami_listener/repair.CelRepair) rebuilds it from Asterisk's
CEL and queue_log once the call ended. On a real Asterisk (tests/captures/mid_call: our dialplan,
its queue given an operator's limits, plus a small foreign dialplan of two queues):

- a caller an agent transferred into a queue again (our desk's transfer back to the queue; a
  foreign dialplan's agent handing the caller to its second queue), the listener started while the
  caller waits in that second queue entry: the stored record names the first queue and the agent
  who answered there, the transfer, and the final agent;
- a caller the queue refuses at the join (maxlen 1: queue_full; every member paused: no_agent),
  the listener started after the caller's channel was made and before the refusal: the stored
  record is refused, its queue named; a foreign dialplan's caller refused likewise is refused too
  (the repair keeps the QUEUESTATUS the listener saw: CEL and queue_log have nothing of it).

Each is also built from the same stream without the repair (an event tap started with the
listener, replayed through the pipeline): what the README's "Known limits" says a replay gets —
so each test fails without the repair stage.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from ami_listener.simulate import SimCall, originate
from hotline.db import open_db
from hotline.desk.calls import AgentCall, find
from hotline.models import Call
from hotline.pbx.ami import Ami
from hotline.pbx.process import Asterisk
from tests.ami_listener.replay import replay_messages
from tests.captures.record import overlaid_asterisk
from tests.support.pbx import EventTap
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


@pytest.fixture(scope="module")
def mid() -> Iterator[Asterisk]:
    with overlaid_asterisk("mid_call", "midcall", ["8001", "8002"]) as ast:
        yield ast


def _stored(sessions: Any, call_id: str, timeout: float = 60) -> dict[str, Any]:
    """The call's stored record once it is complete (the repair's), else as it is at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            row = db.scalars(select(Call).where(Call.call_id == call_id)).first()
            got = None if row is None else dict(
                queue=row.queue, agent=row.agent, final_agent=row.final_agent, disposition=row.disposition,
                direction=row.direction, incomplete=row.incomplete, transfers=row.transfers, vars=row.vars,
                attempts=[(a.agent, a.result) for a in row.attempts], hangup_first=row.hangup_first)
        if (got is not None and not got["incomplete"]) or time.monotonic() > deadline:
            assert got is not None, f"no record of {call_id}"
            return got
        time.sleep(0.3)


def _wait(pred: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while (got := pred()) in (None, False):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return got


def _channel_up(ami: Ami, call_id: str) -> bool:
    return any(r.get("Uniqueid") == call_id for r in ami.list_action("CoreShowChannels", "CoreShowChannelsComplete"))


def _joins(tap: EventTap, call_id: str) -> list[Message]:
    return [m for m in list(tap.messages) if m.name == "QueueCallerJoin" and m.get("Linkedid") == call_id]


def _seen_from(tap: EventTap, at: int, call_id: str) -> CallRecord:
    """The call built from the tap's stream from message ``at`` on, with no repair stage."""
    return replay_messages(list(tap.messages)[at:])[call_id]


def _whole(tap: EventTap, call_id: str) -> CallRecord:
    """The call built from the whole stream (the tap was reading before it began)."""
    return replay_messages(list(tap.messages))[call_id]


def _listen(s: Any, tmp_path: Path, name: str) -> tuple[Listener, Any]:
    s = s.replace(database_url=sqlite_url(tmp_path / f"{name}.db"))
    listener = Listener(s).start()
    assert listener.conn.connected.wait(10)
    return listener, open_db(s)[1]


def _assert_whole(row: dict[str, Any], whole: CallRecord) -> None:
    assert row["vars"].get("HOTLINE_SOURCE") == "backfill"
    got = {k: row[k] for k in ("queue", "agent", "final_agent", "disposition", "direction", "hangup_first")}
    assert got == dict(queue=whole.queue, agent=whole.agent, final_agent=whole.final_agent,
                       disposition=whole.disposition, direction=whole.direction, hangup_first=whole.hangup_first)
    assert [(t["kind"], t["from_agent"], t["result"]) for t in row["transfers"]] == \
        [(t.kind, t.from_agent, t.result) for t in whole.transfers]
    assert row["attempts"] == [(a.agent, a.result) for a in whole.attempts]


def test_a_call_transferred_back_into_our_queue_seen_from_its_second_entry(mid: Asterisk, tmp_path: Path) -> None:
    """The desk's transfer back to the queue (controls.transfer to="queue": BlindTransfer of the
    agent's leg to [hotline-queue]); 8001 answers first, is busy at the second entry, 8002 answers."""
    s = mid.settings
    call = SimCall(f"mid-requeue-{time.time_ns() % 10**9}", "13700000051", "再排队", 60,
                   {"8001": ("answer", 1, 60), "8002": ("answer", 3, 4)})
    with EventTap(s) as tap:
        with mid.ami() as ami:
            originate(ami, s, call)
        leg = _wait(lambda: _agent_call(mid, "8001", call.call_id), "8001 never answered")
        with mid.ami() as ami:
            ami.action("Setvar", Channel=leg.caller_channel, Variable="__SIM_MODE_8001", Value="busy")
            ami.action("BlindTransfer", Channel=leg.agent_channel, Context="hotline-queue", Exten="s")
        _wait(lambda: len(_joins(tap, call.call_id)) == 2, "the caller never queued again")
        at = len(tap.messages)
        listener, sessions = _listen(s, tmp_path, "requeue")
        try:
            row = _stored(sessions, call.call_id)
        finally:
            listener.stop()
        whole, seen = _whole(tap, call.call_id), _seen_from(tap, at, call.call_id)
    # what the listener saw alone: the second entry, as if the call had first queued there
    assert seen.incomplete and (seen.agent, seen.transfers) == ("8002", [])
    assert (whole.queue, whole.agent, whole.final_agent, whole.disposition) == \
        (s.queue_name, "8001", "8002", "answered")
    assert whole.transfers and not whole.incomplete
    assert not row["incomplete"]
    _assert_whole(row, whole)


def _agent_call(pbx: Asterisk, agent: str, call_id: str) -> AgentCall | None:
    with pbx.ami() as ami:
        found = find(ami, agent, call_id)
    return found if isinstance(found, AgentCall) else None


def _foreign_leg(pbx: Asterisk, call_id: str, member: str) -> tuple[str, str] | None:
    """(the member's leg, the caller's channel) once they are bridged."""
    with pbx.ami() as ami:
        rows = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
    mine = [r for r in rows if r.get("Linkedid") == call_id and r.get("BridgeId")]
    leg = next((r for r in mine if r["Channel"].startswith(member) and r["Channel"].endswith(";1")), None)
    peer = next((r for r in mine if leg and r["BridgeId"] == leg["BridgeId"] and r is not leg), None)
    return None if leg is None or peer is None else (leg["Channel"], peer["Channel"])


def test_a_foreign_dialplans_caller_transferred_into_a_second_queue_seen_from_that_entry(
        mid: Asterisk, tmp_path: Path) -> None:
    """A foreign dialplan (none of our variables): Alice of `first` hands the caller to `second`
    (BlindTransfer to 431); the listener starts while Bob's phone rings there."""
    s = mid.settings
    call_id = f"mid-q2q-{time.time_ns() % 10**9}"
    with EventTap(s) as tap:
        with mid.ami() as ami:
            ami.originate("Local/430@mid-foreign-in", context="sim-caller", exten="s",
                          callerid='"转队列" <13700000052>', channel_id=call_id, timeout_s=60,
                          variables={"SIM_STAY": "60", "__MID_RING_7002": "3", "__MID_TALK_7002": "4"})
        leg, _ = _wait(lambda: _foreign_leg(mid, call_id, "Local/7001@"), "Alice never answered")
        with mid.ami() as ami:
            ami.action("BlindTransfer", Channel=leg, Context="mid-foreign-transfer", Exten="431")
        _wait(lambda: len(_joins(tap, call_id)) == 2, "the caller never reached the second queue")
        at = len(tap.messages)
        listener, sessions = _listen(s, tmp_path, "q2q")
        try:
            row = _stored(sessions, call_id)
        finally:
            listener.stop()
        whole, seen = _whole(tap, call_id), _seen_from(tap, at, call_id)
    # seen after the entry itself: no queue named, Bob the answering agent, no transfer
    assert seen.incomplete and (seen.queue, seen.agent, seen.transfers) == (None, "Bob", [])
    assert (whole.queue, whole.agent, whole.final_agent, whole.disposition) == ("first", "Alice", "Bob", "answered")
    assert whole.transfers and not whole.incomplete
    assert not row["incomplete"]
    _assert_whole(row, whole)


def _members_paused(pbx: Asterisk, paused: bool) -> None:
    with pbx.ami() as ami:
        for ext in pbx.settings.agents:
            ami.action("QueuePause", Queue=pbx.settings.queue_name, Interface=f"Local/{ext}@agents/n",
                       Paused="true" if paused else "false", Reason="break")


def _refused_seen_mid_call(pbx: Asterisk, tmp_path: Path, call: SimCall, name: str,
                           line: str = "") -> tuple[dict, CallRecord, CallRecord]:
    """A caller 6 s in [mid-delay] before our dialplan takes it (or on a foreign ``line``, 6 s
    of announcement before its queue); the listener starts once its channel is up. The stored
    record, the one built from the same stream without repair, and the whole stream's."""
    s = pbx.settings
    with EventTap(s) as tap:
        with pbx.ami() as ami:
            ami.originate(line or f"Local/{s.hotline_number}@mid-delay", context="sim-caller", exten="s",
                          callerid=f'"{call.caller_name}" <{call.caller_number}>', channel_id=call.call_id,
                          variables={**call.variables(), "MID_DELAY": "6"}, timeout_s=60)
        # the tap's own view of the channel's start (it may lag behind the PBX on a loaded machine):
        # the stream "seen" begins after it, and the listener starts later still
        _wait(lambda: any(m.name == "Newchannel" and m.get("Uniqueid") == call.call_id for m in list(tap.messages)),
              "the caller's channel never came up")
        at = len(tap.messages)
        listener, sessions = _listen(s, tmp_path, name)
        try:
            # the refusal came after the listener attached
            _wait(lambda: any(m.get("Variable") == "QUEUESTATUS" and m.get("Linkedid") == call.call_id
                              for m in list(tap.messages)[at:]), "the queue never refused the caller")
            row = _stored(sessions, call.call_id)
        finally:
            listener.stop()
        return row, _seen_from(tap, at, call.call_id), _whole(tap, call.call_id)


def test_refused_callers_seen_from_before_their_refusal(mid: Asterisk, tmp_path: Path) -> None:
    s = mid.settings
    tag = time.time_ns() % 10**9
    nobody = {ext: ("noanswer", 0, 0) for ext in s.agents}
    waiting = SimCall(f"mid-wait-{tag}", "13700000053", "等待", 12, nobody)  # holds the queue's one place
    full = SimCall(f"mid-full-{tag}", "13700000054", "满员", 20, nobody)
    empty = SimCall(f"mid-empty-{tag}", "13700000055", "无人", 20, nobody)
    with mid.ami() as ami:
        originate(ami, s, waiting)
    with mid.ami() as ami:
        _wait(lambda: any(r.get("Event") == "QueueEntry" for r in ami.list_action(
            "QueueStatus", "QueueStatusComplete", Queue=s.queue_name)), "the first caller never queued")
    full_row, full_seen, _ = _refused_seen_mid_call(mid, tmp_path, full, "full")
    with mid.ami() as ami:  # the first caller gone: the next is refused for the paused members alone
        _wait(lambda: not _channel_up(ami, waiting.call_id), "the first caller never left", timeout=30)
    _members_paused(mid, True)
    try:
        empty_row, empty_seen, _ = _refused_seen_mid_call(mid, tmp_path, empty, "empty")
    finally:
        _members_paused(mid, False)
    # seen without its start, nothing tells the refused caller from a phone's own call
    for seen in (full_seen, empty_seen):
        assert seen.incomplete and (seen.disposition, seen.queue) == ("unknown", None)
    got = {name: (r["disposition"], r["queue"], r["direction"], r["incomplete"], r["vars"].get("HOTLINE_SOURCE"))
           for name, r in (("full", full_row), ("empty", empty_row))}
    assert got == {"full": ("queue_full", s.queue_name, "inbound", False, "backfill"),
                   "empty": ("no_agent", s.queue_name, "inbound", False, "backfill")}


def test_a_foreign_dialplans_refused_caller_seen_from_before_its_refusal(mid: Asterisk, tmp_path: Path) -> None:
    """A foreign queue staffed by nobody (joinempty = no) refuses its caller; nothing of it is in
    CEL or queue_log (no CELGenUserEvent, no queue_log line), only the QUEUESTATUS the listener
    saw: the repair keeps it. From CEL alone the record said `ivr`, the caller hanging up first."""
    call = SimCall(f"mid-closed-{time.time_ns() % 10**9}", "13700000056", "下班", 30)
    row, seen, whole = _refused_seen_mid_call(mid, tmp_path, call, "closed", line="Local/432@mid-foreign-closed")
    assert seen.incomplete and (seen.disposition, seen.queue) == ("unknown", None)
    assert (whole.direction, whole.disposition, whole.hangup_first, whole.incomplete) == \
        ("inbound", "no_agent", "system", False)
    assert row["vars"].get("HOTLINE_SOURCE") == "backfill" and not row["incomplete"]
    assert (row["direction"], row["disposition"], row["queue"], row["hangup_first"]) == \
        (whole.direction, whole.disposition, whole.queue, whole.hangup_first)
