"""The agent desk on the web (issue 13), without a PBX: the page, the screen-pop's data (customer,
IVR path, history, R-ONE-CALL's repeat flag) from the live snapshot and the database, the
stream, controls that answer cleanly when there is no call or no PBX, the supervisor's monitor
endpoint, and the call page listing the desk's audit rows (R-PRIVACY)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.cases.categories import fault_type_name
from hotline.chanvars import ChanVar
from hotline.desk import audit
from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.models import Call
from hotline.models.callbacks import Complaint
from hotline.models.cases import Case, CaseCall
from hotline.models.desk import PresenceChange
from hotline.models.ivr import Customer, FaultReport
from tests.web.conftest import PASSWORD, Panel, csrf_of
from tests.web.factory import make_call, set_live
from web.auth.users import add_user
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
                                         "HOTLINE_FAULT_TYPE": "mosaic", "HOTLINE_STATUS_TICKET": "F-1"}}},
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
    got = panel.desk_state()
    pop = got["pop"]
    assert got["live"]["state"] == "ringing" and pop["call_id"] == "1700.1"
    assert (pop["number"], pop["name"], pop["vip"]) == (NUMBER, EVIL, True)
    assert pop["customer"]["name"] == "王伟" and pop["customer"]["vip"] is True
    # the fault type the caller keyed, by its name (the repair category of its key)
    # R-ONE-CALL: the open report whose standing the IVR told the caller (HOTLINE_STATUS_TICKET)
    assert pop["ivr"] == {"HOTLINE_MENU": "0", "HOTLINE_FAULT_CONTACT": "13800000009", "HOTLINE_VIP": "1",
                          "HOTLINE_STATUS_TICKET": "F-1", "HOTLINE_FAULT_TYPE": "马赛克 / 图像不清"}
    assert pop["apology_after_s"] == panel.settings.max_rings * panel.settings.ring_cycle_s
    assert pop["wait_from"] is not None
    kinds = [c["kind"] for c in pop["contacts"]]
    assert kinds == ["call", "fault", "complaint"]  # newest first
    assert pop["contacts"][0]["agent"] == "8002"
    assert pop["contacts"][1]["open"] and pop["contacts"][1]["ticket"] == "F-1"
    assert pop["contacts"][2]["clock"] == "missed"  # the contact clock ran out
    assert pop["repeat_open"] is True  # R-ONE-CALL: called before, a matter still open
    assert pop["server"] == panel.settings.server_id  # for the pop's "new case" link


def test_the_pop_lists_the_numbers_cases_and_not_this_calls_own_report(panel: Panel) -> None:
    """来电弹屏: the caller's open cases (工单) are open matters in the history; the fault report
    keyed in this very call's IVR is this call's matter, no earlier contact — until 6 December it
    flagged every reporter who then pressed for an agent 重复来电."""
    now = datetime.now(UTC)
    db = panel.db()
    db.add(FaultReport(server=panel.settings.server_id, call_id="1700.1", caller=NUMBER, status="incomplete",
                       ticket="F-9", created_at=now - timedelta(minutes=1), updated_at=now))
    db.commit()
    set_live(db, _live(panel.settings.server_id), server=panel.settings.server_id)
    db.close()

    def pop() -> dict[str, Any]:
        return dict(panel.desk_state()["pop"])

    first = pop()
    assert first["contacts"] == [] and first["repeat_open"] is False
    db = panel.db()
    db.add(Case(number="+86" + NUMBER, kind="repair", status="in_progress", created_at=now - timedelta(hours=5),
                updated_at=now))
    db.add(Case(number="+86" + NUMBER, kind="consult", status="closed", created_at=now - timedelta(hours=6),
                updated_at=now, closed_at=now))
    db.commit()
    db.close()
    contacts = pop()["contacts"]
    assert [(c["kind"], c["what"], c["status"], c["open"]) for c in contacts] == [
        ("case", "repair", "in_progress", True), ("case", "consult", "closed", False)]
    with panel.app.app_context():
        db = panel.db()
        from web.desk.pop import history
        assert history(db, panel.settings, NUMBER, "1700.1", now)["repeat_open"] is True
        db.close()


def test_a_case_recorded_on_this_call_is_no_repeat_call(panel: Panel) -> None:
    """R-ONE-CALL: the agent records the caller's matter (登记工单) during the call; the pop keeps
    the case listed but does not flag this very call 重复来电 for it — an open case of an earlier
    call still does."""
    from web.desk.pop import history

    now = datetime.now(UTC)
    with panel.app.app_context():
        db = panel.db()
        case = Case(number="+86" + NUMBER, kind="repair", status="accepted", created_at=now, updated_at=now)
        db.add(case)
        db.flush()
        db.add(CaseCall(case_id=case.id, server=panel.settings.server_id, call_id="1700.1", linked_at=now))
        db.commit()
        got = history(db, panel.settings, NUMBER, "1700.1", now)
        assert [(c["kind"], c["id"], c["open"]) for c in got["contacts"]] == [("case", case.id, True)]
        assert got["repeat_open"] is False
        # the next call of the same number: that case is an earlier, open matter
        assert history(db, panel.settings, NUMBER, "1700.9", now)["repeat_open"] is True
        db.close()


def test_the_pop_finds_a_report_filed_from_another_form_of_the_number(panel: Panel) -> None:
    """R-ONE-CALL: the trunk gave 008613912345678 when the report was filed, 13912345678 now — the
    pop shows the open report (the IVR told it the same way) and flags the repeat call; a withheld
    caller id is nobody's history (until 7 December every 'anonymous' call was one caller's)."""
    from web.desk.pop import history

    now = datetime.now(UTC)
    with panel.app.app_context():
        db = panel.db()
        db.add(FaultReport(server=panel.settings.server_id, call_id="old-1", caller="0086" + NUMBER, status="open",
                           ticket="000771", created_at=now - timedelta(hours=2), updated_at=now))
        db.add(FaultReport(server=panel.settings.server_id, call_id="old-2", caller="anonymous", status="open",
                           ticket="000772", created_at=now - timedelta(hours=2), updated_at=now))
        db.commit()
        got = history(db, panel.settings, NUMBER, "1700.1", now)
        assert [(c["kind"], c["ticket"]) for c in got["contacts"]] == [("fault", "000771")]
        assert got["repeat_open"] is True
        assert history(db, panel.settings, "anonymous", "1700.2", now)["contacts"] == []
        db.close()


def test_a_desk_reloaded_in_wrapup_shows_the_call_just_ended(panel: Panel) -> None:
    """话后整理 is when the agent records the case and may call back: a desk opened or reloaded
    then shows the call's pop (ended) from its record — the live snapshot forgot the call at the
    hang-up. Until 6 December a reload in 话后整理 showed no caller at all."""
    now = datetime.now(UTC)
    db = panel.db()
    rec = make_call(db, number=NUMBER, caller_name="王建国", at=now - timedelta(minutes=2),
                    vars={ChanVar.MENU.value: "2", ChanVar.FAULT_TYPE.value: "mosaic", ChanVar.VIP.value: "1"})
    make_call(db, number=NUMBER, at=now - timedelta(hours=3), agent="8002")
    db.add(PresenceChange(server=panel.settings.server_id, agent="8001", state="wrap_up", previous="talking",
                          started_at=now, by="system", call_id=rec.call_id, wrapup_until=now + timedelta(seconds=15)))
    db.commit()
    set_live(db, {"queues": {}, "agents": {"8001": {"state": "paused", "since": now.timestamp(), "call_id": None,
                                                    "queue": "hotline"}}, "calls": {}, "gap": False},
             server=panel.settings.server_id)
    call_id = rec.call_id
    db.close()
    got = panel.desk_state()
    pop = got["pop"]
    assert got["presence"]["state"] == "wrap_up"
    assert (pop["call_id"], pop["ended"], pop["number"], pop["name"]) == (call_id, True, NUMBER, "王建国")
    assert [c["agent"] for c in pop["contacts"]] == ["8002"]  # the earlier call, not this one
    # what the IVR learnt is still there for the case the agent records now
    assert pop["vip"] is True and pop["ivr"][ChanVar.MENU.value] == "2"
    assert pop["ivr"][ChanVar.FAULT_TYPE.value] == fault_type_name(panel.settings, "mosaic") != "mosaic"


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
    pop = panel.desk_state()["pop"]
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
    assert 'id="desk-unknown-ext"' not in html
    # an extension the hotline does not know: said at once, not at the first refused click
    db = panel.db()
    add_user(db, "agent9", "agent", PASSWORD, "8009")
    db.close()
    stranger = panel.client("agent9").get("/desk").get_data(as_text=True)
    assert '<p class="note bad" id="desk-unknown-ext">8009 不是本热线的坐席。</p>' in stranger
    assert 'id="to-desk"' in c.get("/agent").get_data(as_text=True)
    with panel.app.app_context():
        from web.context import session_factory
        events = stream(session_factory(), panel.settings, "8001", lambda db: True, poll=0.01)
        assert next(events).startswith("retry:")
        first = json.loads(next(events).removeprefix("data: "))
    assert first["pop"]["name"] == EVIL and first["presence"]["state"] == "logged_out"


def test_the_desk_in_english_says_its_own_words_in_english(panel: Panel) -> None:
    """The desk's buttons and its script's labels were Chinese on the English page: each is a
    message now (the zh catalogue keeps the hosted contact centre's words, 示闲 / 示忙 / 小休 / 签出)."""
    from tests.web.test_zh_sweep import _Visible

    c = panel.client("agent1")
    c.get("/lang/en")
    html = c.get("/desk").get_data(as_text=True)
    for label in ("Ready for calls", "Not ready", "Take a break", "Sign out", "Extend after-call work",
                  "End after-call work", "Transfer to survey", "Malicious call", "Consult transfer", "Hang up"):
        assert f">{label}</button>" in html, label
    m = re.search(r'id="desk-labels">(.*?)</script>', html, re.S)
    assert m
    labels = json.loads(m.group(1))
    assert (labels["available"], labels["ended"], labels["menu_agent"]) == ("Ready for calls", "Call ended", "An agent")
    page = _Visible()
    page.feed(html)
    seen = "\n".join([*page.parts, *map(str, labels.values())])
    # what stays Chinese: the operator's data (its name, its break reasons) and the language switch's 中文
    data = {*panel.settings.desk_break_reasons, panel.settings.company_name}
    assert set(re.findall(r"[\u4e00-\u9fff]+", seen)) <= {*data, "中文"}


def _refused(r: Any, status: int, error: str, message: str | None = None) -> dict[str, Any]:
    """The panel's one refusal shape (web/refusal.py): the status, ok false, a code, the user's sentence."""
    body = r.get_json()
    assert (r.status_code, body["ok"], body["error"]) == (status, False, error), (r.status_code, body)
    assert body["message"] and (message is None or body["message"] == message), body
    return dict(body)


def test_controls_answer_cleanly_without_a_call_or_a_pbx(panel: Panel, caplog: Any) -> None:
    """Each refusal kind answers its status in one shape, said in Chinese, and is logged once with
    the user, the control, the call and the reason (web/refusal.py)."""
    c = panel.client("agent1")
    token = csrf_of(c, "/desk")
    h = {"X-CSRFToken": token}
    cases: list[tuple[str, dict[str, str], int, str, str | None]] = [
        ("/desk/control", {"control": "survey"}, 400, "no_call", "没有通话:您的工作台上没有振铃或通话。"),
        ("/desk/control", {"control": "nope", "call_id": "1.1"}, 400, "unknown_control", "未知控制:nope"),
        # no PBX here: said, not raised — and not the request's fault, so a 503
        ("/desk/control", {"control": "hangup", "call_id": "1.1"}, 503, "pbx_unreachable", "未完成:无法连接交换机。"),
        ("/desk/control", {"control": "transfer", "call_id": "1.1", "to": "9999"}, 400, "not_another_agent",
         "未完成:请选择本热线的其他坐席。"),
        ("/desk/control", {"control": "phrase", "call_id": "1.1", "phrase": "nope"}, 400, "not_a_phrase",
         "未完成:不是规范用语。"),
        ("/desk/presence", {"state": "break", "reason": "nap"}, 400, "break_reason",
         "未完成:小休需选择原因:用餐、培训、会议、其他。"),
        ("/desk/presence", {"state": "sleeping"}, 400, "unknown_state", "未知状态:sleeping"),
        ("/desk/wrapup", {"action": "end"}, 409, "not_in_wrapup", "未完成:您当前不在话后整理。"),
        ("/desk/wrapup", {"action": "x"}, 400, "unknown_action", "未知操作:x"),
        ("/desk/dial", {"number": "not a number"}, 400, "not_a_number", "未拨打:不是电话号码。"),
    ]
    for url, data, status, error, message in cases:
        caplog.clear()
        with caplog.at_level("INFO", logger="web.refusal"):
            r = c.post(url, data=data, headers=h)
        _refused(r, status, error, message)
        lines = [rec.getMessage() for rec in caplog.records if rec.name == "web.refusal"]
        assert len(lines) == 1 and "by agent1" in lines[0] and error in lines[0] and url in lines[0], (url, lines)
        if data.get("call_id"):
            assert "on call '1.1'" in lines[0] and repr(data["control"]) in lines[0], lines
    assert c.post("/desk/control", data={"control": "hangup", "call_id": "1.1"}, headers=h).get_json()["outcome"] \
        == "refused"  # what the desk's script shows as the outcome
    # a form whose CSRF token expired, a user with no extension: the same shape, for the script to show
    _refused(c.post("/desk/control", data={"control": "hangup", "call_id": "1.1"}, headers={"X-CSRFToken": "x"}),
             400, "form_expired", "表单已过期:请刷新页面后重试。")
    root = panel.client("root")  # an admin may open the desk, but has no extension
    _refused(root.post("/desk/control", data={"control": "hangup", "call_id": "1.1"},
                       headers={"X-CSRFToken": csrf_of(root, "/wallboard")}), 403, "no_extension")


def test_a_control_on_an_ended_call_or_another_agents_is_a_409_or_a_403(panel: Panel, monkeypatch: Any,
                                                                        caplog: Any) -> None:
    """The PBX says where the call is (hotline.desk.calls.find): gone → 409 call_ended, another
    agent's → 403 not_yours, ringing still → 409 not_answered; each logged once, none a 200."""
    import contextlib

    from hotline.desk import calls, controls

    chans: list[calls.Channel] = []
    monkeypatch.setattr(controls.Ami, "from_settings", classmethod(lambda cls, s, **kw: contextlib.nullcontext()))
    monkeypatch.setattr(calls, "channels", lambda ami: chans)
    c = panel.client("agent1")
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    for legs, status, error, message in (
            ([], 409, "call_ended", "通话已结束。"),
            ([calls.Channel("Local/8002@agents-x;1", "1.2", "1.1", "b1", "Up"),
              calls.Channel("PJSIP/trunk-1", "1.1", "1.1", "b1", "Up")], 403, "not_yours", "这不是您的通话。"),
            ([calls.Channel("Local/8001@agents-x;1", "1.2", "1.1", "", "Ringing")], 409, "not_answered",
             "通话尚未接通。")):
        chans[:] = legs
        caplog.clear()
        with caplog.at_level("INFO", logger="web.refusal"):
            r = c.post("/desk/control", data={"control": "hangup", "call_id": "1.1"}, headers=h)
        body = _refused(r, status, error, message)
        assert (body["outcome"], body["control"]) == (error, "hangup")
        lines = [rec.getMessage() for rec in caplog.records if rec.name == "web.refusal"]
        assert len(lines) == 1 and "'hangup' by agent1 on call '1.1'" in lines[0] and error in lines[0], lines
        assert "desk hangup by 8001 on 1.1: done" not in caplog.text


def test_attended_transfer_controls_answer_cleanly_without_a_pbx(panel: Panel) -> None:
    """咨询转接 / 完成转接 / 取消咨询 are on the desk and answer with a message, never raise."""
    c = panel.client("agent1")
    html = c.get("/desk").get_data(as_text=True)
    assert all(f'data-control="{x}"' in html for x in ("consult", "consult_complete", "consult_cancel"))
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    r = c.post("/desk/control", data={"control": "consult", "call_id": "1.1", "to": "queue"}, headers=h)
    assert _refused(r, 400, "not_another_agent", "未完成:请选择本热线的其他坐席。")["outcome"] == "refused"
    for what in ("consult_complete", "consult_cancel"):
        r = c.post("/desk/control", data={"control": what, "call_id": "1.1"}, headers=h)
        assert (r.status_code, r.get_json()["outcome"], r.get_json()["control"]) == (503, "refused", what)
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
    assert _refused(r, 409, "no_phone")["message"].startswith("没有可振铃的话机")
    r = c.post("/wallboard/monitor", data={"agent": "8001", "call_id": "1.1", "mode": "spy"}, headers=h)
    _refused(r, 400, "unknown_mode", "未知监控方式:spy")
    r = c.post("/wallboard/monitor", data={"agent": "9999", "call_id": "1.1", "mode": "listen"}, headers=h)
    _refused(r, 400, "no_call", "未指定本热线坐席的当前通话。")
    r = c.post("/wallboard/monitor", data={"agent": "8001", "call_id": "1.1", "mode": "force_hangup"}, headers=h)
    _refused(r, 503, "pbx_unreachable", "未完成:无法连接交换机。")  # no PBX here
    agent = panel.client("agent1")
    r = agent.post("/wallboard/monitor", data={}, headers={"X-CSRFToken": csrf_of(agent, "/desk")})
    _refused(r, 403, "forbidden", "您的角色无权查看此页面。")
    db = panel.db()
    call = make_call(db, agent="8001", server=panel.settings.server_id)
    audit.record(db, panel.settings, "boss", ControlResult("listen", "8001", call.call_id, ControlOutcome.DONE,
                                                           "rings", "Local/s@desk-sim-supervisor"))
    audit.record(db, panel.settings, "boss", ControlResult("barge", "8001", call.call_id,
                                                           ControlOutcome.CALL_ENDED, "ended", None))
    pk = db.get(Call, call.id).id
    db.close()
    insp = panel.client("insp")
    html = insp.get(f"/calls/{pk}").get_data(as_text=True)
    assert 'id="desk-controls"' in html and "监听" in html and "boss" in html
    # the outcome by its name, in the page's language (the stored keys done / call_ended showed)
    assert '<td class="outcome-done">完成</td>' in html and '<td class="outcome-call_ended">已结束</td>' in html
    assert "<td>强插</td>" in html
    insp.get("/lang/en")
    en = insp.get(f"/calls/{pk}").get_data(as_text=True)
    assert "<td>Barge in</td>" in en and "<td>Listen in</td>" in en and "强插" not in en


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
        held = "未拨打:号码不在拨号策略范围内,等待班长批准。"
        assert (r.status_code, body) == (409, {"ok": False, "error": "dial_refused", "message": held}), (number, body)
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


def test_dial_out_and_call_back_say_which_they_are(panel: Panel, monkeypatch: Any) -> None:
    """外呼 (a typed number, ``kind=out``) says 正在外呼; 回拨 from the history says 正在回拨 — until
    6 December 外呼 said 正在回拨. The originate is stood in for (no PBX here)."""
    from types import SimpleNamespace

    import web.desk.views as views

    monkeypatch.setattr(views, "dial_task", lambda db, s, task_id, ext: SimpleNamespace(call_id="c-1"))
    c = panel.client("agent1")
    h = {"X-CSRFToken": csrf_of(c, "/desk")}
    said = {}
    for kind in ("out", ""):
        body = c.post("/desk/dial", data={"number": "13912345678", "kind": kind}, headers=h).get_json()
        assert body["ok"] and body["call_id"] == "c-1", body
        said[kind] = body["message"].split(" ")[0]
    assert said == {"out": "正在外呼", "": "正在回拨"}
    # the task's note, shown as stored on its page: in Chinese (until 7 December "desk dial-out")
    from sqlalchemy import select

    from hotline.models.callbacks import CallbackTask
    assert [t.note for t in panel.db().scalars(select(CallbackTask))] == ["坐席外呼"]


def test_the_desk_and_the_wallboard_carry_the_pbxs_hold(panel: Panel) -> None:
    """保持中 comes from the live snapshot (Hold / Unhold on the agent's channel): the desk's stream
    and the wallboard's carry held_since."""
    from web.wallboard import live

    data = _live(panel.settings.server_id, state="talking")
    data["agents"]["8001"]["held_since"] = 1234.5
    db = panel.db()
    set_live(db, data, server=panel.settings.server_id)
    with panel.app.app_context():
        assert DeskState(panel.settings, "8001")(db, keep_step=False)["live"]["held_since"] == 1234.5
        assert [a["held_since"] for a in live(db)["agents"]] == [1234.5]
    db.close()
