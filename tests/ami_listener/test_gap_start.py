"""An answered call whose start fell in an AMI gap: what its tail proves is kept, the record is
marked incomplete, and nothing is guessed (issue #12)."""

from __future__ import annotations

from ami_listener.reader import Message
from tests.ami_listener.replay import as_json, capture, replay_messages


def _from(msgs: list[Message], name: str, nth: int = 0) -> list[Message]:
    at = [i for i, m in enumerate(msgs) if m.name == name][nth]
    return msgs[at + 1:]


def test_a_queue_call_seen_from_after_its_answer_keeps_who_answered() -> None:
    # the stream begins just after AgentConnect: AgentComplete still names the agent
    rec = as_json(next(iter(replay_messages(_from(capture("quick_answer"), "AgentConnect")).values())))
    assert rec["incomplete"] and rec["disposition"] == "answered" and rec["agent"] == "8001"
    assert rec["answered_at"] is None and rec["ring_seconds"] is None and rec["within_4_rings"] is None


def test_a_plain_dial_seen_from_after_its_ring_began_is_not_guessed() -> None:
    # no queue event: nothing proves the call came in rather than went out (a click-to-dial also
    # rings a phone by Dial()), so no agent is claimed; that the call's first channel left a
    # bridge it shared proves someone answered it
    cut = _from(capture("foreign_dial_answered"), "DialBegin", nth=1)  # the ring to 8001 not seen
    rec = as_json(next(iter(replay_messages(cut).values())))
    assert rec["incomplete"] and rec["direction"] == "unknown" and rec["disposition"] == "answered"
    assert rec["agent"] is None and rec["attempts"] == [] and rec["answered_at"] is None


def test_a_call_seen_only_by_its_bridge_leave_and_hangups_is_answered() -> None:
    """What an AMI gap leaves of an answered call (foreign_dial_answered): 8001 leaving the bridge,
    then the caller's own channel (its Uniqueid the Linkedid), and the hang-ups: the caller shared
    a bridge, someone answered. The same leaves from a holding bridge (a parking lot), or the
    caller's leave alone (it left nobody behind, and 8001's leave was not seen), prove nothing."""
    msgs = capture("foreign_dial_answered")
    leave = next(i for i, m in enumerate(msgs) if m.name == "BridgeLeave")
    tail = msgs[leave:]

    def disposition(stream: list[Message]) -> str:
        (rec,) = [as_json(r) for r in replay_messages(stream).values()]
        assert rec["incomplete"] and rec["agent"] is None and rec["answered_at"] is None
        return rec["disposition"]

    assert disposition(tail) == "answered"
    held = [Message({**m.headers, "BridgeTechnology": "holding_bridge", "BridgeType": "parking"}, b"")
            if m.name == "BridgeLeave" else m for m in tail]
    assert disposition(held) == "unknown"
    assert disposition(tail[1:]) == "unknown"
