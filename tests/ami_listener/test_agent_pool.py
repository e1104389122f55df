"""An app_agent_pool call centre (captures foreign_agents_*, tests/captures/foreign_agents/): the
agent's login call is the agent's session, not a call, whichever Linkedid its channel carries;
each caller the agent takes is one record of its own. The one-call captures are rows of
test_captures.EXPECTED; the head-cut replays are test_partial_and_bad_input's."""

from __future__ import annotations

from tests.ami_listener.replay import as_json, capture, replay_messages
from tests.ami_listener.test_captures import _check


def test_an_agent_who_logs_in_while_a_caller_waits_takes_it_and_the_next() -> None:
    """foreign_agents_login_while_waiting: nobody logged in, a caller joins `pool` (450) and waits;
    Alice logs in 1 s later and is connected to it once the queues see her free (her login channel
    takes that caller's Linkedid, the older one); the caller hangs up 12 s after joining. A second
    caller then joins, is connected to her at once and hangs up after 5 s; then AgentLogoff. Two
    records, one per caller: Alice's session (which by then goes by the first caller's Linkedid)
    neither swallows the second caller nor comes back as a copy of the first."""
    records = [as_json(r) for r in replay_messages(capture("foreign_agents_login_while_waiting")).values()]
    by_caller = {r["caller_number"]: r for r in records}
    assert len(records) == 2 and set(by_caller) == {"13600000081", "13600000082"}
    first, second = by_caller["13600000081"], by_caller["13600000082"]
    for rec in (first, second):
        _check(rec, dict(dialed="450", queue="pool", disposition="answered", agent="Alice", final_agent="Alice",
                         ring_seconds=0.44, hangup_first="caller", incomplete=False, attempts=[("Alice", "answered")]))
    # waited for her login (its prompt, then about 4.5 s until the queues see her free)
    _check(first, dict(wait_seconds=8.46, talk_seconds=3.52))
    _check(second, dict(wait_seconds=0.44, talk_seconds=4.54))


def test_the_tracker_keeps_nothing_once_every_capture_has_ended() -> None:
    """The listener runs for months: once every call of every capture has ended, the tracker holds
    no channel, moved channel or agent-pool entry. A bridge is forgotten at its BridgeDestroy,
    which names no channel: before, a bridge whose first call had been merged into another (a
    group pickup) stayed in the agent pool's bridge map for good."""
    from pathlib import Path

    from ami_listener.pipeline import Pipeline
    from tests.ami_listener.replay import CAPTURES, replay_settings

    pipe = Pipeline(replay_settings(), None)
    for path in sorted(Path(CAPTURES).glob("*.ami")):
        for m in capture(path.stem):
            pipe.feed(m)
    pipe.close()
    t = pipe.tracker
    pool = t.logins
    held = {"open": len(t.open), "uid_call": len(t.uid_call), "moved": len(t._moved_from),
            "logins": len(pool.channels), "serving": len(pool.serving), "bridges": len(pool._bridges)}
    assert held == dict.fromkeys(held, 0)
