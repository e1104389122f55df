"""The desk of the agent who received a transfer, without a PBX: the listener's live view fed a
real capture of the desk's 转接 (queue_blind_transfer: 8001 answers, BlindTransfer to
[agents-transfer] 8002, 8002 answers) and its snapshot the desk's. 8002's desk shows the call it
talks on and pops the original caller — not 8001, who dialled it. Until 7 December the snapshot
had 8002 talking on no call: no pop, and the controls had no call to act on."""

from __future__ import annotations

from ami_listener.live import LiveView
from tests.ami_listener.replay import capture
from tests.web.conftest import Panel
from tests.web.factory import set_live

CALL_ID, CALLER = "cap-9591b2998a", "13800000001"


def test_the_receiving_agents_desk_pops_the_transferred_caller(panel: Panel) -> None:
    view = LiveView()
    for msg in capture("queue_blind_transfer"):
        view.feed(msg)
        if msg.name == "DialEnd" and (msg.headers.get("DestChannel") or "").startswith("Local/8002@"):
            break  # 8002 answered the transfer
    db = panel.db()
    set_live(db, view.snapshot(0.0).to_dict(), server=panel.settings.server_id)
    db.close()
    desk = panel.desk_state("8002")
    assert (desk["live"]["state"], desk["live"]["call_id"]) == ("talking", CALL_ID)
    assert (desk["pop"]["call_id"], desk["pop"]["number"]) == (CALL_ID, CALLER)
    assert panel.desk_state("8001")["pop"] is None  # the transferring agent handed the call on
