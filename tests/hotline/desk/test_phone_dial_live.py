"""A customer's number keyed on the desk phone itself is the agent's 外呼 at the desk, on a real
private Asterisk with real phones (agent_technology = pjsip, static members), the listener
in-process writing the live snapshot and the scheduler's tick (hotline.desk.live.sync_all) polled:
agent 8001's phone (SIPp, digest-authenticated) dials 13900000077 into its endpoint's context; the
simulated customer rings 2 s, answers and hangs up 6 s later. The desk goes 外呼中, then 通话中
with the customer's pop (outbound), then 话后整理 on that call. Until 7 December the desk stayed
示闲 while the PBX showed the member in use.

The repo's [agents-phone-out] reaches only the other agents (README, "Security"): a customer's
number dialled there is refused. This module's Asterisk adds the outside route an operator's own
dialplan has (as tests/captures/foreign_dial's does), to the simulated customer."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline.desk import presence
from hotline.desk.live import live_of
from hotline.models import Customer
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.config import TEMPLATES
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from tests.hotline.desk.conftest import followed, listening
from tests.support.pbx import phones_asterisk
from tests.support.sipdial import phone_dials
from web.desk.state import DeskState

pytestmark = pytest.mark.asterisk
NUMBER = "13900000077"
# an operator's outside route from the phones' context: a mobile number goes out (here to the
# simulated customer: rings 2 s, answers, hangs up 6 s later)
OUTSIDE_ROUTE = """
[agents-phone-out](+)
exten => _1[3-9]XXXXXXXXX,1,Set(__SIM_CUSTOMER_RING=2)
 same => n,Set(__SIM_CUSTOMER_TALK=6)
 same => n,Dial(Local/${FILTER(0-9,${EXTEN})}@sim-customer/n,20)
 same => n,Hangup()
"""


@pytest.fixture(scope="module")
def dialling_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    tmp = tmp_path_factory.mktemp("phonedial")
    templates = tmp / "templates"
    shutil.copytree(TEMPLATES, templates)
    with (templates / "extensions.conf").open("a") as conf:
        conf.write(OUTSIDE_ROUTE)
    with phones_asterisk(tmp / "var", "phonedial", templates) as ast:
        yield ast


@pytest.fixture
def stack(dialling_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 logged in at the desk (示闲), dated back past the
    PBX-follow margin; the customer known."""
    with listening(dialling_pbx, tmp_path / "phone.db") as (s, sessions):
        s = s.replace(desk_wrapup_s=120)  # the wrap-up outlasts the test's polls
        with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
            login = presence.set_state(s, db, "8001", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami)
            assert login.ok, login.message
            db.add(Customer(phone=NUMBER, name="韩梅梅", address="人民路1号", area="西城", vip=False,
                            created_at=utcnow()))
            db.commit()
        try:
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                presence.set_state(s, db, "8001", P.LOGGED_OUT, ami=ami)  # static: paused logged-out


def test_a_customer_dialled_on_the_desk_phone_is_outbound_at_the_desk(stack: tuple[Any, Any],
                                                                      tmp_path: Path) -> None:
    s, sessions = stack
    outcome: list[str] = []
    phone = threading.Thread(target=lambda: outcome.append(phone_dials(s, "8001", NUMBER, tmp_path)))
    phone.start()
    try:
        ringing = followed(s, sessions, "8001", P.RINGING, "外呼中 on the phone's own call")
        talking = followed(s, sessions, "8001", P.TALKING, "通话中 once the customer answered")
        assert talking.call_id == ringing.call_id and talking.call_id
        with sessions() as db:
            live, _call, _gap = live_of(db, "8001")
            desk = DeskState(s, "8001")(db, keep_step=False)
        assert live is not None and (live.call_id, live.outbound) == (talking.call_id, True)
        assert (desk["live"]["state"], desk["live"]["outbound"]) == ("talking", True)
        pop = desk["pop"]
        assert (pop["call_id"], pop["number"], pop["outbound"]) == (talking.call_id, NUMBER, True)
        assert pop["customer"]["name"] == "韩梅梅"
        wrap = followed(s, sessions, "8001", P.WRAP_UP, "话后整理 after the customer hung up")
        assert wrap.call_id == talking.call_id
    finally:
        phone.join(40)
    assert outcome == ["200"]  # the phone's call was answered (the customer's, bridged to it)
