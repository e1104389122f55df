"""A call rebuilt from Asterisk's logs (CEL + queue_log) is the call the live listener recorded
(issue #19): the end taken from the caller's and the bridged parties' hang-ups, not an agent's
ring-out; CEL's microsecond times, not queue_log's whole seconds; the hotline's own facts
(HOTLINE_*, left in CEL by CELGenUserEvent). On the real Asterisk, whose CEL the backfill reads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.backfill import backfill_calls
from ami_listener.listen import Listener
from ami_listener.pipeline import default_members
from ami_listener.simulate import SimCall, originate
from hotline.asterisk_logs import log_paths
from hotline.callbacks import dial, mark_consultation
from hotline.db import open_db
from hotline.desk.calls import AgentCall, find
from hotline.models import Call
from hotline.pbx.process import Asterisk
from hotline.rules import ring_rule
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


def _wait(sessions, ids: set[str], timeout: float = 60) -> dict[str, Call]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            got = {c.call_id: c for c in db.scalars(select(Call).where(Call.call_id.in_(ids)))}
            for c in got.values():
                _ = [(a.agent, a.result) for a in c.attempts]  # loaded while the session is open
        if len(got) == len(ids) or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def test_backfilled_record_equals_the_live_one(pbx: Asterisk, tmp_path: Path) -> None:
    s = pbx.settings.replace(database_url=sqlite_url(tmp_path / "fidelity.db"))
    tag = time.time_ns() % 10**9
    # 8001 rings out (linear queue, 6 s member timeout), 8002 answers: the ring-out's HANGUP comes first
    rollover = SimCall(f"fid-roll-{tag}", "13700000031", "回填", 30,
                       {"8001": ("noanswer", 0, 0), "8002": ("answer", 1, 2), "8003": ("answer", 1, 2)})
    # nobody answers; the caller gives up after 4 s (queue_log ABANDON, whole seconds)
    abandon = SimCall(f"fid-abandon-{tag}", "13700000032", "回填", 4,
                      {ext: ("noanswer", 0, 0) for ext in ("8001", "8002", "8003")})
    # answered, and the caller hangs up while the agent would still talk
    caller_first = SimCall(f"fid-caller-{tag}", "13700000033", "回填", 6,
                           {ext: ("answer", 1, 30) for ext in ("8001", "8002", "8003")})
    t0 = time.time()
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        _, sessions = open_db(s)
        # The queue is linear and rings no member twice, so a call that reached the queue first would
        # take 8001 and the roll-over would start at 8002: it goes alone, the others once it is done.
        with pbx.ami() as ami:
            originate(ami, s, rollover)
        assert set(_wait(sessions, {rollover.call_id})) == {rollover.call_id}
        with pbx.ami() as ami:
            originate(ami, s, abandon)
            originate(ami, s, caller_first)
        live = _wait(sessions, {rollover.call_id, abandon.call_id, caller_first.call_id})
    finally:
        listener.stop()
    assert set(live) == {rollover.call_id, abandon.call_id, caller_first.call_id}
    time.sleep(1)  # CEL's LINKEDID_END is written as the last channel goes
    cel, qlog = log_paths(s)
    members = default_members(s)
    back = {r.call_id: r for r in backfill_calls(cel, qlog, t0, time.time(), server=s.server_id,
                                                   rules=ring_rule(s), members=members, skip=set())}
    assert set(back) >= set(live)
    for cid, row in live.items():
        rec = back[cid]
        assert rec.vars.pop("HOTLINE_SOURCE") == "backfill"
        assert (rec.disposition, rec.agent, rec.hangup_first, rec.queue, rec.incomplete) == \
            (row.disposition, row.agent, row.hangup_first, row.queue, row.incomplete)
        for name in ("started_at", "queued_at", "answered_at", "ended_at"):
            got, want = getattr(rec, name), getattr(row, name)
            assert (got is None) == (want is None), name
            if want is not None:
                assert abs(got - want.timestamp()) < 0.05, (name, got, want.timestamp())
        for name in ("wait_seconds", "ring_seconds", "talk_seconds"):
            got, want = getattr(rec, name), getattr(row, name)
            assert want is None or abs(got - want) < 0.05, (name, got, want)
        assert rec.within_4_rings == row.within_4_rings
        assert [(a.agent, a.result) for a in rec.attempts] == [(a.agent, a.result) for a in row.attempts]
        # the product facts the dialplan left in CEL (here: no IVR running, the work number played)
        facts = {k: v for k, v in row.vars.items() if k in ("HOTLINE_IVR", "HOTLINE_WORKNUM_PLAYED",
                                                          "HOTLINE_LATE_APOLOGY", "HOTLINE_SURVEY")}
        assert facts and {k: rec.vars.get(k) for k in facts} == facts
    assert live[abandon.call_id].disposition == "abandoned"
    assert (live[caller_first.call_id].disposition, live[caller_first.call_id].hangup_first) == ("answered", "caller")
    row = live[rollover.call_id]
    assert (row.disposition, row.hangup_first, row.agent) == ("answered", "agent", "8002")
    assert [(a.agent, a.result) for a in row.attempts] == [("8001", "no_answer"), ("8002", "answered")]


def _queue_leg(pbx: Asterisk, call_id: str) -> str | None:
    """The caller's channel in the queue once it is bridged with an agent (what the desk controls)."""
    with pbx.ami() as ami:
        rows = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
    return next((r["Channel"] for r in rows if r.get("Linkedid") == call_id and r.get("Application") == "Queue"
                 and r.get("BridgeId")), None)


