"""The IVR end to end on the real Asterisk: simulated callers keying into from-pstn, the FastAGI
server in-process (issue 5). Independent calls run concurrently in batches; each test then
checks its own call. Rules: R-ANS-*, R-FAULT-*, R-VIP, R-SURVEY, R-ONE-CALL."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.models.ivr import Customer, FaultReport
from hotline.outages import close_outage, open_outage
from hotline.pbx.ami import Ami, AmiRole
from hotline.rules import ring_rule
from hotline.timeutil import utcnow
from tests.ivr.conftest import IvrEnv, PlacedCall, finish, pause, place_call, prompt_seconds
from tests.support.pbx import EventTap, rate_survey

# `db`: run again on PostgreSQL by `make test-postgres`
pytestmark = [pytest.mark.asterisk, pytest.mark.db]

ACCOUNT = "12345678"


def fault_keys(env: IvrEnv) -> str:
    """A caller keying a whole report: fault report, own number, account, urban, mosaic, a short
    description ended by #, confirm. Every key falls while the IVR plays or waits for it."""
    return ("1" + pause(1) + "1" + pause(1) + ACCOUNT + "#" + pause(1) + "1" + pause(1) + "2"
            + pause(1) + "#" + pause(1.5) + "#" + pause(1) + "1")


def run_batch(env: IvrEnv, scenarios: dict[str, Callable[[EventTap], Any]]) -> dict[str, Any]:
    """Runs the scenarios' calls concurrently; an exception is kept as that scenario's result."""
    out: dict[str, Any] = {}
    with EventTap(env.settings) as tap, ThreadPoolExecutor(len(scenarios)) as pool:
        futures = {name: pool.submit(fn, tap) for name, fn in scenarios.items()}
        for name, fut in futures.items():
            try:
                out[name] = fut.result(timeout=150)
            except Exception as exc:
                out[name] = exc
    return out


def result(batch: dict[str, Any], name: str) -> Any:
    value = batch[name]
    if isinstance(value, Exception):
        raise value
    return value


def reports_of(env: IvrEnv, call_id: str) -> list[FaultReport]:
    with env.sessions() as db:
        return list(db.scalars(select(FaultReport).where(FaultReport.call_id == call_id)))


def wait_report(env: IvrEnv, call_id: str, pred: Callable[[FaultReport], bool], timeout: float = 5) -> FaultReport:
    """The IVR writes behind the caller's keys: give the last write a moment to land."""
    deadline = time.monotonic() + timeout
    while True:
        reps = reports_of(env, call_id)
        if reps and pred(reps[0]):
            return reps[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"report of {call_id} not as expected: {[vars(r) for r in reps]}")
        time.sleep(0.1)


def add_customer(env: IvrEnv, phone: str, **kw: Any) -> None:
    with env.sessions.begin() as db:
        db.add(Customer(phone=phone, created_at=utcnow(), **kw))


# --- in service hours: one concurrent batch --------------------------------------------------

