"""R-ONE-CALL: a caller with an open fault report hears its ticket and where it stands after the
greeting, then 1 hears it again, 0 urges it and queues with the ticket on the call, anything
else goes on to the menu. Against a scripted AGI peer (no Asterisk), as tests/ivr/test_server.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.field.standing import Stage, latest_open, open_report_count
from hotline.models.field import WorkOrder, WorkOrderEvent
from hotline.models.ivr import FaultReport
from ivr.fakepeer import PeerResult, PeerScript, run_peer
from ivr.server import ServerThread
from tests.ivr.test_server import TEN_AM, drain, serving

CALLER = "13800000077"
GREETING = ("hotline/welcome",)  # the caller listens to it: no key pressed over it


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    with serving(tmp_path, ivr_db_timeout_s=2.0) as got:
        yield got


def call(s: Any, th: ServerThread, keys: list[str], hangup_after: int | None = None,
         caller: str = CALLER) -> PeerResult:
    script = PeerScript(caller=caller, keys=keys, linkedid="repeat-1", listens=GREETING, hangup_after=hangup_after)
    res = asyncio.run(run_peer(s.agi_host, s.agi_port, script, uniqueid="17100.1"))
    drain(th)  # the writes that trail the session (the caller never waits on them)
    return res


def report(sessions: Any, ticket: str, status: str = "open", order: str | None = None, ago_h: int = 1,
           caller: str = CALLER, contact: str | None = None) -> int:
    at = TEN_AM - timedelta(hours=ago_h)
    with sessions.begin() as db:
        rep = FaultReport(server="t", call_id=f"old-{ticket}", caller=caller, contact=contact, status=status,
                          ticket=ticket, area="urban", created_at=at, updated_at=at)
        db.add(rep)
        db.flush()
        if order is not None:
            db.add(WorkOrder(fault_report_id=rep.id, ticket=ticket, area="urban", status=order, reported_at=at,
                             arrive_by=at + timedelta(minutes=30), fix_by=at + timedelta(hours=4),
                             created_at=at, updated_at=at))
        return int(rep.id)


def played(res: PeerResult) -> list[str]:
    """The prompts and digits the caller heard, in order."""
    out = []
    for c in res.commands:
        if c.startswith(("STREAM FILE", "GET DATA", "SAY DIGITS")):
            out.append(c.split('"')[1])
    return out


def urges(sessions: Any) -> list[WorkOrderEvent]:
    with sessions() as db:
        return list(db.scalars(select(WorkOrderEvent).where(WorkOrderEvent.action == "urged")))


@pytest.mark.parametrize(("order", "stage"), [
    (None, Stage.ARRANGING), ("unassigned", Stage.ARRANGING), ("cannot_fix", Stage.ARRANGING),
    ("dispatched", Stage.DISPATCHED), ("accepted", Stage.DISPATCHED), ("arrived", Stage.DISPATCHED),
    ("booked", Stage.BOOKED), ("outage", Stage.OUTAGE),
])
def test_the_latest_open_report_is_told_before_the_menu(served: Any, order: str | None, stage: Stage) -> None:
    s, th, sessions = served
    report(sessions, "000101", order="dispatched", ago_h=30)  # an older open one: not the one told
    report(sessions, "000102", order=order)
    res = call(s, th, ["", "2"])  # no key after the status, then 2 (consultation) in the menu
    assert played(res)[:6] == ["hotline/welcome", "hotline/repair_status_ticket", "000102",
                               f"hotline/repair_status_{stage}", "hotline/repair_status_keys", "hotline/menu"]
    v = res.variables
    assert (v["HOTLINE_STATUS_TICKET"], v["HOTLINE_OPEN_MATTERS"], v["HOTLINE_MENU"]) == ("000102", "2", "consult")
    assert any(c.startswith('EXEC "UserEvent" "HotlineIvr,Step: repair_status,Digits: 000102') for c in res.commands)
    assert not urges(sessions)


def test_no_open_report_leaves_the_path_unchanged(served: Any) -> None:
    s, th, sessions = served
    report(sessions, "000201", status="closed", order="fixed")  # repaired
    report(sessions, "000202", status="incomplete")  # never confirmed: counted open, but no ticket was read back
    res = call(s, th, ["2"])
    assert played(res)[:2] == ["hotline/welcome", "hotline/menu"]
    assert "HOTLINE_STATUS_TICKET" not in res.variables and res.variables["HOTLINE_OPEN_MATTERS"] == "1"
    with sessions() as db:
        assert latest_open(db, s, CALLER) is None and open_report_count(db, s, CALLER) == 1


@pytest.mark.parametrize(("filed_from", "calling_from"), [
    ("13900000109", "+8613900000109"), ("13900000109", "008613900000109"), ("13900000109", "013900000109"),
    ("+8613900000109", "13900000109"), ("01088888888", "1088888888"), ("1088888888", "+861088888888"),
])
def test_the_report_is_found_whatever_form_the_trunk_gives(served: Any, filed_from: str, calling_from: str) -> None:
    """R-ONE-CALL: trunks give one number in several forms; the report filed from one form is told
    to a call from another (they meet through hotline.callbacks.numbers.normalise)."""
    s, th, sessions = served
    report(sessions, "000151", order="dispatched", caller=filed_from)
    res = call(s, th, ["", "2"], caller=calling_from)
    assert played(res)[:4] == ["hotline/welcome", "hotline/repair_status_ticket", "000151",
                               "hotline/repair_status_dispatched"]
    assert res.variables["HOTLINE_OPEN_MATTERS"] == "1"


@pytest.mark.parametrize(("filed_from", "calling_from"), [
    ("66001234", "+861066001234"), ("66001234", "01066001234"), ("01066001234", "66001234"),
])
def test_a_local_landline_without_its_area_code_is_the_same_number(tmp_path: Path, filed_from: str,
                                                                   calling_from: str) -> None:
    """R-ONE-CALL: a trunk gives Beijing landlines as 8 digits; with local_area_code 010 the report
    filed from one form is told to a call from the other."""
    with serving(tmp_path, ivr_db_timeout_s=2.0, local_area_code="010") as (s, th, sessions):
        report(sessions, "000155", order="dispatched", caller=filed_from)
        res = call(s, th, ["", "2"], caller=calling_from)
    assert played(res)[:4] == ["hotline/welcome", "hotline/repair_status_ticket", "000155",
                               "hotline/repair_status_dispatched"]
    assert res.variables["HOTLINE_OPEN_MATTERS"] == "1"


def test_a_caller_calling_from_the_contact_number_they_gave_hears_their_report(served: Any) -> None:
    """R-ONE-CALL: the report was filed from a landline with a mobile given to be called back on;
    the customer now calls from that mobile (the trunk giving it as +86…): the same customer, the
    same open matter (hotline.field.standing.filed_by, which the desk's pop shares)."""
    s, th, sessions = served
    report(sessions, "000157", order="booked", caller="01088880157", contact="13900000157")
    res = call(s, th, ["", "2"], caller="+8613900000157")
    assert played(res)[:4] == ["hotline/welcome", "hotline/repair_status_ticket", "000157",
                               "hotline/repair_status_booked"]
    assert res.variables["HOTLINE_OPEN_MATTERS"] == "1"


def test_a_withheld_caller_hears_no_report(served: Any) -> None:
    """A withheld caller id is no number: another withheld caller's report is not theirs."""
    s, th, sessions = served
    report(sessions, "000162", order="dispatched", caller="anonymous")  # stored as the call gave it
    res = call(s, th, ["2"], caller="anonymous")
    assert played(res)[:2] == ["hotline/welcome", "hotline/menu"]
    assert "HOTLINE_STATUS_TICKET" not in res.variables


def test_zero_urges_the_report_and_queues_with_its_ticket(served: Any) -> None:
    s, th, sessions = served
    rid = report(sessions, "000301", order="accepted")
    res = call(s, th, ["0"])
    assert "hotline/menu" not in played(res)
    v = res.variables
    assert (v["HOTLINE_NEXT"], v["HOTLINE_MENU"], v["HOTLINE_STATUS_TICKET"]) == ("queue", "agent", "000301")
    [ev] = urges(sessions)
    assert (ev.actor, ev.detail) == ("caller", {"report": rid})


def test_one_hears_it_again_once_then_the_menu(served: Any) -> None:
    s, th, sessions = served
    report(sessions, "000401", order="booked")
    res = call(s, th, ["1", "1", "3"])  # again, again (not offered a third time), 3 complaint
    heard = played(res)
    assert heard.count("hotline/repair_status_ticket") == 2 and heard.count("hotline/repair_status_booked") == 2
    assert res.variables["HOTLINE_MENU"] == "complaint" and not urges(sessions)


def test_one_then_zero_urges(served: Any) -> None:
    s, th, sessions = served
    report(sessions, "000501", order="dispatched")
    res = call(s, th, ["1", "0"])
    assert played(res).count("hotline/repair_status_ticket") == 2
    assert res.variables["HOTLINE_NEXT"] == "queue" and len(urges(sessions)) == 1


@pytest.mark.parametrize(("hangup_after", "urged"), [
    (7, False), (8, False), (9, False),  # the ticket prompt, its digits, the stage cut (the 8th…10th command)
    (12, False),  # the key wait cut
    (13, True),  # 0 pressed, the hang-up meets its trace: the urge is noted all the same
])
def test_a_hang_up_while_the_status_plays_loses_nothing(served: Any, hangup_after: int, urged: bool) -> None:
    s, th, sessions = served
    rid = report(sessions, "000601", order="dispatched")
    res = call(s, th, ["0"], hangup_after=hangup_after)
    assert res.variables["HOTLINE_STATUS_TICKET"] == "000601"  # set before the ticket is read
    assert "HOTLINE_IVR" not in res.variables and "HOTLINE_NEXT" not in res.variables
    assert th.server is not None and th.server.stats.sessions_failed == 0
    assert len(urges(sessions)) == urged
    with sessions() as db:
        rep = db.get(FaultReport, rid)
        assert rep is not None and rep.status == "open"
