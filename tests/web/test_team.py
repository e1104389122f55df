"""The supervisor's team page: charts and KPI targets (the figures themselves: test_metrics.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline import metrics
from hotline.cases import Actor, CaseInput, open_case
from hotline.models.desk import PresenceChange
from hotline.vocabulary import Role
from tests.web.conftest import Panel, open_panel


def test_supervisor_page_has_charts_and_kpi_targets(panel: Panel) -> None:
    html = panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    # R-KPI targets named as the KPI table names them, in the page's language (not the raw keys)
    assert 'id="series-data"' in html and "客户满意率 ≥ 95.0%" in html and "satisfaction ≥" not in html
    en = panel.client("boss")
    en.get("/lang/en")
    assert "Customer satisfaction ≥ 95.0%" in en.get("/supervisor?period=month").get_data(as_text=True)
    assert panel.client("boss").get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def _half_an_hour_of_8001(panel: Panel) -> None:
    """Today: available 10 min, break 用餐 10 min, talking 5 min, after-call work 1 min, available 4 min."""
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = max(now - timedelta(hours=1), metrics.period("day", panel.settings)[0])
    rows = [("available", None, 0, 600), ("break", "用餐", 600, 1200), ("talking", None, 1200, 1500),
            ("wrap_up", None, 1500, 1560), ("available", None, 1560, 1800)]
    db = panel.db()
    for state, reason, a, b in rows:
        db.add(PresenceChange(server=panel.settings.server_id, agent="8001", state=state, reason=reason,
                              started_at=t0 + timedelta(seconds=a), ended_at=t0 + timedelta(seconds=b), by="8001"))
    db.commit()
    db.close()


def test_supervisor_page_shows_the_agents_time_in_states_and_occupancy(panel: Panel) -> None:
    """Issue 13 §1: logged-in, available, break by reason, talk, after-call work and occupancy per
    agent and for the team, from the desk's presence rows (the formulas: test_agent_time.py)."""
    _half_an_hour_of_8001(panel)
    html = panel.client("boss").get("/supervisor?period=day").get_data(as_text=True)
    table = html[html.index('id="agent-time"'):]
    table = table[:table.index("</table>")]
    rows_shown = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    # logged in 0:30:00, available 0:14:00, busy 0, break 0:10:00 (用餐), talk 0:05:00, ACW 0:01:00
    row = next(r for r in rows_shown if r and r[0] == "8001")
    assert row == ["8001", "0:30:00", "0:14:00", "0:00:00", "0:10:00", "用餐 0:10:00", "0:05:00", "0:01:00",
                   "30.0%"]  # (300 + 60) ÷ (1800 − 600)
    assert "占用率" in html or "Occupancy" in html
    csv = panel.client("boss").get("/supervisor?period=day&format=csv&table=time").get_data(as_text=True)
    assert "8001,1800,840,0,600,用餐 600,300,60,0.3" in csv


def test_the_agents_own_page_shows_their_time_in_states(panel: Panel) -> None:
    _half_an_hour_of_8001(panel)
    html = panel.client("agent1").get("/agent").get_data(as_text=True)
    shown = dict(re.findall(r'<td id="my-time-([a-z_]+-day)">([^<]*)</td>', html))
    assert shown == {"logged_in_time-day": "0:30:00", "available_time-day": "0:14:00", "busy_time-day": "0:00:00",
                     "break_time-day": "0:10:00", "talk_time-day": "0:05:00", "wrapup_time-day": "0:01:00",
                     "occupancy-day": "30.0%"}
    other = panel.client("agent2").get("/agent").get_data(as_text=True)  # 8002: never logged in
    assert '<td id="my-time-logged_in_time-day">0:00:00</td>' in other
    assert '<td id="my-time-occupancy-day">—</td>' in other


def test_my_figures_of_a_user_without_an_extension(panel: Panel) -> None:
    """An admin (no extension) opening 我的指标 saw "None" as the extension, and the desk link read
    "坐席工作台 (坐席工作台)": the newcomer's walk."""
    html = panel.client("root").get("/agent").get_data(as_text=True)
    assert "None" not in html
    assert '<a id="to-desk" class="button" href="/desk">坐席工作台</a>' in html


def test_metric_definitions_in_the_page_language(panel: Panel) -> None:
    """The team figures' definitions were English on the zh page (the newcomer's walk): every
    definition has its translation, the zh page shows it, the English page the original."""
    from hotline.metrics import METRICS
    from web.translations.zh import ZH

    missing = [k for k, m in METRICS.items() if m.definition not in ZH]
    assert missing == [], f"definitions without a zh translation: {missing}"
    html = panel.client("boss").get("/supervisor").get_data(as_text=True)
    assert ZH[METRICS["answered"].definition] in html and METRICS["answered"].definition not in html
    en = panel.client("boss")
    en.get("/lang/en")
    assert METRICS["answered"].definition in en.get("/supervisor").get_data(as_text=True)


def test_a_definition_says_its_settings_by_name_and_value(tmp_path: Path, db_url: str) -> None:
    """A definition names its thresholds by their keys (service_level_s): the page says each by its
    name and the value in force, in the page's language; what it cites as spelt elsewhere (a column,
    Asterisk's words) is marked as a name, not left as prose."""
    gen = open_panel(tmp_path, db_url, service_level_s=15.0)
    panel = next(gen)
    try:
        html = panel.client("boss").get("/supervisor").get_data(as_text=True)
        sl = html[html.index('id="m-sl"'):].split("</tr>")[0]
        assert "服务水平时限(当前 15 秒)" in sl and "service_level_s" not in sl
        assert "短时放弃时限(当前 5 秒)" in sl
        full = html[html.index('id="m-queue_full"'):].split("</tr>")[0]
        assert '<code translate="no">QUEUESTATUS</code>' in full and '<code translate="no">maxlen</code>' in full
        en = panel.client("boss")
        en.get("/lang/en")
        html = en.get("/supervisor").get_data(as_text=True)
        assert "service level time limit (now 15 s)" in html
    finally:
        next(gen, None)


def test_supervisor_page_shows_first_call_resolution_for_the_team_and_per_agent(panel: Panel) -> None:
    """R-ONE-CALL: cases resolved on the call ÷ cases where the desk said whether they were, beside
    the R-KPI case figures in the team's table, and per agent by the case's owner."""
    s, db = panel.settings, panel.db()
    for i, (agent, resolved) in enumerate((("8001", True), ("8001", False), ("8002", True), ("8002", None))):
        form = CaseInput(kind="consult", category="package", number=f"138000000{i:02d}",
                         first_call_resolved=resolved, result="answered" if resolved else None)
        open_case(db, s, Actor(agent, Role.AGENT), form, reuse_open=False)
    db.commit()
    db.close()
    html = panel.client("boss").get("/supervisor?period=day").get_data(as_text=True)
    team = html[html.index('id="team"'):]
    assert re.search(r'<th>一次解决率</th><td class="" id="m-first_call_resolution">2/3 \(66.7%\)</td>', team)
    assert team.index('id="m-case_complaint_resolution"') < team.index('id="m-first_call_resolution"')
    table = html[html.index('id="agents"'):]
    table = table[:table.index("</table>")]
    assert table.split("</tr>")[0].endswith("<th>一次解决率</th>")  # the head's last column
    rows = {r[0]: r[-1] for r in (re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in table.split("<tr>")) if r}
    assert rows == {"8001": "1/2 (50.0%)", "8002": "1/1 (100.0%)", "8003": "0/0"}