@pytest.fixture(scope="module")
def in_hours(ivr_env: IvrEnv) -> dict[str, Any]:
    env = ivr_env
    env.clock.set_local(10, 0)  # R-ANS-HOURS: staffed
    s = env.settings
    add_customer(env, "13800000104", name="停电用户", area="east")
    with env.sessions.begin() as db:
        outage_id = open_outage(db, "east", "power", note="test", started_at=env.clock() - timedelta(hours=1)).id
        # an outage that is over is not announced
        over = open_outage(db, "east", "headend", started_at=env.clock() - timedelta(hours=3))
        close_outage(db, over.id, ended_at=env.clock() - timedelta(hours=2))

    def full_report(tap: EventTap) -> PlacedCall:
        return finish(tap, place_call(s, "13800000101", fault_keys(env), stay=60))

    def hangs_up(tap: EventTap) -> PlacedCall:
        # R-ONE-CALL: leaves during the area question, after contact and account
        keys = "1" + pause(1) + "1" + pause(1) + "55500012#"
        return finish(tap, place_call(s, "13800000102", keys, stay=1.5))

    def invalid_keys(tap: EventTap) -> PlacedCall:
        keys = "9" + pause(1) + "*" + pause(1) + "7"
        return finish(tap, place_call(s, "13800000103", keys, stay=12, __SIM_RING="1", __SIM_TALK="2"))

    def outage(tap: EventTap) -> PlacedCall:
        # R-FAULT-OUTAGE: the notice is heard in full, then the menu (0: agent)
        heard = prompt_seconds(s, "welcome", "outage_prefix", "outage_cause_power", "outage_apology")
        call = place_call(s, "13800000104", pause(heard + 1.5) + "0", stay=10, __SIM_RING="1", __SIM_TALK="1")
        return finish(tap, call)

    def no_keys(tap: EventTap) -> PlacedCall:
        return finish(tap, place_call(s, "13800000105", "", stay=70, __SIM_RING="1", __SIM_TALK="1"), 120)

    def keys_over_apology(tap: EventTap) -> PlacedCall:
        # another contact number keyed too short, the account as "*": each time the right number
        # is keyed from 1 s into the 4 s "请重新输入" apology, its first key stopping it
        keys = ("1" + pause(1) + "2" + pause(1) + "123#" + pause(1) + "13900000109#" + pause(1) + "*#" + pause(1)
                + ACCOUNT + "#" + pause(1) + "1" + pause(1) + "2" + pause(1) + "#" + pause(1.5) + "#" + pause(1) + "1")
        return finish(tap, place_call(s, "13800000109", keys, stay=75))

    def survey(tap: EventTap) -> PlacedCall:
        # R-SURVEY: the agent sends the caller to the survey; the caller presses 2
        call = place_call(s, "13800000108", "0", stay=40, __SIM_RING="1", __SIM_TALK="30")
        tap.wait_for(lambda m: m.name == "AgentConnect" and m.get("Linkedid") == call.call_id, 30)
        ivr_side = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.ivr_channel_id, 5)
        with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
            ami.action("Redirect", Channel=ivr_side.get("Channel"), Context="hotline-survey", Exten="s", Priority=1)
            rate_survey(tap, ami, _caller_channel(tap, call), call.call_id, "2")
        return finish(tap, call)

    batch = run_batch(env, {"full_report": full_report, "hangs_up": hangs_up, "invalid_keys": invalid_keys,
                            "outage": outage, "no_keys": no_keys, "survey": survey,
                            "keys_over_apology": keys_over_apology})
    batch["outage_id"] = outage_id
    return batch


def _caller_channel(tap: EventTap, call: PlacedCall) -> str:
    msg = tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Uniqueid") == call.call_id, 5)
    return msg.get("Channel")


def test_fault_report_row_due_times_and_ticket_read_back(ivr_env: IvrEnv, in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "full_report")
    assert call.path() == [
        ("greeting", "1", "ok"), ("menu", "1", "ok"), ("fault.contact", "1", "ok"),
        ("fault.account", ACCOUNT, "ok"), ("fault.area", "1", "ok"), ("fault.type", "2", "ok"),
        ("fault.describe", "#", "ok"), ("fault.confirm", "1", "ok"), ("fault.ticket", call.path()[-1][1], "ok"),
    ], call.path()
    rep = wait_report(ivr_env, call.call_id, lambda r: r.status == "open")
    assert (rep.caller, rep.contact, rep.account, rep.area, rep.fault_type) == (
        "13800000101", "13800000101", ACCOUNT, "urban", "mosaic")
    assert rep.server == ivr_env.settings.server_id and not rep.out_of_hours
    # R-FAULT-SLA: urban, reported at 10:00 → arrive within 30 min, small fault fixed within 1 h
    assert rep.arrive_by - rep.created_at == timedelta(minutes=30)
    assert rep.fix_by - rep.created_at == timedelta(minutes=60)
    assert rep.recording and rep.recording.endswith(".wav")
    assert Path(rep.recording).is_file(), "Asterisk wrote the description where the row says"
    v = call.vars()
    # the ticket read back (SAY DIGITS, then the step trace) is the report's
    assert call.path()[-1][1] == rep.ticket == v["HOTLINE_FAULT_TICKET"]
    assert v["HOTLINE_IVR"] == "done" and v["HOTLINE_NEXT"] == "hangup"
    assert v["HOTLINE_FAULT_AREA"] == "urban" and v["HOTLINE_FAULT_ACCOUNT"] == ACCOUNT
    assert not call.named("QueueCallerJoin"), "a finished report is not queued"


