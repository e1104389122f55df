"""Query strings a hostile or careless user sends: a clear answer, never a 500 (issue 19)."""

from __future__ import annotations

import pytest

from tests.web.conftest import Panel

# an unknown format, or a table without format=csv: 400 saying so
BAD_EXPORTS = ["/supervisor?table=kpi", "/supervisor?format=x", "/faults?format=x", "/outages?format=x",
               "/complaints?format=x", "/complaints?table=overdue", "/calls?format=x", "/calls?table=x"]
# a CSV table the page does not have: 404, as before
NO_SUCH_TABLE = ["/supervisor?format=csv&table=nope", "/supervisor?format=csv", "/faults?format=csv&table=x",
                 "/complaints?format=csv&table=nope"]
# dates no calendar of this product holds (the day after 9999-12-31 does not exist; 0001-01-01 in
# the operator's zone starts before year 1 in UTC)
FAR_DATES = ["date_to=9999-12-31", "date_from=0001-01-01", "date_from=9999-12-31&date_to=9999-12-31"]
PAGES = ["/supervisor", "/faults", "/complaints", "/calls"]
API = ["/api/v1/calls", "/api/v1/metrics", "/api/v1/agents/metrics", "/api/v1/faults"]


@pytest.mark.parametrize("path", BAD_EXPORTS)
def test_unknown_format_or_table_is_a_400(panel: Panel, path: str) -> None:
    r = panel.client("boss").get(path)
    assert r.status_code == 400, (path, r.status_code)
    assert ("format" in r.get_data(as_text=True)) or ("table" in r.get_data(as_text=True))


@pytest.mark.parametrize("path", NO_SUCH_TABLE)
def test_unknown_table_is_a_404(panel: Panel, path: str) -> None:
    assert panel.client("boss").get(path).status_code == 404, path


def test_far_dates_are_a_400_on_the_api_and_a_message_on_pages(panel: Panel) -> None:
    boss = panel.client("boss")
    for q in FAR_DATES:
        for path in API:
            r = boss.get(f"{path}?{q}")
            assert r.status_code == 400, (path, q, r.status_code)
            assert "超出范围(1970-01-02 至 2999-12-31)" in r.get_json()["details"][0]
        for path in PAGES:  # as any bad date on a page: the reason shown, no filter applied
            r = boss.get(f"{path}?{q}")
            assert r.status_code == 200, (path, q, r.status_code)
            assert "超出范围" in r.get_data(as_text=True), (path, q)


# every filter error a list can say, in the panel's language (until 6 December: English)
FILTER_ERRORS = [
    ("/calls?date_from=x", "开始日期:不是有效日期(格式 YYYY-MM-DD):&#39;x&#39;"),
    ("/calls?date_to=2026-13-01", "结束日期:不是有效日期"),
    # the choices by the names the page's selects show (they were the stored English keys)
    ("/calls?number=abc", "号码:只能填数字"), ("/calls?disposition=nope", "结果:应为 已接通, 放弃,"),
    ("/calls?qa_band=zz", "质检分数段:应为 不合格(&lt;60), 合格(60–79), 良好(80–89), 优秀(≥90) 之一"),
    ("/calls?qa=x", "质检:应为 已质检, 未质检 之一,而不是 &#39;x&#39;"),
    ("/calls?date_from=2026-12-07&date_to=2026-12-01", "开始日期 2026-12-07 晚于结束日期 2026-12-01:查不到任何记录。"),
    ("/supervisor?period=year", "周期:应为 今天, 本周, 本月 之一,而不是 &#39;year&#39;"),
    ("/supervisor?date_from=2020-01-01&date_to=2026-01-01", "日期范围超过一年:已截为 366 天。"),
    ("/cases?status=nope", "状态:应为"), ("/cases?number=abc", "号码:只能填数字"),
    ("/api/v1/calls?disposition=nope", "结果:应为 已接通, 放弃,"),
    ("/api/v1/callbacks?reason=nope", "事由:应为"),
]


@pytest.mark.parametrize(("url", "said"), FILTER_ERRORS)
def test_filter_errors_are_said_in_the_panels_language(panel: Panel, url: str, said: str) -> None:
    r = panel.client("boss").get(url)
    text = " ".join(r.get_json()["details"]) if url.startswith("/api/") else r.get_data(as_text=True)
    assert said in text.replace("&#34;", '"'), (url, r.status_code)
    assert " not a date" not in text and "digits only" not in text and ", not " not in text


def test_every_csv_link_on_the_pages_works(panel: Panel) -> None:
    """The links keep the page's filters and name their table once (a second ``table=`` from the
    query string made ``/supervisor?table=kpi`` a 500)."""
    import re

    boss = panel.client("boss")
    for page in ("/supervisor?period=week", "/faults?overdue=1", "/complaints", "/outages", "/calls?agent=8001"):
        html = boss.get(page).get_data(as_text=True)
        links = re.findall(r'class="csv" href="([^"]+)"', html)
        assert links, page
        for link in links:
            r = boss.get(link.replace("&amp;", "&"))
            assert r.status_code == 200 and r.mimetype == "text/csv", (page, link)
            # one charset parameter (the mimetype named it and Flask added it again)
            assert r.headers["Content-Type"] == "text/csv; charset=utf-8", (page, link)
    for path in ("/customers/export", "/cases/analysis?year=2026&month=4&format=csv"):
        assert boss.get(path).headers["Content-Type"] == "text/csv; charset=utf-8", path


# every filter name the pages read, each with a value no page accepts (issue 19: clear errors, no 500s)
HOSTILE_QS = ("format=x&table=kpi&date_from=9999-12-31&date_to=x&page=-1&period=zzz&agent=%00&q=%00&status=x"
              "&limit=x&month=13&year=x&day=x&sort=x&kind=x&category=x&team=x&days=x&offset=x&id=x&date=x"
              "&week=x&mode=x&view=x&overdue=x&due=x&owner=%00&rating=x&disposition=x&direction=x&queue=%00"
              "&number=%0a&from=x&to=x&since=x&until=x&hours=x&open=x&server=%00&qa=x&lang=x")


def test_no_page_answers_a_hostile_query_string_with_a_500(panel: Panel) -> None:
    """Every page without a path argument, as the admin (who may open them all), with filters no
    page accepts and with a CSV table no page has: an answer or a clear error, never a 500."""
    rules = [r for r in panel.app.url_map.iter_rules() if "GET" in (r.methods or ()) and not r.arguments
             and r.endpoint != "static" and not r.rule.endswith("stream")]
    assert len(rules) > 20
    root = panel.client("root")
    failed = [(r.rule, q, code) for r in rules for q in (HOSTILE_QS, "format=csv&table=x")
              if (code := root.get(f"{r.rule}?{q}").status_code) >= 500]
    assert failed == []
