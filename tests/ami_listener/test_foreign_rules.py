"""Queue settings of an operator's dialplan (captures foreign_rules_*, tests/captures/foreign_rules/,
scenarios in tests/captures/rules.py): members who accept a call with a key, a queue rule moving
a waiting caller to a second tier, an agent going on to a wrap-up code after the caller hung up
(Queue option F), the leastrecent and rrordered strategies, a key pressed during the queue's
periodic announcement. The whole replays of the one-caller captures are rows of
test_captures.EXPECTED and every head cut is test_partial_and_bad_input's; here, what those
leave unsaid."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.ami_listener.replay import as_json, capture, replay_messages
from tests.ami_listener.test_captures import T, _check

NAMES = ("foreign_rules_accept_refused", "foreign_rules_accept_abandoned", "foreign_rules_penalty_overflow",
         "foreign_rules_agent_wrapup", "foreign_rules_rrordered", "foreign_rules_announce_key_exit")
# what a supervisor reads of a call
SUPERVISOR = ("direction", "queue", "disposition", "agent", "final_agent", "answered_at", "ended_at", "ring_seconds",
              "rings", "within_4_rings", "wait_seconds", "talk_seconds", "hangup_first", "transfers", "attempts")


def _one(msgs: list) -> dict:
    (rec,) = [as_json(r) for r in replay_messages(msgs).values()]
    return rec


def _seconds(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


@pytest.mark.parametrize("name", NAMES)
def test_a_stream_opening_as_the_caller_joins_the_queue_tells_the_supervisor_all(name: str) -> None:
    """The listener came up just before the caller joined the queue: from the QueueCallerJoin on,
    the record is incomplete (its start unseen) yet says what the whole stream says."""
    msgs = capture(name)
    join = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "QueueCallerJoin")
    whole, cut = _one(msgs), _one(msgs[join:])
    assert cut["incomplete"] and not whole["incomplete"]
    assert {k: cut[k] for k in SUPERVISOR} == {k: whole[k] for k in SUPERVISOR}


def test_a_member_who_refuses_with_a_key_never_had_the_caller() -> None:
    """foreign_rules_accept_refused: Alice's phone answered (her leg's Dial U() prompt) and her
    user refused with key 2; the queue rang Bob, who accepted with 1. Her phone was up, yet she is
    no agent of the call and her 2.5 s are no answer (R-ANS-4RINGS): the answer is Bob's key."""
    msgs = capture("foreign_rules_accept_refused")
    assert any(m.name == "Newstate" and (m.get("Channel") or "").startswith("PJSIP/8001-")
               and m.get("ChannelStateDesc") == "Up" for m in msgs if m.kind == "event")
    rec = _one(msgs)
    _check(rec, dict(agent="Bob", final_agent="Bob", attempts=[("Alice", "no_answer"), ("Bob", "answered")]))
    key = next(m for m in msgs if m.kind == "event" and m.name == "DTMFEnd"
               and (m.get("Channel") or "").startswith("PJSIP/8002-"))
    assert key.timestamp is not None
    assert abs(datetime.fromisoformat(rec["answered_at"]).timestamp() - key.timestamp) <= T


def test_an_agent_going_on_to_a_wrap_up_code_is_not_the_calls_time() -> None:
    """foreign_rules_agent_wrapup: the caller hangs up 6 s in; Alice's channel goes on (Queue
    option F) into agent-wrapup, where her key 3 and the dialplan's Hangup() come 2 s later. The
    call ended when the caller left: its end is the caller's, not her wrap-up's (her channel's own
    hang-up is after it), and its talk runs to that end."""
    msgs = capture("foreign_rules_agent_wrapup")
    agent_gone = next(m for m in msgs if m.kind == "event" and m.name == "Hangup"
                      and (m.get("Channel") or "").startswith("PJSIP/8001-"))
    assert agent_gone.get("Context") == "agent-wrapup"
    rec = _one(msgs)
    assert abs(_seconds(rec["ended_at"], rec["started_at"]) - 6.0) <= T
    assert abs(_seconds(rec["ended_at"], rec["answered_at"]) - rec["talk_seconds"]) <= T
    assert agent_gone.timestamp is not None
    assert agent_gone.timestamp - datetime.fromisoformat(rec["ended_at"]).timestamp() > 1.5


def test_leastrecent_rings_the_member_who_let_it_ring_again() -> None:
    """foreign_rules_leastrecent: the first caller rings Bob (the tie between two members who took
    no call goes to him), who answers after 1 s and talks 2 s. The second, 1 s later, rings Alice,
    who has still taken none: she lets it ring out (3 s) and is rung again 1 s later, and again —
    Bob, free, never; the caller gives up 9 s in. Each record names only whom its queue rang."""
    calls = {r["caller_number"]: r for r in (as_json(x) for x in
                                             replay_messages(capture("foreign_rules_leastrecent")).values())}
    assert set(calls) == {"13600000062", "13600000063"}
    for rec in calls.values():
        _check(rec, dict(dialed="463", queue="leastrecent", incomplete=False, transfers=[]))
    _check(calls["13600000062"], dict(disposition="answered", agent="Bob", final_agent="Bob", ring_seconds=1.0,
                                      wait_seconds=1.0, talk_seconds=2.0, hangup_first="agent",
                                      attempts=[("Bob", "answered")]))
    _check(calls["13600000063"], dict(disposition="abandoned", agent=None, answered_at=None, ring_seconds=None,
                                      wait_seconds=9.0, talk_seconds=None, hangup_first="caller",
                                      attempts=[("Alice", "no_answer"), ("Alice", "no_answer"),
                                                ("Alice", "cancelled")], attempt_rings=[3.0, 3.0, 1.0]))