def test_the_desks_facts_reach_the_backfill(pbx: Asterisk) -> None:
    """What the desk sets over AMI on the caller's channel (恶意呼叫, 转满意度, 强拆, the transfer's
    work number) is left in CEL as the channel goes: a call backfilled while the listener was down
    keeps it (a malicious call stays excused from R-ANS-HANGUP-LAST, the rating stays credited)."""
    s = pbx.settings
    call = SimCall(f"fid-desk-{time.time_ns() % 10**9}", "13700000034", "回填", 30,
                   {ext: ("answer", 1, 6) for ext in ("8001", "8002", "8003")})
    facts = {"HOTLINE_MALICIOUS": "8001", "HOTLINE_SURVEY_AGENT": "8001", "HOTLINE_FORCED_HANGUP": "boss",
             "HOTLINE_TRANSFER_WORKNUM": "8002"}
    t0 = time.time()
    with pbx.ami() as ami:
        originate(ami, s, call)
    deadline = time.monotonic() + 30
    while (leg := _queue_leg(pbx, call.call_id)) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leg is not None, "the call was never bridged with an agent"
    with pbx.ami() as ami:  # as hotline.desk does (controls, monitor, consult)
        for name, value in facts.items():
            ami.action("Setvar", Channel=leg, Variable=name, Value=value)
    cel, qlog = log_paths(s)
    deadline = time.monotonic() + 60
    while True:  # until the call ended and CEL has its LINKEDID_END
        back = backfill_calls(cel, qlog, t0, time.time() + 1, server=s.server_id, rules=ring_rule(s),
                              members=default_members(s), skip=set(), only={call.call_id})
        if back or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert back, "the call never ended in CEL"
    assert {k: back[0].vars.get(k) for k in facts} == facts


def _customer_leg(pbx: Asterisk, agent: str, call_id: str) -> str | None:
    """The customer's channel of a callback once bridged with the agent: the desk's "caller"."""
    with pbx.ami() as ami:
        found = find(ami, agent, call_id)
    return found.caller_channel if isinstance(found, AgentCall) else None


def _sim(agent: str, talk: float, customer: str, customer_talk: float) -> dict[str, str]:
    """What the simulated agent and customer of a callback do (see [agents] and [sim-customer])."""
    return {f"SIM_MODE_{agent}": "answer", f"SIM_RING_{agent}": "0.2", f"SIM_TALK_{agent}": str(talk),
            "__SIM_CUSTOMER": customer, "__SIM_CUSTOMER_RING": "0.5", "__SIM_CUSTOMER_TALK": str(customer_talk)}


