"""The supervisor page, the JSON API, the CSV export and the agent page show the figures of
hotline.metrics (the definitions are tested in tests/hotline/metrics) on the hand-counted day."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.support.metrics_day import hand_counted_day
from tests.web.conftest import Panel


@pytest.fixture
def day(panel: Panel) -> dict[str, Any]:
    db = panel.db()
    try:
        return hand_counted_day(db, panel.settings)
    finally:
        db.close()


def test_page_api_and_csv_show_the_same_numbers(panel: Panel, day: dict[str, Any]) -> None:
    c = panel.client("boss")
    html = c.get("/supervisor?period=day").get_data(as_text=True)
    assert 'id="m-sl">2/6 (33.3%)' in html
    assert 'id="m-abandon_rate">1/7 (14.3%)' in html
    assert 'id="m-callback_closure">0/0<' in html  # no tasks: numerator/denominator, no percent
    api = c.get("/api/v1/metrics?period=day").get_json()["metrics"]
    assert api["sl"] == {"num": 2, "den": 6, "value": pytest.approx(2 / 6)}
    assert api["callback_closure"] == {"num": 0, "den": 0, "value": None}
    rows = list(csv.DictReader(io.StringIO(
        c.get("/supervisor?period=day&format=csv&table=team").get_data(as_text=True).lstrip("\ufeff"))))
    sl = next(r for r in rows if r["metric"] == "sl")
    assert (sl["num"], sl["den"]) == ("2", "6")
    agents = list(csv.DictReader(io.StringIO(
        c.get("/supervisor?period=day&format=csv&table=agents").get_data(as_text=True).lstrip("\ufeff"))))
    a1 = next(r for r in agents if r["agent"] == "8001")
    assert a1["four_ring_violations"] == "2" and a1["four_ring_rate"] == "0.5"
    api_agents = c.get("/api/v1/agents/metrics?period=day").get_json()["agents"]
    assert api_agents["8001"]["four_ring_violations"] == 2
    kpi = c.get("/supervisor?period=day&format=csv&table=kpi").get_data(as_text=True)
    assert "8001" in kpi


def test_agent_page_shows_own_figures(panel: Panel, day: dict[str, Any]) -> None:
    html = panel.client("agent1").get("/agent").get_data(as_text=True)
    assert "我的指标" in html
    assert "1/2 (50.0%)" in html  # 4-ring rate and satisfaction of 8001 today
    assert "没有待回访任务" in html  # no callback task yet
    assert "90" in html  # the corrected QA grade


def test_agent_service_level_is_served_under_its_own_key(panel: Panel, day: dict[str, Any]) -> None:
    """/api/v1/agents/metrics and the agents CSV: an agent's SL is sl_answered (÷ answered); sl
    (÷ offered) is the team's and has no value per agent."""
    c = panel.client("boss")
    api = c.get("/api/v1/agents/metrics?period=day").get_json()["agents"]
    assert api["8001"]["sl"] is None
    assert api["8001"]["sl_answered"] == {"num": 1, "den": 2, "value": 0.5}
    team = c.get("/api/v1/metrics?period=day").get_json()["metrics"]
    assert team["sl"]["den"] == 6 and team["sl_answered"]["den"] == 4
    agents = list(csv.DictReader(io.StringIO(
        c.get("/supervisor?period=day&format=csv&table=agents").get_data(as_text=True).lstrip("\ufeff"))))
    assert next(r for r in agents if r["agent"] == "8001")["sl_answered"] == "0.5"
    assert "sl" not in agents[0]
    mine = panel.client("agent1").get("/agent").get_data(as_text=True)
    assert "服务水平(÷接通)" in mine  # the catalogue's label, the one source


def test_the_average_times_say_their_unit(panel: Panel, day: dict[str, Any]) -> None:
    """平均应答时间 4.3 read as a bare number on 我的指标 and 班组 (the newcomer's walk, 7 December):
    the averages in seconds say so, on the pages and in the page's language."""
    mine = panel.client("agent1").get("/agent").get_data(as_text=True)
    assert "平均应答时间(秒)" in mine and "平均处理时长(秒)" in mine
    team = panel.client("boss").get("/supervisor?period=day").get_data(as_text=True)
    assert all(f"{name}(秒)" in team for name in ("平均应答时间", "平均处理时长", "平均保持时长"))
    c = panel.client("boss")
    c.get("/lang/en")
    assert "ASA (s)" in c.get("/supervisor?period=day").get_data(as_text=True)
