"""The supervisor's team page: charts and KPI targets (the figures themselves: test_metrics.py)."""

from __future__ import annotations

from tests.web.conftest import Panel


def test_supervisor_page_has_charts_and_kpi_targets(panel: Panel) -> None:
    html = panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert 'id="series-data"' in html and "satisfaction ≥ 95.0%" in html
    assert panel.client("boss").get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200
