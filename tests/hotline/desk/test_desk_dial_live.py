"""The desk shows the agent's own dial (外呼 / 回拨) on the real private Asterisk (the desk tests'
own), the listener in-process writing the live snapshot and the scheduler's tick
(hotline.desk.live.sync_all) polled: 8001, 示闲 at the desk, dials a customer the way the desk's
外呼 does (a consultation task dialled by hotline.callbacks.dial: its phone first, then the
customer); the simulated agent and customer answer. The stored presence goes 通话中 on that call,
the desk's state pops the customer dialled (number, the customer master, the call id the 登记工单
link carries), 挂断 from the desk ends it, and the agent is in 话后整理. Until 7 December no queue
event named such a call: the desk stayed 示闲 while the PBX showed the member in use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline import callbacks
from hotline.desk import controls, members, presence
from hotline.models import Customer
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import followed, listening
from web.desk.state import DeskState

pytestmark = pytest.mark.asterisk

NUMBER = "13900000077"


@pytest.fixture
def stack(desk_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 logged in at the desk (示闲); the customer known."""
    with listening(desk_pbx, tmp_path / "dial.db") as (s, sessions):
        s = s.replace(desk_wrapup_s=120)  # the wrap-up outlasts the test's polls
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                members.remove(ami, s, "8001")
                login = presence.set_state(s, db, "8001", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami)
                assert login.ok, login.message
                db.add(Customer(phone=NUMBER, name="韩梅梅", address="人民路1号", area="西城", vip=False,
                                created_at=utcnow()))
                db.commit()
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                members.remove(ami, s, "8001")


def test_a_desk_dial_out_is_talking_with_its_pop_then_wrap_up(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    with sessions() as db:
        task = callbacks.mark_consultation(db, s, NUMBER, agent="8001", note="坐席外呼")
        db.commit()
        # the simulated agent answers its phone and stays; the customer answers and stays
        attempt = callbacks.dial(s, db, task.id, "8001", variables={
            "SIM_MODE_8001": "answer", "SIM_RING_8001": "0.5", "SIM_TALK_8001": "60",
            "__SIM_CUSTOMER": "answer", "__SIM_CUSTOMER_RING": "1", "__SIM_CUSTOMER_TALK": "60"})
        call_id = attempt.call_id
    talking = followed(s, sessions, "8001", P.TALKING, "通话中 on the desk's dial")
    assert talking.call_id == call_id
    with sessions() as db:
        desk = DeskState(s, "8001")(db, keep_step=False)
    assert desk["presence"]["state"] == P.TALKING
    assert (desk["live"]["state"], desk["live"]["call_id"], desk["live"]["outbound"]) == ("talking", call_id, True)
    assert desk["live"]["since"] is not None  # the talk clock's start
    pop = desk["pop"]
    assert (pop["call_id"], pop["number"], pop["outbound"]) == (call_id, NUMBER, True)
    assert pop["customer"]["name"] == "韩梅梅"
    assert any(c["kind"] == "task" and c["id"] == task.id for c in pop["contacts"])
    with sessions() as db:
        hung = controls.hang_up(s, db, "8001", call_id)
    assert hung.ok, hung.message
    wrap = followed(s, sessions, "8001", P.WRAP_UP, "话后整理 after the desk's dial")
    assert wrap.call_id == call_id
