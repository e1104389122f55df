"""Calls an agent transferred into a queue again (and a foreign dialplan's refused caller), rebuilt
from CEL + queue_log as the live listener records them — what a listener that attached mid-call
gets from its repair stage (`test_repair_mid_call.py` on the real Asterisk). The rows are what
that Asterisk wrote (tests/captures/mid_call):

- ``foreign_queue_to_queue``: a foreign dialplan (no HOTLINE_* variable), Alice of queue `first`
  answers, hands the caller to `second` (BlindTransfer to 431); Bob answers after 3 s and hangs up
  4 s later. Its members are in no setting, and a listener that attached after Alice's part saw
  none of their member events: their names come from queue_log's CONNECT lines. Alice's channel
  hung up at the transfer, the first of the bridged parties, and CEL logged the caller's
  BRIDGE_EXIT before hers.
- ``requeue_busy``: our dialplan, the desk's transfer back to the queue (BlindTransfer to
  [hotline-queue]); 8001 answers first, is busy at the second entry (Busy(): its Local member's
  far half hangs up with cause 17, queue_log says RINGNOANSWER in the whole second before that
  channel started, 0.69 s later), 8002 answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import pytest

from ami_listener.backfill import events_for_call
from ami_listener.builder import build_call
from ami_listener.pipeline import default_members
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from hotline.asterisk_logs import CEL_COLUMNS
from hotline.rules import ring_rule
from hotline.vocabulary import AttemptResult, HangupParty, TransferKind
from tests.ami_listener.replay import replay_settings

CEL = Path(__file__).parent / "cel"


def _rows(name: str) -> list[dict[str, str]]:
    text = (CEL / f"{name}.csv").read_text(encoding="utf-8")
    return [dict(zip(CEL_COLUMNS, r, strict=True)) for r in csv.reader(io.StringIO(text))]


def _rebuilt(name: str, members: Mapping[str, str]) -> CallRecord:
    rows = _rows(name)
    qlog: dict[str, list[list[str]]] = {}
    for line in (CEL / f"{name}.queue_log").read_text(encoding="utf-8").splitlines():
        parts = line.split("|")
        qlog.setdefault(parts[1], []).append(parts)
    s = replay_settings()
    return build_call(rows[0]["linkedid"], events_for_call(rows, qlog, members), server="b", rules=ring_rule(s),
                      members=members)


def _whole(rec: CallRecord) -> tuple[object, ...]:
    return (rec.queue, rec.agent, rec.final_agent, rec.disposition, rec.hangup_first, rec.incomplete,
            [(x.kind, x.from_agent, x.to) for x in rec.transfers], [(a.agent, a.result) for a in rec.attempts])


def test_a_foreign_dialplans_caller_handed_to_a_second_queue() -> None:
    """No member known beforehand: Bob is the final agent (not Alice, the first agent's name
    carried over), the transfer is Alice's, and Bob hung up first (not nobody: Alice's hang-up at
    the transfer, the first of the bridged parties', is no hang-up of the call)."""
    answered = AttemptResult.ANSWERED
    assert _whole(_rebuilt("foreign_queue_to_queue", {})) == (
        "first", "Alice", "Bob", "answered", HangupParty.AGENT, False,
        [(TransferKind.BLIND, "Alice", "431")], [("Alice", answered), ("Bob", answered)])


@pytest.mark.parametrize("known", [True, False], ids=["members-known", "members-unknown"])
def test_a_caller_sent_back_to_our_queue_meets_a_busy_agent(known: bool) -> None:
    members = default_members(replay_settings(agents=["8001", "8002"])) if known else {}
    answered, busy = AttemptResult.ANSWERED, AttemptResult.BUSY
    assert _whole(_rebuilt("requeue_busy", members)) == (
        "hotline", "8001", "8002", "answered", HangupParty.AGENT, False,
        [(TransferKind.BLIND, "8001", "s")], [("8001", answered), ("8001", busy), ("8002", answered)])


def test_a_foreign_refusal_is_in_no_log_but_the_stream() -> None:
    """``foreign_refused`` (tests/captures/mid_call, line 432): a foreign queue staffed by nobody
    refuses the caller after 6 s of its dialplan; the dialplan plays a goodbye and hangs up. CEL
    and queue_log say nothing of the refusal: from them alone the caller never queued. With the
    QUEUESTATUS the listener saw (what the repair hands on) it is refused, and the dialplan's own
    Hangup() on the side that ran it is the system's, as live."""
    rows = _rows("foreign_refused")
    side = next(r for r in rows if r["channame"].endswith(";2"))
    headers = {"Event": "VarSet", "Timestamp": "1796588337.028800", "Channel": side["channame"],
               "Uniqueid": side["uniqueid"], "Linkedid": side["linkedid"], "Variable": "QUEUESTATUS",
               "Value": "JOINEMPTY"}
    status = Message(headers, "\r\n".join(f"{k}: {v}" for k, v in headers.items()).encode())
    s = replay_settings()
    alone, seen = (build_call(rows[0]["linkedid"], events_for_call(rows, {}, {}, statuses), server="b",
                              rules=ring_rule(s), members={}) for statuses in ((), [status]))
    assert (alone.disposition, alone.queue) != ("no_agent", None)  # CEL alone: a call that never queued
    assert (seen.direction, seen.disposition, seen.hangup_first, seen.incomplete) == \
        ("inbound", "no_agent", HangupParty.SYSTEM, False)
