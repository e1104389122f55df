"""A caller the queue refuses at the join because it is full (maxlen: QUEUESTATUS FULL, 队列满),
from real captures: its outcome, and its queue — named by no queue event (app_queue only sets
QUEUESTATUS) — replayed whole and head-cut.

    capture                        dialplan                                  listener user
    foreign_queue_full_unfiltered  foreign_more: `full` at 413 (maxlen 1,     a foreign one: every
                                   Bob's phone its member)                   Newexten (Queue's AppData)
    queue_full                     ours, its queue given maxlen 1             ours: Newexten filtered,
                                   (own_limits); agents simulated, IVR down   HOTLINE_QUEUE names it
    queue_joinempty                ours, joinempty = no, every member paused  ours

In both full captures the first caller joins and waits while a member rings (Bob 4 s on the
foreign one, 8001 3 s on ours), is answered and hangs up 12 s in; 1 s after it joined a second
caller is refused and the dialplan ends the call.
"""

from __future__ import annotations

import pytest

from ami_listener.reader import Message, thin_fields
from tests.ami_listener.replay import CAPTURES, as_json, capture, replay_frames, replay_messages

# capture: (the first caller's number, queue, agent, wait s), (the refused caller's number, queue)
FULL = {"foreign_queue_full_unfiltered": (("13600000005", "full", "Bob", 4.0), ("13600000008", "full")),
        "queue_full": (("13800000301", "hotline", "8001", 3.0), ("13800000302", "hotline"))}


def _by_caller(msgs: list[Message]) -> dict[str | None, dict]:
    return {r["caller_number"]: r for r in (as_json(x) for x in replay_messages(msgs).values())}


def _refused(rec: dict, queue: str | None) -> None:
    assert (rec["direction"], rec["disposition"], rec["queue"]) == ("inbound", "queue_full", queue), rec
    assert rec["queued_at"] is rec["wait_seconds"] is rec["answered_at"] is rec["agent"] is None, rec
    assert (rec["attempts"], rec["hangup_first"], rec["incomplete"]) == ([], "system", False), rec


@pytest.mark.parametrize("name", sorted(FULL))
def test_the_second_caller_of_a_full_queue_is_refused(name: str) -> None:
    (number, queue, agent, wait), (refused, _) = FULL[name]
    calls = _by_caller(capture(name))
    assert set(calls) == {number, refused}
    first = calls[number]
    assert (first["disposition"], first["queue"], first["agent"], first["incomplete"]) == \
        ("answered", queue, agent, False)
    assert first["wait_seconds"] == pytest.approx(wait, abs=0.3)
    _refused(calls[refused], queue)


def test_a_foreign_listener_user_names_the_queue_from_newexten() -> None:
    """Through a listener user without our eventfilter, every dialplan step is a Newexten; the
    reader parses only those running Queue(), whose AppData names the queue."""
    data = (CAPTURES / "foreign_queue_full_unfiltered.ami").read_bytes()
    steps = [f for f in data.split(b"\r\n\r\n") if f.startswith(b"Event: Newexten\r\n")]
    parsed = [f for f in steps if thin_fields(f) is None]
    assert len(steps) > len(parsed) == 2  # one Queue() for each caller
    assert all(b"\r\nApplication: Queue\r\nAppData: full," in f for f in parsed)
    assert b"Variable: HOTLINE_QUEUE" not in data  # a foreign dialplan sets none of ours


@pytest.mark.parametrize("name", ["queue_full", "queue_joinempty"])
def test_our_dialplan_names_the_refused_callers_queue(name: str) -> None:
    """Our manager.conf filters Newexten out; the caller's HOTLINE_QUEUE, set by our dialplan before
    Queue(), names the queue — without those VarSets the refused caller would name none."""
    msgs = capture(name)
    data = (CAPTURES / f"{name}.ami").read_bytes()
    assert b"Event: Newexten\r\n" not in data
    refused = next(r for r in _by_caller(msgs).values() if r["disposition"] in ("queue_full", "no_agent"))
    assert refused["queue"] == "hotline" and refused["vars"]["HOTLINE_QUEUE"] == "hotline"
    unnamed = [m for m in msgs if not (m.name == "VarSet" and m.get("Variable") == "HOTLINE_QUEUE")]
    assert len(unnamed) < len(msgs)
    without = _by_caller(unnamed)[refused["caller_number"]]
    assert without["queue"] is None and without["disposition"] == refused["disposition"]
    # the listener's own way in (frames, thin events never parsed) names it the same
    assert {r.queue for r in replay_frames(data, chunk=1000).values()} == {"hotline"}


@pytest.mark.parametrize("name", sorted(FULL))
def test_a_stream_begun_after_the_first_caller_joined(name: str) -> None:
    """Head cut: the stream begins with the refused caller's first event (the first caller already
    waiting): the refused caller is seen whole — the same record as from the whole stream — and
    the first caller's record is incomplete, claiming no queue it did not see it join."""
    (_, _, agent, _), (refused, queue) = FULL[name]
    msgs = capture(name)
    whole = _by_caller(msgs)
    lid = next(r["call_id"] for r in whole.values() if r["caller_number"] == refused)
    at = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.get("Linkedid") == lid)
    cut = {r["call_id"]: r for r in (as_json(x) for x in replay_messages(msgs[at:]).values())}
    assert cut[lid] == whole[refused]
    _refused(cut[lid], queue)
    (first,) = [r for k, r in cut.items() if k != lid]
    assert first["incomplete"] and first["queued_at"] is None and first["agent"] == agent


@pytest.mark.parametrize("name", sorted(FULL))
def test_a_stream_begun_inside_the_refused_call(name: str) -> None:
    """Head cut at each later event of the refused caller: its start unseen, nothing tells the
    caller's channel from any other (an inbound caller, a phone's own call): an incomplete record
    claiming no outcome and no queue — not a wrong one — though the QUEUESTATUS was seen."""
    refused = FULL[name][1][0]
    msgs = capture(name)
    lid = next(r["call_id"] for r in _by_caller(msgs).values() if r["caller_number"] == refused)
    mine = [i for i, m in enumerate(msgs) if m.kind == "event" and m.get("Linkedid") == lid]
    assert any(msgs[i].name == "VarSet" and msgs[i].get("Value") == "FULL" for i in mine[1:])
    for at in mine[1:]:
        rec = as_json(replay_messages(msgs[at:])[lid])
        assert rec["incomplete"] and rec["direction"] == rec["disposition"] == "unknown", (at, rec)
        assert rec["queue"] is rec["agent"] is rec["caller_number"] is None, (at, rec)
