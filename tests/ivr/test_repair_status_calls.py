"""R-ONE-CALL on the real Asterisk: a caller with an open fault report hears its ticket and where it
stands after the greeting; 0 urges it and queues the caller with the ticket on the call, no key
goes on to the menu (the offline cases: tests/ivr/test_repair_status.py)."""

from __future__ import annotations

import wave
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline.models.field import WorkOrder, WorkOrderEvent
from hotline.models.ivr import FaultReport
from tests.ivr.conftest import IvrEnv, finish, pause, place_call, prompt_seconds
from tests.ivr.test_ivr_calls import result, run_batch
from tests.support.pbx import EventTap

pytestmark = [pytest.mark.asterisk, pytest.mark.db]

URGES, LISTENS = "13800000131", "13800000132"


def open_report(env: IvrEnv, caller: str, ticket: str) -> None:
    at = env.clock() - timedelta(hours=1)
    with env.sessions.begin() as db:
        rep = FaultReport(server=env.settings.server_id, call_id=f"old-{ticket}", caller=caller, status="open",
                          ticket=ticket, area="urban", created_at=at, updated_at=at)
        db.add(rep)
        db.flush()
        db.add(WorkOrder(fault_report_id=rep.id, ticket=ticket, area="urban", status="dispatched", reported_at=at,
                         arrive_by=at + timedelta(minutes=30), fix_by=at + timedelta(hours=4),
                         created_at=at, updated_at=at))


def status_seconds(env: IvrEnv, ticket: str) -> float:
    """The greeting, the ticket prompt, its digits and the stage: what plays before the key wait."""
    digits = 0.0
    for d in ticket:
        with wave.open(str(env.settings.sounds_dir / "digits" / f"{d}.wav")) as w:
            digits += w.getnframes() / w.getframerate()
    return prompt_seconds(env.settings, "welcome", "repair_status_ticket", "repair_status_dispatched") + digits


@pytest.fixture(scope="module")
def repeat_calls(ivr_env: IvrEnv) -> dict[str, Any]:
    env = ivr_env
    env.clock.set_local(10, 0)  # R-ANS-HOURS: staffed
    s = env.settings
    open_report(env, URGES, "700131")
    open_report(env, LISTENS, "700132")

    def urges(tap: EventTap) -> Any:
        # 0 pressed a second into the key prompt
        keys = pause(status_seconds(env, "700131") + 2) + "0"
        return finish(tap, place_call(s, URGES, keys, stay=40, __SIM_RING="1", __SIM_TALK="1"), 120)

    def listens(tap: EventTap) -> Any:
        # nothing after the status (the key wait times out), then 2 over the menu
        heard = status_seconds(env, "700132") + prompt_seconds(s, "repair_status_keys") + s.ivr_key_timeout_s
        keys = pause(heard + 2) + "2"
        return finish(tap, place_call(s, LISTENS, keys, stay=60, __SIM_RING="1", __SIM_TALK="1"), 120)

    return run_batch(env, {"urges": urges, "listens": listens})


def test_zero_after_the_status_urges_and_queues_with_the_ticket(ivr_env: IvrEnv, repeat_calls: dict[str, Any]) -> None:
    call = result(repeat_calls, "urges")
    assert call.path()[:4] == [("greeting", "", "ok"), ("repair_status", "700131", "dispatched"),
                               ("repair_status.key", "0", "ok"), ("queue", "", "ok")], call.path()
    assert call.vars()["HOTLINE_STATUS_TICKET"] == "700131" and call.vars()["HOTLINE_NEXT"] == "queue"
    assert call.named("QueueCallerJoin")
    with ivr_env.sessions() as db:
        rid = db.scalar(select(FaultReport.id).where(FaultReport.ticket == "700131"))
        order_id = db.scalar(select(WorkOrder.id).where(WorkOrder.fault_report_id == rid))
        acts = list(db.scalars(select(WorkOrderEvent.action).where(WorkOrderEvent.order_id == order_id)))
    assert acts == ["urged"]


def test_no_key_after_the_status_goes_on_to_the_menu(repeat_calls: dict[str, Any]) -> None:
    call = result(repeat_calls, "listens")
    assert call.path()[:4] == [("greeting", "", "ok"), ("repair_status", "700132", "dispatched"),
                               ("repair_status.key", "", "timeout"), ("menu", "2", "ok")], call.path()
    assert call.vars()["HOTLINE_STATUS_TICKET"] == "700132" and call.vars()["HOTLINE_MENU"] == "consult"
