"""The desk's pop of the agent's own dial (外呼 / 回拨), without a PBX: while the agent's phone rings
first the customer has not been dialled, so the live snapshot has no party for the call yet; the
pop names the customer from the dial's callback task (HOTLINE_TASK_ID), with the customer master
and the history, and a task id that is no number is no number, not an error."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline.callbacks import mark_consultation
from hotline.models.ivr import Customer
from tests.web.conftest import Panel
from tests.web.factory import set_live

NUMBER = "13912345678"


def _dial(panel: Panel, task_id: str) -> dict[str, object]:
    ts = datetime.now(UTC).timestamp()
    db = panel.db()
    set_live(db, {"queues": {}, "gap": False, "updated": ts,
                  "agents": {"8001": {"state": "ringing", "since": ts, "call_id": "cb-1-x", "queue": "hotline",
                                      "outbound": True}},
                  "calls": {"cb-1-x": {"caller_number": None, "caller_name": None, "queued_at": None,
                                       "vars": {"HOTLINE_AGENT": "8001", "HOTLINE_TASK_ID": task_id}}}},
             server=panel.settings.server_id)
    db.close()
    return panel.desk_state()


def test_the_pop_of_a_dial_names_the_customer_while_the_agents_phone_rings(panel: Panel) -> None:
    db = panel.db()
    db.add(Customer(phone="+86" + NUMBER, name="王伟", address="人民路1号", area="东城", created_at=datetime.now(UTC)))
    task = mark_consultation(db, panel.settings, NUMBER, agent="8001", note="坐席外呼")
    db.commit()
    task_id = task.id
    db.close()
    pop = _dial(panel, str(task_id))["pop"]
    assert isinstance(pop, dict)
    # the digits the dialler dials, as the pop shows once the customer is dialled (not the task's +86…)
    assert (pop["number"], pop["outbound"], pop["wait_from"]) == (NUMBER, True, None)
    assert pop["customer"]["name"] == "王伟"
    assert [c["id"] for c in pop["contacts"] if c["kind"] == "task"] == [task_id]
    pop = _dial(panel, "x1")["pop"]  # a task variable set by hand
    assert isinstance(pop, dict)
    assert (pop["number"], pop["customer"], pop["contacts"]) == (None, None, [])