def test_numbers_keyed_over_the_apology_are_stored_whole(ivr_env: IvrEnv, in_hours: dict[str, Any]) -> None:
    """Digits pressed over "对不起，您的输入有误，请重新输入" start the number asked again (the Read
    that plays the apology and the question collects the rest): none is lost, on the real Asterisk."""
    call = result(in_hours, "keys_over_apology")
    assert call.path()[2:7] == [
        ("fault.contact", "2", "ok"), ("fault.contact", "123", "invalid"), ("fault.contact", "13900000109", "ok"),
        ("fault.account", "*", "invalid"), ("fault.account", ACCOUNT, "ok"),
    ], call.path()
    rep = wait_report(ivr_env, call.call_id, lambda r: r.status == "open")
    assert (rep.contact, rep.account) == ("13900000109", ACCOUNT)


def test_hang_up_mid_report_leaves_partial_report(ivr_env: IvrEnv, in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "hangs_up")
    rep = wait_report(ivr_env, call.call_id, lambda r: r.account is not None)
    assert rep.status == "incomplete"  # R-ONE-CALL: a callback is due
    assert (rep.contact, rep.account, rep.area, rep.last_step) == ("13800000102", "55500012", None, "account")
    assert rep.ticket and rep.created_at is not None
    assert "HOTLINE_FAULT_TICKET" not in call.vars()
    assert not call.named("QueueCallerJoin")


def test_invalid_keys_reprompt_three_times_then_agent(in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "invalid_keys")
    assert call.path() == [("greeting", "9", "ok"), ("menu", "9", "invalid"), ("menu", "*", "invalid"),
                           ("menu", "7", "invalid"), ("queue", "", "ok")], call.path()
    v = call.vars()
    assert v["HOTLINE_MENU"] == "none" and v["HOTLINE_NEXT"] == "queue"
    assert call.named("QueueCallerJoin") and call.named("AgentConnect")
    # R-ANS-GREET: the agent's work number was played to the caller; answered fast: no apology
    assert v.get("HOTLINE_WORKNUM_PLAYED") == "1"
    assert "HOTLINE_LATE_APOLOGY" not in v


def test_no_key_reprompts_then_agent(in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "no_keys")
    assert call.path() == [("greeting", "", "ok"), ("menu", "", "timeout"), ("menu", "", "timeout"),
                           ("menu", "", "timeout"), ("queue", "", "ok")], call.path()
    assert call.named("QueueCallerJoin"), "never hang up on a caller: to an agent"


def test_known_outage_is_announced_with_cause(in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "outage")
    assert call.path()[:4] == [("greeting", "", "ok"), ("outage", "power", "ok"), ("menu", "0", "ok"),
                               ("queue", "", "ok")], call.path()
    assert call.vars()["HOTLINE_OUTAGE"] == str(in_hours["outage_id"])
    assert call.named("QueueCallerJoin")


def test_survey_rating_stored_on_call(in_hours: dict[str, Any]) -> None:
    call = result(in_hours, "survey")
    assert ("survey", "2", "ok") in call.path(), call.path()
    assert call.vars()["HOTLINE_SURVEY"] == "2"


