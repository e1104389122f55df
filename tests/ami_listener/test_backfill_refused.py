"""A caller the queue refused at the join, missed by the listener, is rebuilt from Asterisk's logs
as refused (`queue_full`, `no_agent`), its queue named: queue_log writes no line for such a caller,
so our dialplan leaves Queue()'s QUEUESTATUS in CEL (asterisk/extensions.conf [hotline-queue]).
On a real Asterisk given an operator's limits (tests/captures/own_limits: maxlen = 1, joinempty = no),
no listener running: the backfill is all there is."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ami_listener.backfill import backfill_calls
from ami_listener.pipeline import default_members
from ami_listener.record import CallRecord
from ami_listener.simulate import SimCall, originate
from hotline.asterisk_logs import log_paths
from hotline.pbx.process import Asterisk
from hotline.rules import ring_rule
from tests.captures.record import overlaid_asterisk

pytestmark = pytest.mark.asterisk


@pytest.fixture(scope="module")
def limited() -> Iterator[Asterisk]:
    with overlaid_asterisk("own_limits", "refused", ["8001", "8002"]) as ast:
        yield ast


def _backfilled(pbx: Asterisk, t0: float, ids: set[str], timeout: float = 60) -> dict[str, CallRecord]:
    """The calls rebuilt from CEL + queue_log, once every one of them has ended there."""
    s = pbx.settings
    cel, qlog = log_paths(s)
    deadline = time.monotonic() + timeout
    while True:
        back = {r.call_id: r for r in backfill_calls(cel, qlog, t0, time.time() + 1, server=s.server_id,
                                                       rules=ring_rule(s), members=default_members(s),
                                                       skip=set(), only=ids)}
        if set(back) == ids or time.monotonic() > deadline:
            return back
        time.sleep(0.5)


def _members_paused(pbx: Asterisk, paused: bool) -> None:
    with pbx.ami() as ami:
        for ext in pbx.settings.agents:
            ami.action("QueuePause", Queue=pbx.settings.queue_name, Interface=f"Local/{ext}@agents/n",
                       Paused="true" if paused else "false", Reason="break")


def test_refused_callers_are_rebuilt_as_refused(limited: Asterisk) -> None:
    s = limited.settings
    tag = time.time_ns() % 10**9
    nobody = {ext: ("noanswer", 0, 0) for ext in s.agents}
    waiting = SimCall(f"ref-wait-{tag}", "13700000041", "等待", 4, nobody)  # holds the queue's one place
    full = SimCall(f"ref-full-{tag}", "13700000042", "满员", 20, nobody)  # maxlen 1: refused, FULL
    empty = SimCall(f"ref-empty-{tag}", "13700000043", "无人", 20, nobody)  # all paused: JOINEMPTY
    t0 = time.time()
    with limited.ami() as ami:
        originate(ami, s, waiting)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the first caller in the queue before the second comes
        with limited.ami() as ami:
            rows = ami.list_action("QueueStatus", "QueueStatusComplete", Queue=s.queue_name)
        if any(r.get("Event") == "QueueEntry" for r in rows):
            break
        time.sleep(0.2)
    with limited.ami() as ami:
        originate(ami, s, full)
    back = _backfilled(limited, t0, {waiting.call_id, full.call_id})
    _members_paused(limited, True)
    try:
        with limited.ami() as ami:
            originate(ami, s, empty)
        back |= _backfilled(limited, t0, {empty.call_id})
    finally:
        _members_paused(limited, False)
    got = {cid: (r.disposition, r.queue) for cid, r in back.items()}
    assert got == {waiting.call_id: ("abandoned", s.queue_name), full.call_id: ("queue_full", s.queue_name),
                   empty.call_id: ("no_agent", s.queue_name)}
    assert all(r.vars.get("HOTLINE_SOURCE") == "backfill" for r in back.values())
