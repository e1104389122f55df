"""The builder's hold facts (ami_listener/holds.py): a real call's events (captures
foreign_hold_resume, foreign_local_members, foreign_atxfer_consult_back), edited to each case."""

from __future__ import annotations

from collections.abc import Callable

from ami_listener.builder import build_call
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from ami_listener.tracker import CallTracker
from hotline.rules import RingRule
from tests.ami_listener.replay import capture

AGENT = "PJSIP/8001-00000000"  # Alice's phone in foreign_hold_resume: Hold at +2.545, Unhold at +5.548
CALLER = "Local/430@inbound-00000000;2"


def _call(name: str) -> tuple[str, list[Message], dict[str, str]]:
    tracker = CallTracker()
    for m in capture(name):
        tracker.feed(m)
    tracker.flush()
    ((cid, events, _gap),) = [c for c in tracker.take() if c[0].startswith("cap-")]
    return cid, [e.full() for e in events], tracker.members


def _build(name: str, edit: Callable[[list[Message]], list[Message]] = list, gap: bool = False) -> CallRecord:
    cid, events, members = _call(name)
    return build_call(cid, edit(events), server="t", rules=RingRule(1.0, 4), members=members, gap=gap)


def _like(e: Message, name: str, at: float, channel: str | None = None) -> Message:
    """``e`` (a Hold or Unhold) as event ``name`` at ``at``, on ``channel``."""
    headers = {**e.headers, "Event": name, "Timestamp": f"{at:.6f}"}
    if channel is not None:
        headers["Channel"] = channel
    return Message(headers, b"")


def _hold(events: list[Message]) -> Message:
    return next(e for e in events if e.name == "Hold")


def _insert(events: list[Message], *new: Message) -> list[Message]:
    return sorted([*events, *new], key=lambda e: e.timestamp or 0.0)


def test_one_hold_is_inside_talk() -> None:
    rec = _build("foreign_hold_resume")
    assert (rec.holds, round(rec.hold_seconds or 0, 3)) == (1, 3.004)
    assert rec.talk_seconds is not None and rec.talk_seconds > rec.hold_seconds + 3.0  # talk keeps the hold


def test_two_holds_add_up() -> None:
    def second(evs: list[Message]) -> list[Message]:
        h = _hold(evs)
        t = h.timestamp or 0.0
        return _insert(evs, _like(h, "Hold", t + 3.5), _like(h, "Unhold", t + 4.0))
    rec = _build("foreign_hold_resume", second)
    assert rec.holds == 2 and abs((rec.hold_seconds or 0) - 3.504) < 0.001


def test_a_repeated_hold_is_the_same_hold() -> None:
    def again(evs: list[Message]) -> list[Message]:
        return _insert(evs, _like(_hold(evs), "Hold", (_hold(evs).timestamp or 0.0) + 1.0))
    rec = _build("foreign_hold_resume", again)
    assert rec.holds == 1 and abs((rec.hold_seconds or 0) - 3.004) < 0.001


def test_a_hold_open_at_the_hang_up_ends_there() -> None:
    rec = _build("foreign_hold_resume", lambda evs: [e for e in evs if e.name != "Unhold"])
    hung = 1796529516.741  # the agent's hang-up: 5.007 s after the Hold
    assert rec.holds == 1 and abs((rec.hold_seconds or 0) - (hung - 1796529511.736)) < 0.02


def test_the_callers_own_hold_and_a_hold_before_the_answer_are_not_the_agents() -> None:
    def callers(evs: list[Message]) -> list[Message]:
        return [_like(e, e.name, e.timestamp or 0.0, CALLER) if e.name in ("Hold", "Unhold") else e for e in evs]

    def before_bridge(evs: list[Message]) -> list[Message]:
        at = next(e.timestamp or 0.0 for e in evs if e.name == "BridgeEnter") - 0.01
        kept = [e for e in evs if e.name not in ("Hold", "Unhold")]
        return _insert(kept, _like(_hold(evs), "Hold", at), _like(_hold(evs), "Unhold", at + 0.005))
    own = _build("foreign_hold_resume", callers)
    assert (own.holds, own.hold_seconds) == (0, 0.0)
    assert _build("foreign_hold_resume", before_bridge).holds == 0


def test_a_local_members_phone_holds_through_its_local_channel() -> None:
    """foreign_local_members: Bob's phone (PJSIP/8002-…) is bridged with Local/8002@ops-members ;2,
    whose ;1 twin is in the caller's bridge."""
    def held(evs: list[Message]) -> list[Message]:
        phone = next(e for e in evs if e.name == "BridgeEnter" and (e.get("Channel") or "").startswith("PJSIP/8002"))
        t = (phone.timestamp or 0.0) + 1.0
        return _insert(evs, _like(phone, "Hold", t), _like(phone, "Unhold", t + 2.0))
    assert _build("foreign_local_members").holds == 0
    rec = _build("foreign_local_members", held)
    assert rec.holds == 1 and abs((rec.hold_seconds or 0) - 2.0) < 0.001


def test_a_consulted_agent_holding_the_consulting_one_is_no_hold_of_the_callers() -> None:
    """foreign_atxfer_consult_back: while Alice consults Bob (the caller held), Bob's phone holds Alice."""
    def bob_holds(evs: list[Message]) -> list[Message]:
        bob = next(e for e in evs if e.name == "BridgeEnter" and (e.get("Channel") or "").startswith("PJSIP/8002"))
        t = (bob.timestamp or 0.0) + 0.5
        return _insert(evs, _like(bob, "Hold", t), _like(bob, "Unhold", t + 1.0))
    plain, edited = _build("foreign_atxfer_consult_back"), _build("foreign_atxfer_consult_back", bob_holds)
    assert plain.holds == edited.holds == 1 and plain.hold_seconds == edited.hold_seconds


def test_what_the_events_do_not_prove_is_unknown() -> None:
    # an AMI gap during the call: a hold may have been in it; the talk the bridges show is kept
    gap = _build("foreign_hold_resume", gap=True)
    assert gap.incomplete and gap.holds is None and gap.hold_seconds is None and gap.talk_seconds is not None
    # the stream stopped during the hold: neither its end nor what followed is known

    def cut(evs: list[Message]) -> list[Message]:
        return evs[:evs.index(_hold(evs)) + 1]
    tail = _build("foreign_hold_resume", cut)
    assert tail.incomplete and tail.holds is None and tail.hold_seconds is None


def test_a_stream_without_times_gives_no_seconds() -> None:
    def untimed(evs: list[Message]) -> list[Message]:
        return [Message({k: v for k, v in e.headers.items() if k != "Timestamp"}, b"") for e in evs]
    rec = _build("foreign_hold_resume", untimed)
    assert rec.hold_seconds is None and rec.talk_seconds is None
