"""Phones that accept a call with a key where no Local member stands in between (captures
foreign_accept_*, tests/captures/foreign_accept/, scenarios in tests/captures/accept.py): a ring
group and a hunt in plain dialplan (Dial's U() gosub, its M() macro form), and a queue of the
phones themselves whose prompt is Queue()'s gosub argument. A refusal at the prompt is the
member declining (拒接, accept_prompt.py), rung until the phone answered (R-ANS-4RINGS); an
acceptance is answered by the key. The whole replays are rows of test_captures.EXPECTED and
every head cut is test_partial_and_bad_input's; here, what those leave unsaid."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.ami_listener.replay import as_json, capture, replay_messages
from tests.ami_listener.test_captures import EXPECTED, T, _check
from tests.ami_listener.test_foreign_rules import SUPERVISOR

QUEUED = ("foreign_accept_queue_refused", "foreign_accept_queue_accepted")


def _one(msgs: list) -> dict:
    (rec,) = [as_json(r) for r in replay_messages(msgs).values()]
    return rec


def _events(name: str) -> list:
    return [m for m in capture(name) if m.kind == "event"]


def _stamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _first(events: list, name: str, channel: str, **fields: str) -> float:
    """The timestamp of the first ``name`` event on a channel of ``channel`` with ``fields``."""
    e = next(m for m in events if m.name == name and (m.get("Channel") or "").startswith(channel + "-")
             and all(m.get(k) == v for k, v in fields.items()))
    assert e.timestamp is not None
    return e.timestamp


@pytest.mark.parametrize("name,verdict", [("foreign_accept_ringgroup_abort", "ABORT"),
                                          ("foreign_accept_ringgroup_macro", "ABORT"),
                                          ("foreign_accept_hunt", "BUSY")])
def test_a_phone_refusing_at_dials_prompt_declined_rung_to_its_answer(name: str, verdict: str) -> None:
    """Dial reports the routine's verdict on Alice's phone after it answered (DialEnd ABORT, or
    BUSY for the hunt): she declined, and her ring ended when her phone answered, not at her key."""
    events = _events(name)
    dial_end = next(m for m in events if m.name == "DialEnd" and (m.get("DestChannel") or "").startswith("PJSIP/8001-"))
    assert dial_end.get("DialStatus") == verdict
    alice = _one(capture(name))["attempts"][0]
    assert (alice["agent"], alice["result"]) == ("Alice", "declined")
    up = _first(events, "Newstate", "PJSIP/8001", ChannelStateDesc="Up")
    assert abs(_stamp(alice["rang_at"]) + alice["ring_seconds"] - up) <= T
    assert dial_end.timestamp is not None and dial_end.timestamp - up > 1.0  # the prompt's time


def test_a_hunt_goes_on_to_the_phone_that_accepts() -> None:
    """foreign_accept_hunt: after Alice's refusal the dialplan dials Bob, who accepts with 1: he
    is the call's agent, answered at his key."""
    events = _events("foreign_accept_hunt")
    rec = _one(capture("foreign_accept_hunt"))
    assert (rec["agent"], rec["final_agent"], rec["disposition"]) == ("Bob", "Bob", "answered")
    assert abs(_stamp(rec["answered_at"]) - _first(events, "DTMFEnd", "PJSIP/8002")) <= T


def test_a_phone_member_hung_up_by_queues_routine_refused_and_nobody_answered() -> None:
    """foreign_accept_queue_refused: app_queue took Alice's phone as answered (DialEnd ANSWER) and
    connected the caller to it (AgentConnect) after her refusal had hung it up: no answer, no
    agent, a missed call."""
    events = _events("foreign_accept_queue_refused")
    assert [m.get("DialStatus") for m in events if m.name == "DialEnd"
            and (m.get("DestChannel") or "").startswith("PJSIP/8001-")] == ["ANSWER"]
    assert any(m.name == "AgentConnect" and m.get("MemberName") == "Alice" for m in events)
    rec = _one(capture("foreign_accept_queue_refused"))
    assert (rec["agent"], rec["answered_at"], rec["talk_seconds"], rec["disposition"]) == (None, None, None, "timeout")
    alice = rec["attempts"][0]
    assert alice["result"] == "declined"
    up = _first(events, "Newstate", "PJSIP/8001", ChannelStateDesc="Up")
    assert abs(_stamp(alice["rang_at"]) + alice["ring_seconds"] - up) <= T


def test_a_phone_member_accepting_by_queues_routine_is_answered_at_the_key() -> None:
    """foreign_accept_queue_accepted: app_queue says ANSWER when Alice's phone answers; her key
    1.5 s later takes the call and app_queue connects her: the answer is that connection."""
    events = _events("foreign_accept_queue_accepted")
    rec = _one(capture("foreign_accept_queue_accepted"))
    key = _first(events, "DTMFEnd", "PJSIP/8001")
    connect = next(m.timestamp for m in events if m.name == "AgentConnect")
    assert connect is not None and connect - _first(events, "Newstate", "PJSIP/8001", ChannelStateDesc="Up") > 1.0
    assert abs(_stamp(rec["answered_at"]) - key) <= T and abs(_stamp(rec["answered_at"]) - connect) <= T


@pytest.mark.parametrize("name", QUEUED)
def test_a_stream_opening_as_the_caller_joins_the_queue_tells_the_supervisor_all(name: str) -> None:
    """The listener came up just before the caller joined the queue: from the QueueCallerJoin on,
    the record is incomplete (its start unseen) yet says what the whole stream says, and that is
    the scenario's (test_captures.EXPECTED)."""
    msgs = capture(name)
    join = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "QueueCallerJoin")
    whole, cut = _one(msgs), _one(msgs[join:])
    assert cut["incomplete"] and not whole["incomplete"]
    assert {k: cut[k] for k in SUPERVISOR} == {k: whole[k] for k in SUPERVISOR}
    _check(cut, {k: v for k, v in EXPECTED[name].items() if k in SUPERVISOR or k == "attempt_rings"})


@pytest.mark.parametrize("name,agent", [("foreign_accept_queue_refused", None),
                                        ("foreign_accept_queue_accepted", "Alice")])
def test_a_stream_opening_at_the_phones_answer_claims_no_other_answer(name: str, agent: str | None) -> None:
    """The listener came up as Alice's phone answered (its DialEnd ANSWER the first event seen of
    her, her ring unseen): her refusal is still no answer (app_queue's AgentConnect to her gone
    channel is not one), her acceptance is still answered at her key."""
    msgs = capture(name)
    at = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "DialEnd"
              and (m.get("DestChannel") or "").startswith("PJSIP/8001-"))
    whole, cut = _one(msgs), _one(msgs[at:])
    assert cut["incomplete"]
    assert cut["agent"] == whole["agent"] == agent and cut["answered_at"] == whole["answered_at"]
    assert cut["disposition"] in (whole["disposition"], "unknown")
    if agent is not None:
        assert abs(_stamp(cut["answered_at"]) - _first(_events(name), "DTMFEnd", "PJSIP/8001")) <= T
