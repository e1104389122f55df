"""The supervisor's page of the PBX's log-ins and pauses (/supervisor/pbx-presence): a chosen
day's sessions and pauses with totals per agent, the agent pool's log-ins named as such, CSV of
each table, supervisors and admins only, hostile text escaped (the record: tests/hotline/
test_pbx_presence.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.models import AgentPause, AgentSession
from hotline.pbx_presence import POOL_QUEUE
from tests.web.conftest import Panel

HOSTILE = '<script>alert("x")</script>'


def _local(p: Panel, day: int, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 12, day, h, m, tzinfo=ZoneInfo(p.settings.timezone))


def _seed(p: Panel) -> None:
    db, server = p.db(), p.settings.server_id
    db.add(AgentSession(server=server, agent="8001", interface="PJSIP/8001", queue="hotline",
                        login_at=_local(p, 1, "22:00"), logout_at=_local(p, 2, "01:30")))  # from the day before
    db.add(AgentSession(server=server, agent="1001", interface="Agent:1001", queue=POOL_QUEUE,
                        login_at=_local(p, 2, "08:00"), logout_at=None))  # an agent pool's, still on
    db.add(AgentPause(server=server, agent="8001", queue="hotline", reason="午饭", paused_at=_local(p, 2, "00:10"),
                      unpaused_at=_local(p, 2, "00:40")))
    db.add(AgentSession(server=server, agent=HOSTILE, interface="x", queue=HOSTILE, login_at=_local(p, 2, "09:00"),
                        logout_at=_local(p, 2, "09:01")))
    db.add(AgentPause(server=server, agent=HOSTILE, queue=HOSTILE, reason="=1+1" + HOSTILE,
                      paused_at=_local(p, 2, "09:00"), unpaused_at=_local(p, 2, "09:00")))
    db.commit()
    db.close()


def _rows(html: str, table_id: str) -> list[list[str]]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]


def test_a_days_log_ins_and_pauses_per_agent(panel: Panel) -> None:
    _seed(panel)
    html = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-02").get_data(as_text=True)
    sessions = _rows(html, "pbx-sessions")
    head = html[html.index('id="pbx-sessions"'):]
    head = head[:head.index("</thead>")]
    assert re.findall(r"<th>([^<]*)</th>", head) == ["话务员", "队列", "签入", "签出", "当日时长"]
    # 签入 of the day before shown with its date; its duration only from midnight
    assert ["8001", "hotline", "2026-12-01 22:00:00", "01:30:00", "1:30:00"] in sessions
    pool = next(r for r in sessions if r[0] == "1001")
    assert pool[:4] == ["1001", "坐席池", "08:00:00", "在线"]
    assert pool[4] == "16:00:00"  # the day is over: open to the day's end
    assert ["8001", "hotline", "午饭", "00:10:00", "00:40:00", "0:30:00"] in _rows(html, "pbx-pauses")
    totals = _rows(html, "pbx-totals")
    assert ["8001", "1", "1:30:00", "1", "0:30:00"] in totals and ["1001", "1", "16:00:00", "0", "0:00:00"] in totals
    # another day: none of it
    other = panel.client("boss").get("/supervisor/pbx-presence?date=2026-11-30").get_data(as_text=True)
    assert _rows(other, "pbx-sessions") == _rows(other, "pbx-pauses") == [["没有记录。"]]
    csv = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-02&format=csv&table=sessions")
    assert csv.mimetype == "text/csv"
    assert "8001,hotline,2026-12-01T22:00:00.000+08:00,2026-12-02T01:30:00.000+08:00,5400" in csv.get_data(
        as_text=True)
    totals_csv = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-02&format=csv&table=totals")
    assert "8001,1,5400,1,1800" in totals_csv.get_data(as_text=True)


def test_hostile_text_is_escaped(panel: Panel) -> None:
    _seed(panel)
    c = panel.client("boss")
    html = c.get("/supervisor/pbx-presence?date=2026-12-02").get_data(as_text=True)
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 5  # agent, queue ×2, reason
    csv = c.get("/supervisor/pbx-presence?date=2026-12-02&format=csv&table=pauses").get_data(as_text=True)
    assert '"\'=1+1<script>' in csv  # a spreadsheet's formula, written as text (hotline.csv_cells)


def test_supervisors_and_admins_only_and_linked_from_their_navigation(panel: Panel) -> None:
    for user in ("agent1", "insp"):
        assert panel.client(user).get("/supervisor/pbx-presence").status_code == 403
    for user in ("boss", "root"):
        r = panel.client(user).get("/supervisor")
        assert r.status_code == 200 and 'href="/supervisor/pbx-presence"' in r.get_data(as_text=True)
    assert 'href="/supervisor/pbx-presence"' not in panel.client("agent1").get("/calls").get_data(as_text=True)


def test_a_bad_date_is_said_and_today_shown(panel: Panel) -> None:
    r = panel.client("boss").get("/supervisor/pbx-presence?date=2026-13-45")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'class="flash error"' in html and "2026-13-45" in html
    assert 'id="pbx-sessions"' in html


def test_the_hotlines_own_pause_reasons_in_the_pages_words(panel: Panel) -> None:
    """A newcomer's first demo day read 暂停 事由 wrap-up and break:培训 on a Chinese page: the
    hotline's own pause reasons (hotline.desk.presence.pause_reason) are said as the desk says its
    states; the CSV keeps the PBX's value, another system's reason stays as it is."""
    db, server = panel.db(), panel.settings.server_id
    for minute, reason in enumerate(("wrap-up", "break:培训", "busy", "logged-out", "午饭")):
        at = _local(panel, 3, f"10:0{minute}")
        db.add(AgentPause(server=server, agent="8001", queue="hotline", reason=reason, paused_at=at,
                          unpaused_at=_local(panel, 3, f"10:0{minute + 1}")))
    db.commit()
    db.close()
    html = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-03").get_data(as_text=True)
    assert [r[2] for r in _rows(html, "pbx-pauses")] == ["话后整理", "小休:培训", "示忙", "签出", "午饭"]
    csv = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-03&format=csv&table=pauses")
    assert ",wrap-up," in csv.get_data(as_text=True)


def test_static_members_paused_with_no_log_in_are_explained(panel: Panel) -> None:
    """The demo's desks showed 签入次数 0, 在线时长 0:00 with no word why: static queue members have
    no log-in on the PBX (hotline.pbx_presence.DayRecord.without_sessions). The page says so under
    the totals, naming them — only on a day that shows such an agent."""
    _seed(panel)  # 8001 and the others: each with a session on the 2nd
    boss = panel.client("boss")
    assert 'id="pbx-no-sessions"' not in boss.get("/supervisor/pbx-presence?date=2026-12-02").get_data(as_text=True)
    db, server = panel.db(), panel.settings.server_id
    for agent in ("8002", HOSTILE):
        db.add(AgentPause(server=server, agent=agent, queue="hotline", reason="wrap-up",
                          paused_at=_local(panel, 3, "09:00"), unpaused_at=_local(panel, 3, "09:01")))
    db.commit()
    db.close()
    html = boss.get("/supervisor/pbx-presence?date=2026-12-03").get_data(as_text=True)
    note = html[html.index('id="pbx-no-sessions"'):]
    note = note[:note.index("</p>")]
    assert "8002" in note and "静态队列成员" in note and "签入次数为 0" in note
    assert "&lt;script&gt;" in note and HOSTILE not in html  # a name from the PBX, escaped


def test_a_pool_agent_is_named_as_on_its_calls_with_its_id_beside(panel: Panel) -> None:
    """A pool agent's session named by its queue member (ami_listener.store: Alice, as the call
    records name it) shows that name with the id the agent logged in with, and its pauses in the
    pool's queue (member Alice) count on the same row: one person, one row."""
    db, server = panel.db(), panel.settings.server_id
    db.add(AgentSession(server=server, agent="Alice", interface="Agent:1001", queue=POOL_QUEUE,
                        login_at=_local(panel, 2, "08:00"), logout_at=_local(panel, 2, "12:00")))
    db.add(AgentPause(server=server, agent="Alice", queue="pool", reason="午饭", paused_at=_local(panel, 2, "10:00"),
                      unpaused_at=_local(panel, 2, "10:30")))
    db.commit()
    db.close()
    html = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-02").get_data(as_text=True)
    assert ["Alice (1001)", "坐席池", "08:00:00", "12:00:00", "4:00:00"] in _rows(html, "pbx-sessions")
    assert _rows(html, "pbx-totals") == [["Alice (1001)", "1", "4:00:00", "1", "0:30:00"]]
    assert ["Alice", "pool", "午饭", "10:00:00", "10:30:00", "0:30:00"] in _rows(html, "pbx-pauses")
    csv = panel.client("boss").get("/supervisor/pbx-presence?date=2026-12-02&table=sessions&format=csv")
    assert "Alice (1001)" in csv.get_data(as_text=True)
