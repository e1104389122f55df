"""Whether the desk offers 完成转接 / 取消咨询 (``live.consulting``): a consultation of the agent's
call under way as the PBX shows it (``hotline.desk.consult.under_way`` over the live snapshot),
begun on this desk or on the phone (*2) alike — no control of the desk's needed. Until 7 December
only a 咨询转接 clicked on the desk counted (its row in desk_controls): a phone's own *2 left the
agent to finish it on the phone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hotline.desk import consult
from hotline.live_snapshot import AgentLive
from hotline.vocabulary import AgentState
from tests.web.conftest import Panel
from tests.web.factory import set_live

CALL_ID = "1700.1"


def _consulting(panel: Panel, **agent: Any) -> bool:
    now = datetime.now(UTC).timestamp()
    data = {"queues": {}, "gap": False, "updated": now,
            "agents": {"8001": {"state": "talking", "since": now - 60, "call_id": CALL_ID, "queue": "hotline",
                                **agent}},
            "calls": {CALL_ID: {"caller_number": "13912345678", "caller_name": "", "queued_at": now - 90,
                                "vars": {}}}}
    db = panel.db()
    set_live(db, data, server=panel.settings.server_id)
    db.close()
    return bool(panel.desk_state()["live"]["consulting"])


def test_a_consultation_begun_on_the_phone_is_under_way_on_the_desk(panel: Panel) -> None:
    """The caller held by the transfer and its consultation's channel up (the snapshot's
    ``consulting``), with no desk control on the call: 完成转接 / 取消咨询 are offered."""
    now = datetime.now(UTC).timestamp()
    assert _consulting(panel, held_since=now - 5, consulting="8002")
    # the phone's own hold key: held, no consultation
    assert not _consulting(panel, held_since=now - 5)
    # the consulted party hung up / 取消咨询: the channel is gone, the Unhold not in yet
    assert not _consulting(panel)


@pytest.mark.parametrize("live, under_way", [
    (AgentLive(AgentState.TALKING, 1.0, "c1", held_since=2.0, consulting="8002"), True),
    (AgentLive(AgentState.TALKING, 1.0, "c1", held_since=2.0), False),  # a hold key's hold
    (AgentLive(AgentState.TALKING, 1.0, "c1", consulting="8002"), False),  # the caller not held (yet / again)
    (AgentLive(AgentState.IDLE, 1.0, None, held_since=2.0, consulting="8002"), False),  # not on a call
    (AgentLive(AgentState.TALKING, 1.0, None, held_since=2.0, consulting="8002"), False),
])
def test_under_way_is_the_pbxs_word(live: AgentLive, under_way: bool) -> None:
    assert consult.under_way(live) is under_way
