"""The desk of the agent who received a transfer, without a PBX: the listener's live view fed a
real capture of the desk's 转接 (queue_blind_transfer: 8001 answers, BlindTransfer to
[agents-transfer] 8002, 8002 answers) and its snapshot the desk's. 8002's desk shows the call it
talks on and pops the original caller — not 8001, who dialled it. Until 7 December the snapshot
had 8002 talking on no call: no pop, and the controls had no call to act on."""

from __future__ import annotations

from typing import Any

from ami_listener.live import LiveView
from hotline.desk import audit
from tests.ami_listener.replay import capture
from tests.web.conftest import Panel, csrf_of
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


def _consultation(panel: Panel, answered_by_8002: bool) -> None:
    """The snapshot of queue_consult_cancelled (8001 consults 8002, 8002 answers, the consultation
    is cancelled) when 8002 has answered, or once the consultation is over."""
    view = LiveView()
    for msg in capture("queue_consult_cancelled"):
        view.feed(msg)
        if answered_by_8002 and msg.name == "DialEnd" and (msg.headers.get("DestChannel") or "").startswith(
                "Local/8002@"):
            break
    db = panel.db()
    set_live(db, view.snapshot(0.0).to_dict(), server=panel.settings.server_id)
    db.close()


def test_the_consulted_agents_desk_says_whose_consultation_and_refuses_what_would_act_on_it(
        panel: Panel, monkeypatch: Any) -> None:
    """While 8001 consults 8002 (the caller held), 8002's leg is bridged with 8001's: its desk says
    咨询中 (来自 8001) and refuses 转接 / 咨询转 / 转满意度 / the phrases / 恶意骚扰 without asking the
    PBX — each would act on 8001 — while 挂断 goes on (it ends the consultation). Until 7 December
    the desk showed 通话中 and its 转满意度 sent 8001 to the survey."""
    import contextlib

    from hotline.desk import calls, controls
    cc_lid = "cap-4026b0fefc"
    _consultation(panel, answered_by_8002=True)
    desk = panel.desk_state("8002")
    assert (desk["live"]["state"], desk["live"]["call_id"], desk["live"]["consulted_by"]) == (
        "talking", cc_lid, "8001")
    assert panel.desk_state("8001")["live"]["consulted_by"] is None  # the consulting agent is not consulted
    asked: list[str] = []
    monkeypatch.setattr(controls.Ami, "from_settings", classmethod(lambda cls, s, **kw: contextlib.nullcontext()))
    monkeypatch.setattr(calls, "find", lambda ami, agent, call_id: asked.append(agent) or (
        calls.ControlOutcome.CALL_ENDED, "no PBX here"))
    c = panel.client("agent2")
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    for what in ("transfer", "consult", "survey", "phrase", "malicious"):
        r = c.post("/desk/control", data={"control": what, "call_id": cc_lid, "to": "8003",
                                          "phrase": "goodbye"}, headers=h)
        body = r.get_json()
        assert (r.status_code, body["error"], body["outcome"]) == (409, "consulted", "refused"), (what, body)
        assert body["message"] == "未完成:您正在被咨询:此操作将作用于发起咨询的坐席,而非来电者;挂断可结束咨询。"
    assert asked == []  # refused before the PBX was asked
    r = c.post("/desk/control", data={"control": "hangup", "call_id": cc_lid}, headers=h)
    assert r.get_json()["error"] != "consulted" and asked, r.get_json()  # 挂断 reaches the PBX
    db = panel.db()
    assert [(x.control, x.outcome) for x in audit.of_call(db, panel.settings, cc_lid)][:5] == [
        (w, "refused") for w in ("transfer", "consult", "survey", "phrase", "malicious")]
    db.close()
    _consultation(panel, answered_by_8002=False)  # the consultation is over: nothing marks 8002
    asked.clear()
    c.post("/desk/control", data={"control": "survey", "call_id": cc_lid}, headers=h)
    assert asked == ["8002"]
