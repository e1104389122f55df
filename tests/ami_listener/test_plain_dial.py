"""Calls rung with plain Dial() (no queue): who answered is an agent when the endpoint is one
(the configured agents, queue members, the ``agent_endpoints`` setting), else the endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from ami_listener.cli import joined_frames
from ami_listener.pipeline import Pipeline
from ami_listener.record import CallRecord
from hotline.settings import SettingsError, load
from tests.ami_listener.replay import CAPTURES, as_json, capture, replay_messages, replay_settings


def _record(name: str, **settings: object) -> dict:
    records = replay_messages(capture(name), replay_settings(**settings))
    assert len(records) == 1
    return as_json(next(iter(records.values())))


def test_a_ring_group_of_agents_phones_is_attributed_by_the_setting() -> None:
    rec = _record("foreign_dial_ringgroup", agents=[], agent_endpoints={"PJSIP/8001": "Alice", "PJSIP/8002": "Bob"})
    assert (rec["agent"], rec["final_agent"]) == ("Bob", "Bob")
    assert {(a["agent"], a["result"]) for a in rec["attempts"]} == {("Alice", "cancelled"), ("Bob", "answered")}


def test_an_endpoint_no_agent_owns_is_named_itself() -> None:
    rec = _record("foreign_dial_ringgroup", agents=[])
    assert rec["agent"] == "PJSIP/8002" and rec["disposition"] == "answered"
    assert {a["agent"] for a in rec["attempts"]} == {"PJSIP/8001", "PJSIP/8002"}


@pytest.mark.parametrize("cycle, rings, within", [(1.0, 2, True), (5.0, 1, True), (0.25, 5, False)])
def test_the_ring_rule_applies_to_a_plain_dial(cycle: float, rings: int, within: bool) -> None:
    # R-ANS-4RINGS on every agent ring, queue or not: 8002 rang 1.2 s
    rec = _record("foreign_dial_ringgroup", ring_cycle_s=cycle)
    assert (rec["rings"], rec["within_4_rings"]) == (rings, within)


def test_agent_endpoints_from_toml_and_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "h.toml"
    cfg.write_text('agent_endpoints = {"PJSIP/alice" = "8001", "SIP/bob" = 8002}\n', encoding="utf-8")
    assert load(config_file=cfg, env={}).agent_endpoints == {"PJSIP/alice": "8001", "SIP/bob": "8002"}
    env = {"HOTLINE_AGENT_ENDPOINTS": "PJSIP/alice=8001, PJSIP/bob=8002"}
    assert load(config_file=None, env=env).agent_endpoints == {"PJSIP/alice": "8001", "PJSIP/bob": "8002"}
    with pytest.raises(SettingsError):
        load(config_file=None, env={"HOTLINE_AGENT_ENDPOINTS": "PJSIP/alice"})


def test_queue_members_seen_in_the_stream_name_the_phones_a_plain_dial_rings() -> None:
    # one stream: a queue call (members PJSIP/8001 = Alice, PJSIP/8002 = Bob), then a ring group
    # of the same phones by plain Dial()
    records: dict[str, CallRecord] = {}
    pipe = Pipeline(replay_settings(agents=[]), None, on_call=lambda r: records.__setitem__(r.call_id, r))
    for frames in joined_frames([str(CAPTURES / "foreign_pjsip_answered.ami"),
                                 str(CAPTURES / "foreign_dial_ringgroup.ami")]):
        pipe.feed_frames(frames)
    pipe.close()
    ring_group = next(as_json(r) for r in records.values() if r.dialed == "501")
    assert ring_group["agent"] == "Bob"
    assert {(a["agent"], a["result"]) for a in ring_group["attempts"]} == {("Alice", "cancelled"), ("Bob", "answered")}


def test_a_phone_known_by_the_setting_calling_another_is_internal() -> None:
    """Direction.INTERNAL (issue #12) knows the agents' phones the way attempts do: here only by
    ``agent_endpoints``. Alice's phone's consultation call to Bob is internal; the customer's
    call stays inbound."""
    records = replay_messages(capture("foreign_refer_attended"),
                              replay_settings(agents=[], agent_endpoints={"PJSIP/8001": "Alice", "PJSIP/8002": "Bob"}))
    got = sorted((r.direction.value, r.caller_number, r.agent) for r in records.values())
    assert got == [("inbound", "13600000003", "Alice"), ("internal", "8001", "Bob")]
