"""The agent desk on the web (issue 13), without a PBX: the page, the screen-pop's data (customer,
IVR path, history, R-ONE-CALL's repeat flag) from the live snapshot and the database, the
stream, controls that answer cleanly when there is no call or no PBX, the supervisor's monitor
endpoint, and the call page listing the desk's audit rows (R-PRIVACY)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.desk import audit
from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.models import Call
from hotline.models.callbacks import Complaint
from hotline.models.ivr import Customer, FaultReport
from tests.web.conftest import Panel, csrf_of
from tests.web.factory import make_call, set_live
from web.desk.state import DeskState, stream

EVIL = "<img src=x onerror=alert(1)>"
NUMBER = "13912345678"


def _live(server: str, call_id: str = "1700.1", state: str = "ringing") -> dict[str, Any]:
    now = datetime.now(UTC).timestamp()
    agent = {"state": state, "since": now - 1, "call_id": call_id, "queue": "hotline"}
    return {"queues": {}, "agents": {"8001": agent},
            "calls": {call_id: {"caller_number": NUMBER, "caller_name": EVIL, "queued_at": now - 30,
                                "vars": {"HOTLINE_MENU": "0", "HOTLINE_FAULT_CONTACT": "13800000009",
                                         "HOTLINE_VIP": "1", "HOTLINE_WAIT_FROM": f"{now - 25:.3f}",
                                         "HOTLINE_FAULT_TYPE": "mosaic"}}},
            "gap": False, "updated": now}


def _seed(panel: Panel) -> None:
    now = datetime.now(UTC)
    db = panel.db()
    db.add(Customer(phone="+86" + NUMBER, name="王伟", address="人民路1号", area="东城", vip=True, created_at=now))
    db.add(FaultReport(server=panel.settings.server_id, call_id="1699.1", caller=NUMBER, status="open", ticket="F-1",
                       created_at=now - timedelta(hours=2), updated_at=now))
    db.add(Complaint(number="+86" + NUMBER, kind="general", received_at=now - timedelta(hours=3),
                     contact_due=now - timedelta(hours=1), resolve_due=now + timedelta(hours=20)))
    db.commit()
    make_call(db, number=NUMBER, at=now - timedelta(hours=1), agent="8002")
    set_live(db, _live(panel.settings.server_id), server=panel.settings.server_id)
    db.close()


def test_the_pop_of_a_ringing_call(panel: Panel) -> None:
    _seed(panel)
    with panel.app.app_context():
        db = panel.db()
        got = DeskState(panel.settings, "8001")(db, keep_step=False)
        db.close()
    pop = got["pop"]
    assert got["live"]["state"] == "ringing" and pop["call_id"] == "1700.1"
    assert (pop["number"], pop["name"], pop["vip"]) == (NUMBER, EVIL, True)
    assert pop["customer"]["name"] == "王伟" and pop["customer"]["vip"] is True
    # the fault type the caller keyed, by its name (the repair category of its key)
    assert pop["ivr"] == {"HOTLINE_MENU": "0", "HOTLINE_FAULT_CONTACT": "13800000009", "HOTLINE_VIP": "1",
                          "HOTLINE_FAULT_TYPE": "马赛克 / 图像不清"}
    assert pop["apology_after_s"] == panel.settings.max_rings * panel.settings.ring_cycle_s
    assert pop["wait_from"] is not None
    kinds = [c["kind"] for c in pop["contacts"]]
    assert kinds == ["call", "fault", "complaint"]  # newest first
    assert pop["contacts"][0]["agent"] == "8002"
    assert pop["contacts"][1]["open"] and pop["contacts"][1]["ticket"] == "F-1"
    assert pop["contacts"][2]["clock"] == "missed"  # the contact clock ran out
    assert pop["repeat_open"] is True  # R-ONE-CALL: called before, a matter still open
    assert pop["server"] == panel.settings.server_id  # for the pop's "new case" link


def test_the_pop_finds_a_customer_by_any_of_their_numbers(panel: Panel) -> None:
    """Issue 14 §2: the screen-pop reads the customer master — a caller on a second number of a
    customer is that customer."""
    from hotline import customers

    db = panel.db()
    customers.save_customer(db, panel.settings, customers.CustomerFields(
        numbers=["13700000001", NUMBER], name="李娜", address="建设路2号"))
    db.commit()
    set_live(db, _live(panel.settings.server_id), server=panel.settings.server_id)
    db.close()
    with panel.app.app_context():
        db = panel.db()
        pop = DeskState(panel.settings, "8001")(db, keep_step=False)["pop"]
        db.close()
    assert (pop["customer"]["name"], pop["customer"]["address"]) == ("李娜", "建设路2号")


def test_the_desk_page_and_its_stream(panel: Panel) -> None:
    _seed(panel)
    c = panel.client("agent1")
    html = c.get("/desk").get_data(as_text=True)
    for label in ("示闲", "示忙", "小休", "签出", "继续整理", "返回接听", "转满意度", "恶意骚扰", "用餐"):
        assert label in html
    assert EVIL not in html  # the pop comes by the stream, written as text by desk.js
    assert 'id="pop-new-case"' in html and 'data-newcase="/cases/new"' in html  # issue 14: one click to a case
    assert panel.client("boss").get("/desk").status_code == 403
    assert 'id="to-desk"' in c.get("/agent").get_data(as_text=True)
    with panel.app.app_context():
        from web.context import session_factory
        events = stream(session_factory(), panel.settings, "8001", lambda db: True, poll=0.01)
        assert next(events).startswith("retry:")
        first = json.loads(next(events).removeprefix("data: "))
    assert first["pop"]["name"] == EVIL and first["presence"]["state"] == "logged_out"


def test_controls_answer_cleanly_without_a_call_or_a_pbx(panel: Panel) -> None:
    c = panel.client("agent1")
    token = csrf_of(c, "/desk")
    h = {"X-CSRFToken": token}
    r = c.post("/desk/control", data={"control": "survey"}, headers=h)
    assert r.status_code == 400 and r.get_json()["message"] == "没有通话:您的工作台上没有振铃或通话。"
    r = c.post("/desk/control", data={"control": "hangup", "call_id": "1.1"}, headers=h)
    assert r.status_code == 200 and r.get_json()["outcome"] == "refused"  # no PBX here: said, not raised
    assert r.get_json()["message"] == "未完成:无法连接交换机。"  # the reason in Chinese, not the core's English
    r = c.post("/desk/control", data={"control": "transfer", "call_id": "1.1", "to": "9999"}, headers=h)
    assert r.get_json()["message"] == "未完成:请选择本热线的其他坐席。"
    r = c.post("/desk/control", data={"control": "phrase", "call_id": "1.1", "phrase": "nope"}, headers=h)
    assert r.get_json()["message"] == "未完成:不是规范用语。"
    r = c.post("/desk/presence", data={"state": "break", "reason": "nap"}, headers=h)
    assert r.get_json()["ok"] is False and r.get_json()["message"] == "未完成:小休需选择原因:用餐、培训、会议、其他。"
    r = c.post("/desk/wrapup", data={"action": "end"}, headers=h)
    assert r.get_json()["ok"] is False and r.get_json()["message"] == "未完成:您当前不在话后整理。"
    assert c.post("/desk/control", data={"control": "hangup", "call_id": "1.1"}).status_code == 400  # no CSRF
    r = c.post("/desk/dial", data={"number": "not a number"}, headers=h)
    assert r.get_json()["ok"] is False and r.get_json()["message"] == "未拨打:不是电话号码。"


def test_attended_transfer_controls_answer_cleanly_without_a_pbx(panel: Panel) -> None:
    """咨询转接 / 完成转接 / 取消咨询 are on the desk and answer with a message, never raise."""
    c = panel.client("agent1")
    html = c.get("/desk").get_data(as_text=True)
    assert all(f'data-control="{x}"' in html for x in ("consult", "consult_complete", "consult_cancel"))
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    r = c.post("/desk/control", data={"control": "consult", "call_id": "1.1", "to": "queue"}, headers=h)
    assert r.get_json()["outcome"] == "refused" and r.get_json()["message"] == "未完成:请选择本热线的其他坐席。"
    for what in ("consult_complete", "consult_cancel"):
        r = c.post("/desk/control", data={"control": what, "call_id": "1.1"}, headers=h)
        assert (r.get_json()["outcome"], r.get_json()["control"]) == ("refused", what)
        assert r.get_json()["message"] == "未完成:无法连接交换机。"
    db = panel.db()
    assert [(x.control, x.outcome) for x in audit.of_call(db, panel.settings, "1.1")] == [
        ("consult", "refused"), ("consult_complete", "refused"), ("consult_cancel", "refused")]
    db.close()


def test_monitor_from_the_wallboard_and_the_audit_on_the_call_page(panel: Panel) -> None:
    c = panel.client("boss")
    token = csrf_of(c, "/wallboard")
    h = {"X-CSRFToken": token}
    r = c.post("/wallboard/monitor", data={"agent": "8001", "call_id": "1.1", "mode": "listen"}, headers=h)
    assert r.status_code == 409 and r.get_json()["message"].startswith("没有可振铃的话机")
    r = c.post("/wallboard/monitor", data={"agent": "8001", "call_id": "1.1", "mode": "spy"}, headers=h)
    assert r.status_code == 400
    assert panel.client("agent1").post("/wallboard/monitor", data={}, headers=h).status_code in (400, 403)
    db = panel.db()
    call = make_call(db, agent="8001", server=panel.settings.server_id)
    audit.record(db, panel.settings, "boss", ControlResult("listen", "8001", call.call_id, ControlOutcome.DONE,
                                                           "rings", "Local/s@desk-sim-supervisor"))
    pk = db.get(Call, call.id).id
    db.close()
    html = panel.client("insp").get(f"/calls/{pk}").get_data(as_text=True)
    assert 'id="desk-controls"' in html and "监听" in html and "boss" in html


def test_dial_out_outside_the_dialling_policy_is_held_not_dialled(panel: Panel) -> None:
    """Toll fraud (issue 19): the desk's dial-out goes through the dialling policy as callbacks do —
    an international or premium-rate number is held for a supervisor, never originated (no PBX
    here: an originate would answer 无法连接交换机). The refusal is said in Chinese."""
    from sqlalchemy import select

    from hotline.models.callbacks import CallbackTask

    c = panel.client("agent1")
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    for number in ("+44 20 7946 0000", "00447400123456", "16812345"):  # fixed and mobile abroad, premium
        r = c.post("/desk/dial", data={"number": number}, headers=h)
        body = r.get_json()
        assert body == {"ok": False, "message": "未拨打:号码不在拨号策略范围内,等待班长批准。"}, (number, body)
    db = panel.db()
    tasks = list(db.scalars(select(CallbackTask)))
    assert tasks and {t.status for t in tasks} == {"held"} and not any(t.attempts for t in tasks)


def test_an_open_desk_stream_ends_when_its_agent_is_disabled_or_logs_out(panel: Panel) -> None:
    """Issue 19, as for the wallboard: the desk's stream rechecks its user (every
    wallboard_user_check_s), so an agent disabled, or logged out elsewhere, stops receiving pops."""
    from tests.web.test_wallboard import _ends_within
    from web.auth.users import set_active

    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(wallboard_user_check_s=0.1)
    for user, how in (("agent1", "logout"), ("agent2", "disable")):
        r = panel.client(user).get("/desk/stream", buffered=False)
        assert r.headers["Cache-Control"] == "no-store"
        chunks = iter(r.response)
        assert b"data: " in next(c for c in chunks if b"data: " in c)  # the first state arrives
        if how == "disable":
            set_active(panel.db(), user, False)
        else:
            other = panel.client(user)
            assert other.post("/logout", data={"csrf_token": csrf_of(other, "/desk")}).status_code == 302
        assert _ends_within(chunks, 5.0), how
        r.close()
