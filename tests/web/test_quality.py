"""The QA score sheet in the panel (R-QA): score bands in the call search and the API, a typed
grade from before the sheet kept as typed, the agent's own deductions, the supervisor's averages
in bands."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from hotline.models import QaGrade
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of
from tests.web.factory import make_call

ITEMS = ("greeting", "four_rings", "polite", "no_interrupt", "confirmed", "accurate", "record_complete", "closing",
         "hung_up_last", "no_quarrel", "privacy")


def _grade(p: Panel, call_pk: int, missed: tuple[str, ...] = (), **form: str) -> Any:
    """A grade posted with ``missed`` unticked, each with a remark unless ``form`` says otherwise."""
    c = p.client("insp")
    token = csrf_of(c, f"/calls/{call_pk}")
    ticks = {f"item_{k}": "1" for k in ITEMS if k not in missed}
    remarks = {f"remark_{k}": f"missed {k}" for k in missed}
    return c.post(f"/calls/{call_pk}/qa", data={"csrf_token": token, **ticks, **remarks, **form})


def _ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'<tr class="call" data-id="(\d+)"', html)}


def test_calls_by_score_band_in_the_panel_and_the_api(panel: Panel) -> None:
    db = panel.db()
    top, good, fair, vetoed, typed, corrected, ungraded = (make_call(db, agent="8001") for _ in range(7))
    db.add(QaGrade(call_pk=typed.id, agent="8001", inspector_id=3, score=65, checklist={}, created_at=utcnow()))
    db.commit()
    assert _grade(panel, top.id).status_code == 303  # 100
    _grade(panel, good.id, ("accurate",))  # 85
    _grade(panel, fair.id, ("accurate", "record_complete", "closing"))  # 65
    _grade(panel, vetoed.id, ("privacy",))  # 0
    _grade(panel, corrected.id)  # 100, then corrected to 50
    first = panel.db().query(QaGrade).filter_by(call_pk=corrected.id).one()
    _grade(panel, corrected.id, ("polite", "accurate", "record_complete", "closing"),
           corrects_id=str(first.id), reason="listened again")
    scores = {(g.call_pk, g.corrects_id is not None): g.score for g in panel.db().query(QaGrade)}
    assert scores == {(top.id, False): 100, (good.id, False): 85, (fair.id, False): 65, (vetoed.id, False): 0,
                      (typed.id, False): 65, (corrected.id, False): 100, (corrected.id, True): 50}
    c = panel.client("boss")

    def q(args: str) -> set[int]:
        return _ids(c.get("/calls?" + args).get_data(as_text=True))
    assert q("qa_band=fail") == {vetoed.id, corrected.id}  # the correction's 50 counts, not the 100 it replaced
    assert q("qa_band=pass") == {fair.id, typed.id}  # a typed score is banded as it was typed
    assert q("qa_band=good") == {good.id}
    assert q("qa_band=excellent") == {top.id}
    assert q("qa=ungraded") == {ungraded.id}
    assert q("qa=graded&qa_band=pass&agent=8001") == {fair.id, typed.id}
    api = {x["id"]: (x["qa_score"], x["qa_band"], x["qa_typed"])
           for x in c.get("/api/v1/calls?qa_band=pass").get_json()["calls"]}
    assert api == {fair.id: (65, "pass", False), typed.id: (65, "pass", True)}
    r = c.get("/api/v1/calls?qa_band=bad")
    assert r.status_code == 400 and "质检分数段" in r.get_json()["details"][0]
    # the next page keeps the band
    assert "qa_band=fail" in c.get("/calls?qa_band=fail").get_data(as_text=True)


def test_a_typed_grade_keeps_its_score_and_says_so(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001")
    db.add(QaGrade(call_pk=call.id, agent="8001", inspector_id=3, score=77, checklist={"polite": False},
                   created_at=utcnow()))
    db.commit()
    html = panel.client("insp").get(f"/calls/{call.id}").get_data(as_text=True)
    row = re.search(r'<tr class="current" data-grade="\d+">.*?</tr>', html, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert "77" in row and "录入分" in row and "扣" not in row.split("录入分")[1].split("</td>")[1]
    # a correction of it starts from its ticks: polite unticked, the rest met
    form = html[html.index('id="qa-form"'):]
    assert "checked" not in re.search(r'<input type="checkbox" name="item_polite"[^>]*>', form).group(0)  # type: ignore[union-attr]
    assert re.search(r'<output id="qa-score"[^>]*>(\d+)</output>', form).group(1) == "85"  # type: ignore[union-attr]


def test_the_agent_sees_what_was_deducted_and_why(panel: Panel) -> None:
    db = panel.db()
    mine = make_call(db, agent="8001")
    other = make_call(db, agent="8002")
    _grade(panel, mine.id, ("closing", "privacy"), remark_closing="没有说再见", comment="注意结束语")
    _grade(panel, other.id, ("polite",), remark_polite="someone else's")
    html = panel.client("agent1").get("/agent").get_data(as_text=True)
    table = html[html.index('id="my-qa"'):html.index("</table>", html.index('id="my-qa"'))]
    assert "结束语 <b>−5</b>: 没有说再见" in table and "未泄露客户信息 <b>一票否决</b>" in table
    assert ">0<" in table.replace(" ", "") or '"bad">0' in table  # the veto zeroed the score
    assert "注意结束语" in table and "someone else" not in table


def test_the_supervisor_sees_each_agents_average_in_its_band(panel: Panel) -> None:
    db = panel.db()
    a, b, c2 = make_call(db, agent="8001"), make_call(db, agent="8001"), make_call(db, agent="8002")
    _grade(panel, a.id, ("privacy",))  # 0
    _grade(panel, b.id, ("accurate",))  # 85
    _grade(panel, c2.id)  # 100
    boss = panel.client("boss")
    rows = list(csv.DictReader(io.StringIO(
        boss.get("/supervisor?period=day&format=csv&table=agents").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["agent"]: float(r["qa_avg"]) for r in rows if r["qa_avg"]} == {"8001": 42.5, "8002": 100.0}
    html = boss.get("/supervisor?period=day").get_data(as_text=True)
    assert '<td class="bad">42.5 不合格(&lt;60)</td>' in html and "100.0 优秀(≥90)" in html


def test_a_deduction_without_a_remark_is_refused_and_the_form_kept(panel: Panel) -> None:
    """R-QA: every deducted item says why. A grade with a deduction left unexplained is not saved;
    the call page comes back naming the item, with the ticks, remarks and comment as typed. Full
    marks need no remark; an item the record says was missed comes with the record as its remark."""
    db = panel.db()
    call = make_call(db, agent="8001", wait=30)  # past 4 rings, no apology: the record says so
    fine = make_call(db, agent="8001")
    form = panel.client("insp").get(f"/calls/{call.id}").get_data(as_text=True)
    assert re.search(r'id="remark_four_rings"[^>]*value="通话记录显示未做到"', form)
    r = _grade(panel, call.id, ("polite", "closing", "four_rings"), remark_polite="", remark_closing="没有说再见",
               remark_four_rings="", comment="注意语气")
    assert r.status_code == 400 and panel.db().query(QaGrade).count() == 0
    page = r.get_data(as_text=True)
    assert "评分未保存:扣分项须填写扣分原因:四声内接听或致歉；规范用语:礼貌、清晰" in page
    assert re.search(r'class="remark bad"[^>]*placeholder="扣分原因"\s*data-item="规范用语:礼貌、清晰" value=""', page)
    assert re.search(r'id="remark_closing"[^>]*value="没有说再见"', page)  # what was typed is shown again
    assert re.search(r'<textarea name="comment" rows="2" maxlength="4000">注意语气</textarea>', page)
    assert "checked" not in re.search(r'<input type="checkbox" name="item_polite"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert re.search(r'<output id="qa-score"[^>]*>(\d+)</output>', page).group(1) == "70"  # type: ignore[union-attr]
    # a remark of blanks is no remark
    assert _grade(panel, call.id, ("polite",), remark_polite="   ").status_code == 400
    assert _grade(panel, call.id, ("polite",), remark_polite="语气生硬").status_code == 303
    assert panel.db().query(QaGrade).one().remarks == {"polite": "语气生硬"}
    assert _grade(panel, fine.id).status_code == 303  # full marks: nothing to explain
    # in English the refusal names the item in English
    en = panel.client("insp")
    en.get("/lang/en")
    other = make_call(panel.db(), agent="8001")
    token = csrf_of(en, f"/calls/{other.id}")
    ticks = {f"item_{k}": "1" for k in ITEMS if k != "closing"}
    r = en.post(f"/calls/{other.id}/qa", data={"csrf_token": token, **ticks})
    assert r.status_code == 400 and "a deducted item needs a remark saying why: " in r.get_data(as_text=True)


def test_a_comment_past_its_limit_is_refused_whole_not_cut(panel: Panel) -> None:
    """A pasted comment of 5 000 characters was cut to 4 000 and saved: its end lost without a
    word. Now the grade is refused, saying the limit, and the page gives the whole text back; the
    same for a remark past 500 and for what a browser would show as typed (escaped)."""
    call = make_call(panel.db(), agent="8001")
    long = "<script>x</script>" + "很长的评语" * 1000
    r = _grade(panel, call.id, comment=long)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and panel.db().query(QaGrade).count() == 0
    assert "评分未保存:评语或更正原因超过 4000 个字" in page
    assert "&lt;script&gt;x&lt;/script&gt;" + "很长的评语" * 1000 + "</textarea>" in page and "<script>x" not in page
    r = _grade(panel, call.id, ("polite",), remark_polite="语" * 501)
    assert r.status_code == 400 and "扣分原因超过 500 个字" in r.get_data(as_text=True)
    assert _grade(panel, call.id, ("polite",), remark_polite="语" * 500, comment="很长的评语" * 800).status_code == 303
    g = panel.db().query(QaGrade).one()
    assert (len(g.remarks["polite"]), len(g.comment or "")) == (500, 4000)


def test_the_calls_csv_carries_the_current_grade(panel: Panel) -> None:
    """The calls CSV has the API's QA fields (score, band, typed) and who graded: a corrected
    grade's current score, a typed one said as typed, an ungraded call empty."""
    db = panel.db()
    graded, typed, corrected, ungraded = (make_call(db, agent="8001") for _ in range(4))
    db.add(QaGrade(call_pk=typed.id, agent="8001", inspector_id=3, score=65, checklist={}, created_at=utcnow()))
    db.commit()
    _grade(panel, graded.id, ("accurate",))  # 85
    _grade(panel, corrected.id)  # 100, then corrected to 50
    first = panel.db().query(QaGrade).filter_by(call_pk=corrected.id).one()
    _grade(panel, corrected.id, ("polite", "accurate", "record_complete", "closing"),
           corrects_id=str(first.id), reason="listened again")
    text = panel.client("boss").get("/calls?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = {int(r["id"]): (r["qa_score"], r["qa_band"], r["qa_typed"], r["qa_inspector"])
            for r in csv.DictReader(io.StringIO(text))}
    assert rows == {graded.id: ("85", "good", "False", "insp"), typed.id: ("65", "pass", "True", "insp"),
                    corrected.id: ("50", "fail", "False", "insp"), ungraded.id: ("", "", "", "")}
    api = {x["id"]: (x["qa_score"], x["qa_band"], x["qa_typed"])
           for x in panel.client("boss").get("/api/v1/calls").get_json()["calls"]}
    assert {k: (str(v[0]), v[1], str(v[2])) for k, v in api.items() if v[0] is not None} == {
        k: v[:3] for k, v in rows.items() if v[0]}  # the same figures as the API's
