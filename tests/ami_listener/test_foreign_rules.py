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

NAMES = ("foreign_rules_accept_refused", "foreign_rules_accept_hung_up", "foreign_rules_accept_abandoned",
         "foreign_rules_penalty_overflow", "foreign_rules_agent_wrapup", "foreign_rules_rrordered",
         "foreign_rules_announce_key_exit")
# the captures of two callers each (a strategy that remembers what each member took)
TWO_CALLERS = ("foreign_rules_leastrecent", "foreign_rules_wrandom", "foreign_rules_fewestcalls")
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


def _phone_up(msgs: list, phone: str) -> float:
    up = next(m for m in msgs if m.kind == "event" and m.name == "Newstate"
              and (m.get("Channel") or "").startswith(phone + "-") and m.get("ChannelStateDesc") == "Up")
    assert up.timestamp is not None
    return up.timestamp


def _stamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_a_member_who_refuses_with_a_key_never_had_the_caller() -> None:
    """foreign_rules_accept_refused: Alice's phone answered (her leg's Dial U() prompt) and her
    user refused with key 2; the queue rang Bob, who accepted with 1. app_queue calls her ring a
    ring-out (AgentRingNoAnswer), yet her phone was up: she declined it, and her ring ended when her
    phone answered — the 1.5 s on the prompt are no ringing, and no ring-out (R-ANS-4RINGS). She
    is no agent of the call: the answer is Bob's key."""
    msgs = capture("foreign_rules_accept_refused")
    assert any(m.name == "AgentRingNoAnswer" and m.get("MemberName") == "Alice" for m in msgs if m.kind == "event")
    rec = _one(msgs)
    _check(rec, dict(agent="Bob", final_agent="Bob", attempts=[("Alice", "declined"), ("Bob", "answered")]))
    alice = rec["attempts"][0]
    assert abs(_stamp(alice["rang_at"]) + alice["ring_seconds"] - _phone_up(msgs, "PJSIP/8001")) <= T
    key = next(m for m in msgs if m.kind == "event" and m.name == "DTMFEnd"
               and (m.get("Channel") or "").startswith("PJSIP/8002-"))
    assert key.timestamp is not None
    assert abs(_stamp(rec["answered_at"]) - key.timestamp) <= T


def test_a_member_who_hangs_up_on_the_prompt_refused_and_nobody_answered() -> None:
    """foreign_rules_accept_hung_up: Alice's phone answered the accept prompt and hung up on it.
    Dial takes the gosub that hang-up ended for an accept, so app_queue says ANSWER and
    AgentConnect to her leg — already gone: the caller is never bridged with anyone, and the call
    ends. Not an answer: Alice declined (rung to her phone's answer), no agent, no talk, no
    R-ANS-4RINGS verdict, and the caller is a missed call (not answered, the queue let it go)."""
    msgs = capture("foreign_rules_accept_hung_up")
    events = [m for m in msgs if m.kind == "event"]
    assert any(m.name == "AgentConnect" and m.get("MemberName") == "Alice" for m in events)
    bye = next(i for i, m in enumerate(events) if m.name == "HangupRequest"
               and (m.get("Channel") or "").startswith("PJSIP/8001-"))
    assert bye < next(i for i, m in enumerate(events) if m.name == "AgentConnect")
    rec = _one(msgs)
    _check(rec, dict(disposition="timeout", agent=None, final_agent=None, answered_at=None, ring_seconds=None,
                     within_4_rings=None, talk_seconds=None, attempts=[("Alice", "declined")]))
    alice = rec["attempts"][0]
    assert abs(_stamp(alice["rang_at"]) + alice["ring_seconds"] - _phone_up(msgs, "PJSIP/8001")) <= T


@pytest.mark.parametrize("name", TWO_CALLERS)
def test_a_stream_opening_as_each_caller_joins_tells_the_supervisor_all_of_it(name: str) -> None:
    """The listener came up just before one of the two callers joined the queue: that caller's
    record, incomplete, says what the whole stream says (the other caller's is another matter)."""
    msgs = capture(name)
    whole = {k: as_json(r) for k, r in replay_messages(msgs).items()}
    joins = [i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "QueueCallerJoin"]
    assert len(joins) == 2 == len(whole)
    for join in joins:
        call_id = msgs[join].get("Linkedid")
        cut = as_json(replay_messages(msgs[join:])[call_id])
        assert cut["incomplete"] and not whole[call_id]["incomplete"]
        assert {k: cut[k] for k in SUPERVISOR} == {k: whole[call_id][k] for k in SUPERVISOR}


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


def _by_caller(name: str) -> dict[str, dict]:
    return {r["caller_number"]: r for r in (as_json(x) for x in replay_messages(capture(name)).values())}


def _rung(name: str, caller: str) -> list[str]:
    """Whom the queue rang for ``caller``, in order (its AgentCalled events)."""
    return [m.get("MemberName") or "" for m in capture(name) if m.kind == "event" and m.name == "AgentCalled"
            and m.get("CallerIDNum") == caller]


def test_wrandom_rings_by_weight_not_by_tier() -> None:
    """foreign_rules_wrandom (`weighted`, wrandom: Alice penalty 0, Bob 2): two callers 1 s apart.
    The first rang Alice, who answered after 1 s and talked 2 s. The second, while she talked,
    rang Bob (never answering: 3 s, rung out) — and again once she was free: wrandom's penalty is
    a weight, not a tier —, then Alice, who answered after 1 s. Each record names only the rings
    of its own caller, in order, and the ring-outs of Bob count as his (R-ANS-4RINGS)."""
    calls = _by_caller("foreign_rules_wrandom")
    assert set(calls) == {"13600000064", "13600000065"}
    for caller, rec in calls.items():
        _check(rec, dict(dialed="466", queue="weighted", incomplete=False, transfers=[], disposition="answered",
                         agent="Alice", final_agent="Alice", ring_seconds=1.0, within_4_rings=True,
                         talk_seconds=2.0, hangup_first="agent"))
        assert [a["agent"] for a in rec["attempts"]] == _rung("foreign_rules_wrandom", caller)
    _check(calls["13600000064"], dict(wait_seconds=1.0, attempts=[("Alice", "answered")]))
    second = calls["13600000065"]
    _check(second, dict(wait_seconds=9.0, attempts=[("Bob", "no_answer"), ("Bob", "no_answer"), ("Alice", "answered")],
                        attempt_rings=[3.0, 3.0, 1.0]))
    # Bob's second ring began after Alice had hung up the first caller: she was free
    assert _stamp(second["attempts"][1]["rang_at"]) > _stamp(calls["13600000064"]["ended_at"])


def test_fewestcalls_rings_the_member_who_took_fewer() -> None:
    """foreign_rules_fewestcalls (`fewest`): the first caller rang Bob (neither had taken a call:
    the tie went to him), who answered after 1 s and talked 2 s; the second, once that call was
    over, rang Alice, who had taken fewer (none), and she answered after 1 s and talked 2 s. Each
    record names one ring: its own caller's."""
    calls = _by_caller("foreign_rules_fewestcalls")
    assert set(calls) == {"13600000066", "13600000067"}
    for caller, agent in (("13600000066", "Bob"), ("13600000067", "Alice")):
        _check(calls[caller], dict(dialed="467", queue="fewest", incomplete=False, transfers=[],
                                   disposition="answered", agent=agent, final_agent=agent, ring_seconds=1.0,
                                   within_4_rings=True, wait_seconds=1.0, talk_seconds=2.0, hangup_first="agent",
                                   attempts=[(agent, "answered")]))
        assert _rung("foreign_rules_fewestcalls", caller) == [agent]
