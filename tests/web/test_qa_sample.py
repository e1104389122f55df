"""The QA sample page (质检抽检, R-QA; web/qa_sample.py): inspectors draw the day so far and grade
from it, supervisors read it, agents may not; progress, the day's statistics and the CSV; stored
text shown escaped."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from hotline.models import QaGrade, QaSample
from hotline.qa_sample import local_day
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of
from tests.web.factory import make_call
from tests.web.test_quality import _grade

HOSTILE = '<script>alert("x")</script>'


def _draw(panel: Panel, user: str = "insp", **form: str):
    c = panel.client(user)
    token = csrf_of(c, "/calls")
    return c.post("/quality/sample/draw", data={"csrf_token": token, **form})


def _rows(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr class="sample (?:un)?graded" data-call="(\d+)"', html)]


def test_the_inspector_draws_today_grades_from_the_sample_and_sees_the_statistics(panel: Panel) -> None:
    db = panel.db()
    late = make_call(db, agent="8001", within_4_rings=False)
    plain = [make_call(db, agent="8001") for _ in range(3)]
    lone = make_call(db, agent="8002", hangup_first="agent")
    make_call(db, agent="8002", disposition="abandoned")
    c = panel.client("insp")
    page = c.get("/quality/sample").get_data(as_text=True)
    assert "已检 0 / 0" in page and 'id="sample-draw"' in page and 'id="nav-qa-sample"' in page
    r = _draw(panel)
    assert r.status_code == 303
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 3 and late.id in rows and lone.id in rows and len(set(rows) & {p.id for p in plain}) == 1
    assert "超四声接听且未致歉" in html and "话务员先挂机" in html and "随机抽取" in html
    assert "已检 0 / 3" in html
    assert _grade(panel, late.id, ("accurate", "record_complete", "closing", "polite")).status_code == 303  # 50
    assert _grade(panel, lone.id).status_code == 303  # 100
    html = c.get("/quality/sample").get_data(as_text=True)
    assert "已检 2 / 3" in html
    row = re.search(rf'<tr class="sample graded" data-call="{late.id}">.*?</tr>', html, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert "50" in row and "不合格" in row
    stats = html[html.index('id="day-stats"'):]
    assert re.search(r'id="stat-graded">2<', stats) and re.search(r'id="stat-average">75\.0<', stats)
    assert re.search(r'data-band="fail">1<', stats) and re.search(r'data-band="excellent">1<', stats)
    agent_row = re.search(r'<tr data-agent="8001">(.*?)</tr>', stats, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", agent_row) == ["8001", "1", "50.0", "1"]
    # drawing again adds nothing
    assert _draw(panel).status_code == 303
    assert panel.db().query(QaSample).count() == 3


def test_the_sample_and_the_agents_as_csv(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001", survey=3)
    _draw(panel)
    _grade(panel, call.id)
    c = panel.client("boss")
    r = c.get("/quality/sample?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(x["call_pk"], x["agent"], x["reason"], x["qa_score"], x["qa_band"]) for x in rows] == [
        (str(call.id), "8001", "low_survey", "100", "excellent")]
    text = c.get("/quality/sample?format=csv&table=agents").get_data(as_text=True)
    agents = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert agents == [{"agent": "8001", "graded": "1", "average": "100.0", "failing": "0"}]
    assert c.get("/quality/sample?format=csv&table=bogus").status_code == 404


def test_a_past_day_by_the_picker(panel: Panel) -> None:
    old = make_call(panel.db(), agent="8001", at=utcnow() - timedelta(days=3))
    day = local_day(panel.settings, old.started_at).isoformat()  # type: ignore[arg-type]
    assert _draw(panel, day=day).status_code == 303
    c = panel.client("insp")
    assert _rows(c.get(f"/quality/sample?day={day}").get_data(as_text=True)) == [old.id]
    assert _rows(c.get("/quality/sample").get_data(as_text=True)) == []  # today: nothing drawn
    page = c.get("/quality/sample?day=2026-13-40")  # said, and today shown
    assert page.status_code == 200 and "2026-13-40" in page.get_data(as_text=True)
    tomorrow = (local_day(panel.settings, utcnow()) + timedelta(days=1)).isoformat()
    assert _draw(panel, day=tomorrow).status_code == 400


def test_roles(panel: Panel) -> None:
    make_call(panel.db(), agent="8001")
    assert panel.client("agent1").get("/quality/sample").status_code == 403
    assert panel.client("agent1").get("/quality/sample?format=csv").status_code == 403
    assert 'id="nav-qa-sample"' not in panel.client("agent1").get("/calls").get_data(as_text=True)
    assert _draw(panel, "agent1").status_code == 403
    boss = panel.client("boss").get("/quality/sample").get_data(as_text=True)
    assert 'id="nav-qa-sample"' in boss and 'id="sample-draw"' not in boss  # supervisors read it
    assert _draw(panel, "boss").status_code == 403
    assert panel.db().query(QaSample).count() == 0


def test_stored_text_is_shown_escaped(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent=HOSTILE)
    db.add(QaSample(day=local_day(panel.settings, utcnow()), call_pk=call.id, agent=HOSTILE, reason=HOSTILE,
                    drawn_at=utcnow(), drawn_by=HOSTILE))
    db.add(QaGrade(call_pk=call.id, agent=HOSTILE, inspector_id=3, score=40, checklist={}, created_at=utcnow()))
    db.commit()
    html = panel.client("insp").get("/quality/sample").get_data(as_text=True)
    assert HOSTILE not in html and "&lt;script&gt;" in html
