"""The wallboard's event stream: a snapshot first, then one push per live_state change."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from tests.web.conftest import Panel, csrf_of
from tests.web.factory import live_data, make_call, set_live


def _events(chunks: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    buf = b""
    for chunk in chunks:
        buf += chunk
        while b"\n\n" in buf:
            frame, buf = buf.split(b"\n\n", 1)
            for line in frame.decode().splitlines():
                if line.startswith("data: "):
                    yield json.loads(line[6:])


def test_stream_pushes_live_state_changes(panel: Panel) -> None:
    db = panel.db()
    make_call(db, agent="8001", wait=5)
    make_call(db, disposition="abandoned", wait=60)
    set_live(db, live_data(waiting=0))
    r = panel.client("boss").get("/wallboard/stream", buffered=False)
    assert r.status_code == 200 and r.mimetype == "text/event-stream"
    events = _events(iter(r.response))
    first = next(events)
    assert first["waiting"] == 0 and first["sl"] == {"num": 1, "den": 2, "pct": 50.0, "n": 20.0}
    # a change made by "the listener" while the stream is open
    t0 = time.monotonic()
    threading.Timer(0.3, lambda: set_live(panel.db(), live_data(waiting=3, ringing=1, talking=2, paused=1))).start()
    second = next(events)
    print(f"wallboard push {time.monotonic() - t0 - 0.3:.3f} s after the change")
    assert second["waiting"] == 3
    assert second["counts"] == {"idle": 0, "ringing": 1, "talking": 2, "paused": 1, "unavailable": 0}
    assert second["oldest_since"] is not None and time.time() - second["oldest_since"] >= 31
    # caller names never reach the wallboard
    assert "<b>x</b>" not in json.dumps(second)
    r.close()


def test_several_servers_add_up_and_bad_rows_do_not_break_it(panel: Panel) -> None:
    db = panel.db()
    set_live(db, live_data(waiting=1, talking=1), server="pbx1")
    set_live(db, live_data(waiting=2, ringing=1), server="pbx2")
    set_live(db, {"queues": "garbage", "agents": {"9001": {"state": "weird"}}}, server="pbx3")
    snap = panel.client("boss").get("/wallboard/snapshot").get_json()
    assert snap["waiting"] == 3
    assert snap["counts"]["talking"] == 1 and snap["counts"]["ringing"] == 1 and snap["counts"]["unavailable"] == 1


def _ends_within(chunks: Iterator[bytes], seconds: float) -> bool:
    """Whether the stream ends (the server closes it) within ``seconds``."""
    done = threading.Event()

    def drain() -> None:
        for _chunk in chunks:  # read to the end; only the end matters
            continue
        done.set()

    threading.Thread(target=drain, daemon=True).start()
    return done.wait(seconds)


def test_an_open_stream_ends_when_its_user_is_disabled_or_logs_out(panel: Panel) -> None:
    """Issue 19: the stream rechecks its user (every wallboard_user_check_s), so a supervisor who is
    disabled, or logs out (elsewhere: every session of theirs ends), stops receiving live data."""
    from web.auth.users import set_active

    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(wallboard_user_check_s=0.1)
    for user, how in (("boss", "still allowed"), ("boss", "logout"), ("root", "disable")):
        r = panel.client(user).get("/wallboard/stream", buffered=False)
        assert r.headers["Cache-Control"] == "no-store"
        chunks = iter(r.response)
        assert next(_events(chunks))["waiting"] == 0
        if how == "still allowed":  # past several checks, a change still arrives
            time.sleep(0.5)
            set_live(panel.db(), live_data(waiting=2))
            assert next(_events(chunks))["waiting"] == 2
            set_live(panel.db(), live_data(waiting=0))
            r.close()
            continue
        if how == "disable":
            set_active(panel.db(), user, False)
        elif how == "logout":
            other = panel.client(user)
            assert other.post("/logout", data={"csrf_token": csrf_of(other, "/supervisor")}).status_code == 302
        assert _ends_within(chunks, 1.5), how
        r.close()


def test_a_supervisor_sets_an_agents_state_from_the_wallboard(panel: Panel, monkeypatch: Any, caplog: Any) -> None:
    """示忙 / 小休 / 签出 / 示闲 forced by a supervisor: applied to the queue, stored as forced, by whom."""
    from sqlalchemy import select

    from hotline.desk import presence
    from hotline.models.desk import PresenceChange
    from tests.hotline.desk.fakes import RecordingAmi

    class _Ami(RecordingAmi):
        def login(self) -> None:
            """Nothing to log in to: the stand-in answers every action itself."""

        def close(self) -> None:
            """Nothing to close."""

    ami = _Ami()
    monkeypatch.setattr(presence.Ami, "from_settings", classmethod(lambda cls, s, **kw: ami))
    c = panel.client("boss")
    h = {"X-CSRFToken": csrf_of(c, "/wallboard")}
    html = c.get("/wallboard").get_data(as_text=True)
    force = json.loads(html.split('id="wb-force">', 1)[1].split("</script>", 1)[0])
    assert force["states"]["break"] == "小休" and force["reasons"] == panel.settings.desk_break_reasons
    assert "data-presence=" in html
    r = c.post("/wallboard/presence", data={"agent": "8001", "state": "available"}, headers=h)
    assert r.get_json()["ok"] is True and r.get_json()["state"] == "available"
    r = c.post("/wallboard/presence", data={"agent": "8001", "state": "break", "reason": "会议"}, headers=h)
    assert r.get_json()["ok"] is True and r.get_json()["state"] == "break"
    assert [n for n, _ in ami.sent] == ["QueueAdd", "QueuePause"]
    assert ami.sent[1][1].get("Reason") == "break:会议" and ami.sent[1][1].get("Paused") in ("true", True, "1")
    # refused cleanly: a call phase, an unknown agent, a reason not in the settings, no CSRF, an agent
    # refusals: a 4xx in the panel's one shape (web/refusal.py), each logged once
    for data, error, message in (({"agent": "8001", "state": "talking"}, "unknown_state", "未知状态:talking"),
                                 ({"agent": "9999", "state": "busy"}, "not_an_agent", "9999 不是本热线的坐席。"),
                                 ({"agent": "8001", "state": "break", "reason": "nap"}, "break_reason", None)):
        caplog.clear()
        with caplog.at_level("INFO", logger="web.refusal"):
            r = c.post("/wallboard/presence", data=data, headers=h)
        body = r.get_json()
        assert (r.status_code, body["ok"], body["error"]) == (400, False, error), body
        assert body["message"] == message if message else "用餐" in body["message"], body
        lines = [rec.getMessage() for rec in caplog.records if rec.name == "web.refusal"]
        assert len(lines) == 1 and "by boss" in lines[0] and error in lines[0], lines
    assert c.post("/wallboard/presence", data={"agent": "8001", "state": "busy"}).status_code == 400
    agent = panel.client("agent1")
    assert agent.post("/wallboard/presence", data={"agent": "8001", "state": "logged_out"},
                      headers={"X-CSRFToken": csrf_of(agent, "/desk")}).status_code in (302, 403)
    r = c.post("/wallboard/presence", data={"agent": "8001", "state": "logged_out"}, headers=h)
    assert r.get_json()["ok"] is True and ami.sent[-1][0] == "QueueRemove"
    db = panel.db()
    rows = db.scalars(select(PresenceChange).where(PresenceChange.agent == "8001")
                      .order_by(PresenceChange.id)).all()
    assert [(x.state, x.reason, x.by, x.forced) for x in rows] == [
        ("available", None, "boss", True), ("break", "会议", "boss", True), ("logged_out", None, "boss", True)]
    assert rows[1].previous == "available" and rows[0].ended_at is not None and rows[2].ended_at is None
    db.close()


def test_an_agent_on_an_internal_call_is_labelled(panel: Panel) -> None:
    """A phone calling a phone (issue #12): the listener marks the agent whose phone placed a call
    of its own; the wallboard says so (内部通话)."""
    db = panel.db()
    set_live(db, {"agents": {"8001": {"state": "talking", "since": time.time() - 5, "internal": True},
                             "8002": {"state": "talking", "since": time.time() - 5}}})
    snap = panel.client("boss").get("/wallboard/snapshot").get_json()
    by_agent = {a["agent"]: a for a in snap["agents"]}
    assert by_agent["8001"]["internal"] is True and by_agent["8002"]["internal"] is False
    page = panel.client("boss").get("/wallboard").get_data(as_text=True)
    assert json.loads(page.split('id="wb-states">')[1].split("</script>")[0])["internal"] == "内部通话"


def test_an_agent_on_its_own_desk_dial_is_labelled(panel: Panel) -> None:
    """外呼 / 回拨 from the desk: the listener marks the agent's call outbound; the wallboard says 外呼
    beside ringing / talking, so a supervisor does not take it for a queue call."""
    db = panel.db()
    set_live(db, {"agents": {"8001": {"state": "ringing", "since": time.time() - 5, "call_id": "cb-1-x",
                                      "outbound": True},
                             "8002": {"state": "ringing", "since": time.time() - 5, "call_id": "c2"}}})
    snap = panel.client("boss").get("/wallboard/snapshot").get_json()
    by_agent = {a["agent"]: a for a in snap["agents"]}
    assert by_agent["8001"]["outbound"] is True and by_agent["8002"]["outbound"] is False
    page = panel.client("boss").get("/wallboard").get_data(as_text=True)
    assert json.loads(page.split('id="wb-states">')[1].split("</script>")[0])["outbound"] == "外呼"


def test_streams_share_todays_figures(panel: Panel, monkeypatch: Any) -> None:
    """#17: today's SL (and the overdue orders) is read once for every open wallboard of the
    process, at most every SL_MIN_S after live changes — not by each stream on each change (the
    running hour's figures, computed live, made the panel's work and memory grow with the hour)."""
    import web.wallboard as wallboard

    reads: list[int] = []
    real = wallboard.today_sl

    def counted(db: Any, s: Any) -> dict[str, Any]:
        reads.append(1)
        return real(db, s)

    monkeypatch.setattr(wallboard, "today_sl", counted)
    monkeypatch.setattr(wallboard, "SL_MIN_S", 3600.0)
    monkeypatch.setattr(wallboard, "SL_REFRESH_S", 3600.0)
    db = panel.db()
    make_call(db, agent="8001", wait=5)
    set_live(db, live_data(waiting=0))
    responses = [panel.client("boss").get("/wallboard/stream", buffered=False) for _ in range(3)]
    streams = [_events(iter(r.response)) for r in responses]
    assert [next(e)["sl"]["num"] for e in streams] == [1, 1, 1]
    assert len(reads) == 1
    for n in range(1, 4):
        set_live(panel.db(), live_data(waiting=n))
        assert [next(e)["waiting"] for e in streams] == [n, n, n]
    assert len(reads) == 1  # nine pushes of live changes: today's figures read once
    # a call answered: the next live change after SL_MIN_S reads them again, once for all three
    monkeypatch.setattr(wallboard, "SL_MIN_S", 0.0)
    make_call(panel.db(), agent="8002", wait=5)
    set_live(panel.db(), live_data(waiting=9))
    assert [next(e)["sl"]["num"] for e in streams] == [2, 2, 2]
    assert len(reads) == 2
    for r in responses:
        r.close()


def test_a_paused_agent_shows_what_was_chosen_at_the_desk(panel: Panel) -> None:
    """The queue only says "paused": the wallboard's row gives the desk's presence and reason
    (小休 会议 forced by a supervisor, 话后整理), the newest open row of each agent, so a forced
    break does not read 示忙."""
    from datetime import timedelta

    from hotline.models.desk import PresenceChange
    from hotline.timeutil import utcnow

    db = panel.db()
    now, server = utcnow(), panel.settings.server_id
    set_live(db, {"agents": {a: {"state": "paused", "since": time.time() - 5} for a in ("8001", "8002", "8003")}},
             server=server)
    db.add_all([
        PresenceChange(server=server, agent="8001", state="busy", started_at=now - timedelta(minutes=5), by="8001"),
        PresenceChange(server=server, agent="8001", state="break", reason="会议", started_at=now, by="boss",
                       forced=True),
        PresenceChange(server=server, agent="8002", state="wrap_up", started_at=now, by="system"),
        PresenceChange(server="other", agent="8003", state="break", reason="用餐", started_at=now, by="8003")])
    db.commit()
    db.close()
    snap = panel.client("boss").get("/wallboard/snapshot").get_json()
    by_agent = {a["agent"]: (a["state"], a["presence"], a["reason"]) for a in snap["agents"]}
    assert by_agent == {"8001": ("paused", "break", "会议"), "8002": ("paused", "wrap_up", None),
                        "8003": ("paused", None, None)}  # another server's row is not this one's
    page = panel.client("boss").get("/wallboard").get_data(as_text=True)
    assert json.loads(page.split('id="wb-states">')[1].split("</script>")[0])["wrap_up"] == "话后整理"


def test_the_waiting_callers_longest_first_masked_vip_marked(panel: Panel) -> None:
    """排队来电 behind the count: each waiting caller's wait, the number masked (a shared screen:
    no name either) and VIP, longest wait first; the monitor buttons in their escalation order
    (tojson sorted a mapping's keys: 强插 / 强拆 came first)."""
    now = time.time()
    set_live(panel.db(), {"queues": {"hotline": {"waiting": [
        {"call_id": "c2", "caller_number": "13900000002", "caller_name": "<b>x</b>", "since": now - 20},
        {"call_id": "c1", "caller_number": "13900000001", "caller_name": "<b>x</b>", "since": now - 90}]},
        "vip": {"waiting": [{"call_id": "c3", "caller_number": None, "since": now - 40}]}},
        "agents": {}, "calls": {"c2": {"caller_number": "13900000002", "vars": {"HOTLINE_VIP": "1"}}}})
    snap = panel.client("boss").get("/wallboard/snapshot").get_json()
    assert snap["queue"] == [{"since": now - 90, "number": "*******0001", "vip": False},
                             {"since": now - 40, "number": None, "vip": False},
                             {"since": now - 20, "number": "*******0002", "vip": True}]
    assert "<b>x</b>" not in json.dumps(snap)
    page = panel.client("boss").get("/wallboard").get_data(as_text=True)
    assert 'id="wb-queue"' in page
    modes = json.loads(page.split('id="wb-modes">')[1].split("</script>")[0])
    assert [m for m, _label in modes] == ["listen", "whisper", "barge", "force_hangup"]


def test_the_stream_carries_the_alerts_and_raises_one_when_a_wait_reaches_its_limit(panel: Panel) -> None:
    """监控告警: the snapshot carries the alerts (hotline/live_alerts.py) with what the page needs to
    say them; a caller's wait crossing its limit raises one with no change of live_state (the
    stream judges the clocks too). A break's reason goes out as data, never as markup."""
    from datetime import timedelta

    from hotline.models.desk import PresenceChange
    from hotline.timeutil import utcnow

    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(alert_longest_wait_s=3, alert_waiting_callers=0, alert_break_s=60,
                                              alert_no_agent_s=0)
    db = panel.db()
    server, now = panel.settings.server_id, time.time()
    set_live(db, {"queues": {"hotline": {"waiting": [{"call_id": "c1", "since": now - 1}]}},
                  "agents": {"8001": {"state": "paused", "since": now - 300}}}, server=server)
    db.add(PresenceChange(server=server, agent="8001", state="break", reason="<b>x</b>", by="8001",
                          started_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    db.close()
    r = panel.client("boss").get("/wallboard/stream", buffered=False)
    events = _events(iter(r.response))
    first = next(events)
    assert [(a["key"], a["kind"], a["severity"], a["agent"]) for a in first["alerts"]] == [
        ("break:pbx1/8001", "break", "warning", "8001")]
    assert first["alerts"][0]["params"]["reason"] == "<b>x</b>"
    assert first["agents"][0]["presence_since"] is not None
    second = next(events)  # nothing written: the wait reached 3 s
    assert [a["key"] for a in second["alerts"]] == ["break:pbx1/8001", "longest_wait:hotline"]  # the oldest first
    assert second["alerts"][1]["since"] == now - 1 and second["alerts"][1]["queue"] == "hotline"
    r.close()
    page = panel.client("boss").get("/wallboard").get_data(as_text=True)
    texts = json.loads(page.split('id="wb-alert-texts">')[1].split("</script>")[0])
    assert texts["break"] == "坐席 %(agent)s 小休(%(reason)s)已 %(for)s(上限 %(limit)s 分钟)"


def test_streams_share_the_alerts(panel: Panel, monkeypatch: Any) -> None:
    """The alerts are judged once for every open wallboard on each change of the floor, like
    today's SL: not by each stream on each read."""
    import web.wallboard as wallboard

    judged: list[int] = []
    real = wallboard.alerts

    def counted(*args: Any) -> Any:
        judged.append(1)
        return real(*args)

    monkeypatch.setattr(wallboard, "alerts", counted)
    monkeypatch.setattr(wallboard, "SL_MIN_S", 0.0)  # today's SL re-read on each change: the same SL, not judged again
    ext = panel.app.extensions["hotline"]
    ext["settings"] = ext["settings"].replace(alert_waiting_callers=2, alert_longest_wait_s=0, alert_no_agent_s=0)
    set_live(panel.db(), live_data(waiting=1))
    responses = [panel.client("boss").get("/wallboard/stream", buffered=False) for _ in range(3)]
    streams = [_events(iter(r.response)) for r in responses]
    assert [next(e)["alerts"] for e in streams] == [[], [], []]
    assert len(judged) == 1
    set_live(panel.db(), live_data(waiting=2))
    assert [[a["key"] for a in next(e)["alerts"]] for e in streams] == [["waiting:hotline"]] * 3
    assert len(judged) == 2
    for r in responses:
        r.close()


def test_the_sl_alerts_since_is_shared_by_every_panel_process(panel: Panel, monkeypatch: Any) -> None:
    """#17: the moment today's SL fell under its target is stored (hotline.sl_alert_since): two panel
    processes (two shared judges on one database) say the same since, a restarted one keeps it, the
    first judgement that finds SL recovered clears it for all, and a new local day starts afresh.
    Until 6 December each process kept its own: two panels behind a proxy said two different
    moments, and a restart started the clock again."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import web.wallboard as wallboard
    from hotline.live_alerts import Floor
    from web.context import session_factory

    clock = [datetime(2026, 12, 6, 23, 50, tzinfo=ZoneInfo(panel.settings.timezone)).timestamp()]
    monkeypatch.setattr(wallboard.time, "time", lambda: clock[0])
    sl = [(1, 2)]
    monkeypatch.setattr(wallboard, "today_sl", lambda db, s: {"num": sl[0][0], "den": sl[0][1],
                                                             "pct": 100 * sl[0][0] / sl[0][1], "n": 20.0})
    monkeypatch.setattr(wallboard, "SL_REFRESH_S", 0.0)  # today's SL read at each get
    s = panel.settings.replace(alert_sl_target_pct=80, alert_sl_min_offered=1)
    with panel.app.app_context():
        Session = session_factory()

    def since(part: Any) -> list[float | None]:
        return [a["since"] for a in part.get(Session, s, {}, Floor())["alerts"] if a["kind"] == "service_level"]

    one, two = wallboard._SlowPart(), wallboard._SlowPart()
    fell = clock[0]
    assert since(one) == [fell]
    clock[0] += 60
    assert since(two) == [fell]  # the other process: the first judgement's moment, not its own
    sl[0] = (1, 3)
    clock[0] += 60
    assert since(one) == since(two) == [fell]  # another figure, still under
    assert since(wallboard._SlowPart()) == [fell]  # a panel restarted
    sl[0] = (4, 5)
    clock[0] += 60
    assert since(two) == []  # recovered, judged by one process
    sl[0] = (4, 6)
    clock[0] += 60
    again = clock[0]
    assert since(one) == [again]  # under again: the clock starts afresh, in the process that kept the old one too
    assert since(two) == [again]
    clock[0] += 15 * 60  # past local midnight, still under (the figure stubbed): yesterday's since is not today's
    assert since(two) == [clock[0]]
    assert since(one) == [clock[0]]


def test_the_wallboard_in_english_says_its_own_words_in_english(panel: Panel) -> None:
    """监听 / 耳语 / 强插 / 强拆 and the states a supervisor sets were written in Chinese into the
    English page's script labels until 6 December: every word the page and its script show is the
    page's language, the operator's data (its name, its break reasons) and the 中文 switch aside."""
    import re

    from tests.web.test_zh_sweep import _Visible

    c = panel.client("boss")
    c.get("/lang/en")
    html = c.get("/wallboard").get_data(as_text=True)
    labels = [json.loads(m) for m in re.findall(r'<script type="application/json" id="wb-[a-z-]+">(.*?)</script>',
                                                html, re.S)]
    assert len(labels) >= 6 and '"Listen in"' in json.dumps(labels) and '"On a break"' in json.dumps(labels)
    page = _Visible()
    page.feed(html)
    seen = "\n".join([*page.parts, json.dumps(labels, ensure_ascii=False)])
    data = {*panel.settings.desk_break_reasons, panel.settings.company_name}
    assert set(re.findall(r"[\u4e00-\u9fff]+", seen)) <= {*data, "中文"}