def test_a_backfilled_callback_equals_the_live_one_with_the_desks_facts(pbx: Asterisk, db_url: str) -> None:
    """Callbacks (the agent's phone first, then the customer through [hotline-callback]) rebuilt
    from CEL: the customer's channel, on which the desk sets its facts, runs no dialplan — Dial's
    pre-dial handler gives it the hangup handler all the same, so 恶意呼叫, 转满意度, 强拆 and the
    transfer's work number survive a listener that was down; and CEL's customer channel stands
    for the Dial AMI shows, so the outcome (answered or not, the number, talk time, who hung up)
    is the live record's."""
    s = pbx.settings.replace(database_url=db_url, callback_agent_ring_s=10)
    _, sessions = open_db(s)
    facts = {"HOTLINE_MALICIOUS": "8001", "HOTLINE_SURVEY_AGENT": "8001", "HOTLINE_FORCED_HANGUP": "boss",
             "HOTLINE_TRANSFER_WORKNUM": "8002"}
    t0 = time.time()
    listener = Listener(s).start()
    try:
        assert listener.conn.connected.wait(10)
        with sessions() as db:
            talked, unanswered = (mark_consultation(db, s, n, agent=a).id
                                  for n, a in (("13900000041", "8001"), ("13900000042", "8002")))
            db.commit()
            # 8001 ends the talk (~7 s: time enough to find the customer's channel on a loaded
            # machine); 8002 gives up on a customer who never answers
            with pbx.ami() as ami:
                call_id = dial(s, db, talked, "8001", ami=ami, variables=_sim("8001", 8, "answer", 30)).call_id
                other_id = dial(s, db, unanswered, "8002", ami=ami, variables=_sim("8002", 3, "noanswer", 0)).call_id
        deadline = time.monotonic() + 30
        while (leg := _customer_leg(pbx, "8001", call_id)) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert leg is not None, "the callback never bridged the agent with the customer"
        assert "@sim-customer" in leg  # the channel Dial made, which runs no dialplan
        with pbx.ami() as ami:  # as hotline.desk does (controls, monitor, consult)
            for name, value in facts.items():
                ami.action("Setvar", Channel=leg, Variable=name, Value=value)
        live = _wait(sessions, {call_id, other_id})
    finally:
        listener.stop()
    assert set(live) == {call_id, other_id}
    cel, qlog = log_paths(s)
    deadline = time.monotonic() + 30
    while True:  # until CEL has both calls' LINKEDID_END
        back = {r.call_id: r for r in backfill_calls(cel, qlog, t0, time.time() + 1, server=s.server_id,
                                                      rules=ring_rule(s), members=default_members(s), skip=set(),
                                                      only={call_id, other_id})}
        if len(back) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(back) == {call_id, other_id}, "a callback never ended in CEL"
    for cid, row in live.items():
        rec = back[cid]
        assert (rec.direction, rec.disposition, rec.agent, rec.dialed, rec.hangup_first) == \
            (row.direction, row.disposition, row.agent, row.dialed, row.hangup_first), cid
        for name in ("started_at", "answered_at", "ended_at"):
            got, want = getattr(rec, name), getattr(row, name)
            assert (got is None) == (want is None), name
            if want is not None:
                assert abs(got - want.timestamp()) < 0.05, (name, got, want.timestamp())
        assert (rec.talk_seconds is None) == (row.talk_seconds is None)
        assert row.talk_seconds is None or abs(rec.talk_seconds - row.talk_seconds) < 0.05
        assert rec.vars.get("HOTLINE_TASK_ID") == row.vars.get("HOTLINE_TASK_ID")
    assert (live[call_id].disposition, live[call_id].dialed, live[call_id].hangup_first) == \
        ("answered", "13900000041", "agent")
    assert (live[other_id].disposition, live[other_id].dialed) == ("no_answer", "13900000042")
    assert {k: live[call_id].vars.get(k) for k in facts} == facts
    assert {k: back[call_id].vars.get(k) for k in facts} == facts  # from CEL, through the hangup handler
