"""A FreePBX / Issabel-shaped dialplan (captures foreign_freepbx_*, tests/captures/foreign_freepbx/):
Gosub layers and MixMonitor before Queue(), Local members with a second Local hop to the phone, a
break-out key, a failover ring group. The whole replays are rows of test_captures.EXPECTED and
every head cut is test_partial_and_bad_input's; here, what those leave unsaid."""

from __future__ import annotations

import pytest

from tests.ami_listener.replay import as_json, capture, replay_messages
from tests.ami_listener.test_captures import _check

NAMES = ("foreign_freepbx_answered", "foreign_freepbx_agent_hangs_up", "foreign_freepbx_abandon",
         "foreign_freepbx_failover", "foreign_freepbx_key_exit", "foreign_freepbx_blind_transfer",
         "foreign_freepbx_attended_transfer")
# what a supervisor reads of a call
SUPERVISOR = ("direction", "queue", "disposition", "agent", "final_agent", "answered_at", "ring_seconds", "rings",
              "within_4_rings", "wait_seconds", "talk_seconds", "hangup_first", "transfers", "attempts")


def _one(msgs: list) -> dict:
    (rec,) = [as_json(r) for r in replay_messages(msgs).values()]
    return rec


@pytest.mark.parametrize("name", NAMES)
def test_a_stream_opening_as_the_caller_joins_the_queue_tells_the_supervisor_all(name: str) -> None:
    """The listener came up while the caller ran ext-queues' Gosub layers: from the QueueCallerJoin
    on, the record is incomplete (its start unseen) yet says what the whole stream says of the
    queue, the answer, the rings, the wait, the talk and who hung up."""
    msgs = capture(name)
    join = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "QueueCallerJoin")
    whole, cut = _one(msgs), _one(msgs[join:])
    assert cut["incomplete"] and not whole["incomplete"]
    assert {k: cut[k] for k in SUPERVISOR} == {k: whole[k] for k in SUPERVISOR}


def test_the_failover_ring_groups_recording_is_the_calls() -> None:
    """Queue 440's MixMonitor (q-440-…) and ring group 600's (g-600-…) both record the caller's
    channel to the end: the record names the last, which a stream seen from after the queue also
    sees (the first one it would name differently)."""
    msgs = capture("foreign_freepbx_failover")
    leave = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "QueueCallerLeave")
    whole, cut = _one(msgs), _one(msgs[leave:])
    assert "/g-600-440-" in whole["recording"] and cut["recording"] == whole["recording"]


def test_a_member_in_use_or_in_wrap_up_is_passed_over() -> None:
    """foreign_freepbx_busy_and_wrapup: Alice answers after 0.5 s, Bob after 1.5 s. The first
    caller rings both, Alice takes it. The second (2 s later) rings only Bob: Alice's Local member
    is in use by its state_interface (ringinuse = no). The first caller hangs up 4 s in; the third,
    joined 1 s later, finds Alice in wrap-up (5 s) and Bob in use: it waits out the rest of her
    wrap-up (4 s) and her 0.5 s ring — its wait, not a ring of 4.5 s (R-ANS-4RINGS)."""
    calls = {r["caller_number"]: r for r in (as_json(x) for x in
                                             replay_messages(capture("foreign_freepbx_busy_and_wrapup")).values())}
    assert set(calls) == {"13600000045", "13600000046", "13600000047"}
    for rec in calls.values():
        _check(rec, dict(dialed="440", queue="440", disposition="answered", hangup_first="caller", incomplete=False,
                         within_4_rings=True, transfers=[]))
    _check(calls["13600000045"], dict(agent="Alice", final_agent="Alice", ring_seconds=0.5, wait_seconds=0.5,
                                      talk_seconds=3.5, attempt_set={("Alice", "answered"), ("Bob", "cancelled")}))
    _check(calls["13600000046"], dict(agent="Bob", final_agent="Bob", ring_seconds=1.5, wait_seconds=1.5,
                                      talk_seconds=6.5, attempts=[("Bob", "answered")]))
    _check(calls["13600000047"], dict(agent="Alice", final_agent="Alice", ring_seconds=0.5, rings=1,
                                      wait_seconds=4.5, talk_seconds=5.5, attempts=[("Alice", "answered")]))


def test_the_failover_call_is_stored_as_built(db_url: str) -> None:
    """reader → tracker → builder → store, through `hotline listener replay`: the failover call's
    row says what a supervisor reads of it — answered by Bob from the ring group, the queue's six
    rings before his, Bob hanging up, the ring group's recording."""
    from sqlalchemy import select

    from hotline.db import open_db
    from hotline.models import Call
    from tests.ami_listener.replay import replay_settings
    from tests.ami_listener.test_store import _replay

    _replay(db_url, "foreign_freepbx_failover")
    _, sessions = open_db(replay_settings(database_url=db_url))
    with sessions() as db:
        (row,) = db.scalars(select(Call)).all()
        got = (row.queue, row.disposition, row.agent, row.hangup_first, row.within_4_rings, row.incomplete)
        attempts = [(a.agent, a.result) for a in row.attempts]
        assert got == ("440", "answered", "Bob", "agent", False, False)
        assert abs((row.wait_seconds or 0) - 16.5) < 0.3 and abs((row.talk_seconds or 0) - 3.0) < 0.3
        assert attempts[-2:] == [("Alice", "cancelled"), ("Bob", "answered")] and len(attempts) == 8
        assert "/g-600-440-" in (row.recording or "")
