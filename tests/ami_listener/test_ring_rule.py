"""R-ANS-4RINGS at both cadences: the same captures built with the China ring cycle (1 s on + 4 s
off = 5 s, so 4 rings = 20 s) and with the 1 s test cadence the captures were recorded for. The
builder must take the ring rule it is given (``hotline.rules.RingRule``): one that hard-coded the
1 s cycle (or 4 rings) fails here."""

from __future__ import annotations

import math

import pytest

from ami_listener.builder import build_call
from ami_listener.reader import file_chunks, read_messages
from ami_listener.tracker import CallTracker
from hotline.rules import RingRule
from tests.ami_listener.replay import CAPTURES, capture, replay_messages, replay_settings

CHINA = RingRule(5.0, 4)
TEST = RingRule(1.0, 4)

# capture: (ring seconds, at the 1 s cadence (rings, within), at the 5 s cadence (rings, within))
CASES = {
    "late_answer": (5.5, (6, False), (2, True)),  # late at a 1 s cycle, well within 20 s
    "quick_answer": (1.0, (1, True), (1, True)),
    "foreign_pjsip_plain_ringall": (1.5, (2, True), (1, True)),
    "ring_no_answer_rollover": (1.0, (1, True), (1, True)),
}


def _answered(name: str, **settings: object) -> dict[str, object]:
    records = replay_messages(capture(name), replay_settings().replace(**settings) if settings else None)
    (rec,) = records.values()
    return {"ring_seconds": rec.ring_seconds, "rings": rec.rings, "within_4_rings": rec.within_4_rings}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rings_and_within_follow_the_configured_cycle(name: str) -> None:
    ring, (rings_1s, within_1s), (rings_5s, within_5s) = CASES[name]
    at_1s = _answered(name)  # replay_settings: ring_cycle_s = 1.0
    at_5s = _answered(name, ring_cycle_s=5.0)
    assert at_1s["ring_seconds"] == at_5s["ring_seconds"]
    assert abs(float(at_1s["ring_seconds"]) - ring) <= 0.3  # type: ignore[arg-type]
    assert (at_1s["rings"], at_1s["within_4_rings"]) == (rings_1s, within_1s)
    assert (at_5s["rings"], at_5s["within_4_rings"]) == (rings_5s, within_5s)


def test_max_rings_is_taken_from_the_rule_too() -> None:
    # late_answer rang 5.5 s: outside 4 rings of 1 s, inside 6 of them
    assert _answered("late_answer", max_rings=6)["within_4_rings"] is True
    assert _answered("late_answer", max_rings=4)["within_4_rings"] is False


def _built(path: str, rule: RingRule) -> list:
    tracker = CallTracker()
    for msg in read_messages(file_chunks(path)):
        tracker.feed(msg)
    tracker.flush()
    return [build_call(cid, evs, server="rule", rules=rule, members=tracker.members, gap=gap)
            for cid, evs, gap in tracker.take()]


@pytest.mark.parametrize("rule", [TEST, CHINA], ids=["1s-cycle", "china-5s-cycle"])
def test_every_capture_answered_call_obeys_the_rule(rule: RingRule) -> None:
    """Every answered call of every capture: rings and within_4_rings as the rule's own numbers say
    (written out here, not asked of the rule)."""
    limit = rule.ring_cycle_s * rule.max_rings
    seen = 0
    for path in sorted(CAPTURES.rglob("*.ami")):
        for rec in _built(str(path), rule):
            if rec.ring_seconds is None:
                assert rec.rings is None and rec.within_4_rings is None
                continue
            seen += 1
            assert rec.within_4_rings is (rec.ring_seconds <= limit), (path.name, rec.ring_seconds)
            assert rec.rings == max(1, math.ceil(round(rec.ring_seconds / rule.ring_cycle_s, 2))), path.name
    assert seen >= 20


def test_the_cadences_disagree_somewhere() -> None:
    """A builder that ignored the cycle would give the same rings at both cadences."""
    by_cycle = {}
    for rule in (TEST, CHINA):
        by_cycle[rule.ring_cycle_s] = [(r.call_id, r.rings, r.within_4_rings)
                                       for p in sorted(CAPTURES.rglob("*.ami")) for r in _built(str(p), rule)]
    assert by_cycle[1.0] != by_cycle[5.0]
