"""The supervisor's team page: charts and KPI targets (the figures themselves: test_metrics.py)."""

from __future__ import annotations

from tests.web.conftest import Panel


def test_supervisor_page_has_charts_and_kpi_targets(panel: Panel) -> None:
    html = panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    # R-KPI targets named as the KPI table names them, in the page's language (not the raw keys)
    assert 'id="series-data"' in html and "客户满意率 ≥ 95.0%" in html and "satisfaction ≥" not in html
    en = panel.client("boss")
    en.get("/lang/en")
    assert "Customer satisfaction ≥ 95.0%" in en.get("/supervisor?period=month").get_data(as_text=True)
    assert panel.client("boss").get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


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
    assert ZH[METRICS["compliance"].definition] in html and METRICS["compliance"].definition not in html
    en = panel.client("boss")
    en.get("/lang/en")
    assert METRICS["offered"].definition in en.get("/supervisor").get_data(as_text=True)