# --- out of hours ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def out_of_hours(ivr_env: IvrEnv, in_hours: dict[str, Any]) -> dict[str, Any]:
    env = ivr_env
    env.clock.set_local(23, 0)  # R-ANS-HOURS: 08:00–22:00 staffed
    s = env.settings
    batch = run_batch(env, {
        "fault": lambda tap: finish(tap, place_call(s, "13800000106", fault_keys(env), stay=60)),
        "consult": lambda tap: finish(tap, place_call(s, "13800000107", "2", stay=40)),
    })
    env.clock.set_local(10, 0)
    return batch


def test_out_of_hours_fault_report_still_taken(ivr_env: IvrEnv, out_of_hours: dict[str, Any]) -> None:
    call = result(out_of_hours, "fault")
    rep = wait_report(ivr_env, call.call_id, lambda r: r.status == "open")
    assert rep.out_of_hours and rep.area == "urban"
    # R-FAULT-SLA: after the 21:00 cutoff the clock starts at the next opening (08:00 + 30 min / 1 h)
    tz = ivr_env.clock.tz
    created = rep.created_at.astimezone(tz)
    next_open = (created + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    assert rep.arrive_by.astimezone(tz) == next_open + timedelta(minutes=30)
    assert rep.fix_by.astimezone(tz) == next_open + timedelta(minutes=60)
    assert call.vars()["HOTLINE_OUT_OF_HOURS"] == "1"
    assert not call.named("QueueCallerJoin")


def test_out_of_hours_other_choices_get_notice_and_callback(out_of_hours: dict[str, Any]) -> None:
    call = result(out_of_hours, "consult")
    assert call.path() == [("greeting", "2", "ok"), ("out_of_hours", "2", "ok"), ("menu", "2", "ok"),
                           ("callback", "", "ok")], call.path()
    v = call.vars()
    assert v["HOTLINE_CALLBACK"] == "1" and v["HOTLINE_NEXT"] == "hangup"
    assert not call.named("QueueCallerJoin"), "nothing is queued out of hours"


# --- VIP priority (pauses the queue: runs on its own) -------------------------------------------

def test_vip_answered_first_with_late_apology(ivr_env: IvrEnv, out_of_hours: dict[str, Any]) -> None:
    env = ivr_env
    s = env.settings
    env.clock.set_local(10, 0)
    add_customer(env, "13900000002", name="VIP", vip=True)
    members = [f"Local/{ext}@agents/n" for ext in s.agents]
    with EventTap(s) as tap, Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        for m in members:
            ami.action("QueuePause", Queue=s.queue_name, Interface=m, Paused="true")
        try:
            plain = place_call(s, "13900000001", "0", stay=30, __SIM_RING="1", __SIM_TALK="1")
            time.sleep(0.7)
            vip = place_call(s, "13900000002", "0", stay=30, __SIM_RING="1", __SIM_TALK="1")
            joins = {}
            for c in (plain, vip):
                joins[c.call_id] = tap.wait_for(lambda m, c=c: m.name == "QueueCallerJoin"
                                                and m.get("Linkedid") == c.call_id, 30)
            time.sleep(ring_rule(s).threshold_s)  # both wait past 4 rings
            ami.action("QueuePause", Queue=s.queue_name, Interface=members[0], Paused="false")
            first = tap.wait_for(
                lambda m: m.name == "AgentConnect" and m.get("Linkedid") in (plain.call_id, vip.call_id), 30)
        finally:
            for m in members:
                ami.action("QueuePause", Queue=s.queue_name, Interface=m, Paused="false")
        finish(tap, plain)
        finish(tap, vip)
    assert first.get("Linkedid") == vip.call_id, "R-VIP: the VIP caller is answered first"
    assert joins[vip.call_id].get("Position") == "1"
    assert vip.vars()["HOTLINE_VIP"] == "1" and "HOTLINE_VIP" not in plain.vars()
    # R-ANS-LATE-APOLOGY + R-ANS-GREET, played by the dialplan as the agent answers
    assert vip.vars().get("HOTLINE_LATE_APOLOGY") == "1"
    assert vip.vars().get("HOTLINE_WORKNUM_PLAYED") == "1"
