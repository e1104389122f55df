"""The core's refusals in the page's language (hotline.errors, web/reasons.py): a refused case
edit, a closed case, a handover error and a technician error read in Chinese by default and in
English once the page is switched; a param holding hostile text is escaped; the core's own text
(``str(exc)``: logs, the CLI) stays the English sentence."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import session
from flask.testing import FlaskClient

from hotline import cases, field
from hotline.callbacks import CallbackError
from hotline.cli import main
from hotline.errors import N_, DomainError
from hotline.models.cases import Case
from hotline.vocabulary import Role
from tests.web.conftest import Panel, csrf_of, open_panel
from tests.web.factory import make_call
from tests.web.test_customers import upload
from web.reasons import reason

HOSTILE = '<script>alert("x")</script>'


def _errors(page: str) -> list[str]:
    return re.findall(r'<p class="flash error">([^<]*)</p>', page)


def flashed(c: FlaskClient, page: str) -> list[str]:
    """The page's error flashes, unescaped (the raw page is checked for escaping separately)."""
    return [html.unescape(m) for m in _errors(c.get(page).get_data(as_text=True))]


def post(c: FlaskClient, path: str, data: dict[str, Any], page: str) -> Any:
    return c.post(path, data={**data, "csrf_token": csrf_of(c, page)})


def english(c: FlaskClient) -> FlaskClient:
    c.get("/lang/en")
    return c


def new_case(c: FlaskClient) -> int:
    r = post(c, "/cases/new", {"kind": "consult", "category": "package", "number": "13912345678",
                               "description": "问套餐"}, "/cases")
    assert r.status_code == 303
    return int(r.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refused_case_edit_and_close(panel: Panel, lang: str) -> None:
    agent = panel.client("agent1")
    if lang == "en":
        english(agent)
    case_id = new_case(agent)
    page = f"/cases/{case_id}"
    post(agent, f"/cases/{case_id}/close", {"result": ""}, page)
    closing = flashed(agent, page)
    post(agent, f"/cases/{case_id}/edit", {"number": HOSTILE}, page)
    editing = flashed(agent, page)
    if lang == "zh":
        assert closing == [f"工单未保存:工单 {case_id}:办结前请填写处理结果"]
        assert editing == [f"工单未保存:不是电话号码:“{HOSTILE}”"]
    else:
        assert closing == [f"Case not saved: case {case_id}: record what was done (the result) before closing it"]
        assert editing == [f"Case not saved: not a phone number: {HOSTILE!r}"]
    assert panel.db().get(Case, case_id).number == "+8613912345678"


def test_hostile_param_is_escaped(panel: Panel) -> None:
    agent = panel.client("agent1")
    case_id = new_case(agent)
    r = post(agent, f"/cases/{case_id}/edit", {"number": HOSTILE}, f"/cases/{case_id}")
    page = agent.get(r.headers["Location"]).get_data(as_text=True)
    assert HOSTILE not in page
    assert "不是电话号码:“&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;”" in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_handover_error(panel: Panel, lang: str) -> None:
    boss = panel.client("boss")
    if lang == "en":
        english(boss)
    r = post(boss, "/handover", {"notes": "交班"}, "/handover")
    hid = int(r.headers["Location"].rsplit("/", 1)[1])
    post(boss, f"/handover/{hid}/ack", {}, f"/handover/{hid}")  # not by its own author
    want = {"zh": f"未保存:交接 {hid}:应由接班人确认,发起人 boss 不能确认",
            "en": f"Not saved: handover {hid}: the incoming lead acknowledges, not boss who opened it"}
    assert flashed(boss, f"/handover/{hid}") == [want[lang]]


@pytest.fixture
def fpanel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, districts=["东城"], sms_provider="none")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_technician_error(fpanel: Panel, lang: str) -> None:
    boss = fpanel.client("boss")
    if lang == "en":
        english(boss)
    r = post(boss, "/field/technicians", {"username": "tech4", "phone": HOSTILE, "districts": "东城"},
             "/field/technicians")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert HOSTILE not in page  # the typed phone is a param: plain text, escaped
    want = {"zh": f"维修员未保存:维修员 tech4:“{HOSTILE}”不是电话号码",
            "en": f"Technician not saved: technician tech4: {HOSTILE!r} is not a phone number"}
    assert [html.unescape(m) for m in _errors(page)] == [want[lang]]
    r = post(boss, "/field/technicians", {"username": "tech4", "phone": "13900000004", "districts": "东城",
                                          "rota_mon": "later"}, "/field/technicians")
    want = {"zh": "维修员未保存:不是 HH:MM 时间:“later”", "en": "Technician not saved: not a HH:MM time: 'later'"}
    assert [html.unescape(m) for m in _errors(r.get_data(as_text=True))] == [want[lang]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_customer_error(panel: Panel, lang: str) -> None:
    agent = panel.client("agent1")
    if lang == "en":
        english(agent)
    r = post(agent, "/customers/new", {"numbers": f"13912345678 {HOSTILE}", "name": "李四"}, "/customers/new")
    assert r.status_code == 400 and HOSTILE not in r.get_data(as_text=True)
    want = {"zh": f"客户未保存:不是电话号码:“{HOSTILE}”", "en": f"Customer not saved: not a phone number: {HOSTILE!r}"}
    assert [html.unescape(m) for m in _errors(r.get_data(as_text=True))] == [want[lang]]


def test_customer_import_rows_in_the_pages_language(panel: Panel) -> None:
    boss = panel.client("boss")
    rows = "numbers,name,vip\n13900000001,甲,maybe\n13900000002,乙,no,x,y,z,w,v\n"
    r = upload(boss, rows)
    assert r.status_code == 400
    row = r'<tr class="bad-row" data-line="(\d+)"><td>\d+</td><td>([^<]*)</td>'
    problems = re.findall(row, r.get_data(as_text=True))
    assert [(n, html.unescape(m)) for n, m in problems] == [("2", "vip 须为 yes 或 no,不能是“maybe”"),
                                                           ("3", "本行 8 格,表头只有 3 列")]


def test_grade_refusal_in_the_pages_language(panel: Panel) -> None:
    call = make_call(panel.db(), agent="8001")
    insp = panel.client("insp")
    r = post(insp, f"/calls/{call.id}/qa", {"corrects_id": "abc"}, f"/calls/{call.id}")
    # the call page again, the form as typed (web/calls/views.py grade): the refusal on it
    assert r.status_code == 400
    assert [html.unescape(m) for m in _errors(r.get_data(as_text=True))] == ["评分未保存:要更正的评分无效"]


def _closed_case(p: Panel) -> tuple[Any, Case]:
    db = p.db()
    agent = cases.Actor("8001", Role.AGENT)
    case = cases.open_case(db, p.settings, agent, cases.CaseInput(kind="consult", category="package",
                                                                  number="13912345678", result="已答复"))
    cases.close_case(db, p.settings, case.id, agent)
    db.commit()
    return db, case


def test_closed_case_and_roles_are_said_by_their_labels(panel: Panel) -> None:
    """A case's status and kind, a role, a task's status: their labels; a name is never a label
    (a user called "admin" stays "admin")."""
    db, case = _closed_case(panel)
    with pytest.raises(cases.CaseClosedError) as closed:
        cases.update_case(db, panel.settings, case.id, cases.Actor("8001", Role.AGENT), cases.CaseChanges(result="x"))
    consult = cases.open_case(db, panel.settings, cases.Actor("8001", Role.AGENT),
                              cases.CaseInput(kind="consult", category="package", number="13912345679"))
    with pytest.raises(cases.CaseError) as kind:
        cases.complaint_step(db, consult.id, cases.Actor("boss", Role.SUPERVISOR))
    access = cases.CaseAccessError(N_("%(role)s %(name)s may not edit case %(id)s"), role=Role.INSPECTOR,
                                   name="admin", id=case.id)
    task = CallbackError(N_("task %(id)s is already %(status)s"), id=7, status="cancelled")
    # the core's text, for logs and the CLI: the English sentence as before
    assert str(closed.value) == f"case {case.id} is closed: closed cases are read-only"
    assert str(access) == f"inspector admin may not edit case {case.id}"
    with panel.app.test_request_context("/"):
        assert reason(closed.value) == f"工单 {case.id} 状态为已办结:已办结的工单只读"
        assert reason(kind.value) == f"工单 {consult.id} 是咨询工单,不是投诉"
        assert reason(access) == f"质检员 admin 无权修改工单 {case.id}"
        assert reason(task) == "任务 7 已是已取消"
        assert reason(ValueError("plain")) == "plain"  # not a DomainError: its own text
    with panel.app.test_request_context("/"):
        session["lang"] = "en"
        assert reason(closed.value) == f"case {case.id} is Closed: closed cases are read-only"
        assert reason(access) == f"inspector admin may not edit case {case.id}"  # roles have no English labels


def test_core_text_is_the_english_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``str(exc)`` is the English sentence: what the logs, the CLI and the core's tests read."""
    assert str(DomainError(N_("no case %(id)s"), id=5)) == "no case 5"
    assert str(DomainError(N_("100% sure"))) == "100% sure"  # no params: the template as it is
    wrapped = cases.CaseError.wrapping(CallbackError(N_("not a callable number: %(given)r"), given="x"))
    assert (str(wrapped), wrapped.template, wrapped.params) == ("not a callable number: 'x'",
                                                               "not a callable number: %(given)r", {"given": "x"})
    other = cases.CaseError.wrapping(OSError("disk full"))
    assert (str(other), other.params) == ("disk full", {"text": "disk full"})
    with pytest.raises(field.FieldError, match=r"^no work order 12345$"):
        field.get_order(_NoRows(), 12345)  # type: ignore[arg-type]
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["callbacks", "consult", "anonymous"]) == 1
    assert capsys.readouterr().err == "hotline callbacks: not a callable number: 'anonymous'\n"


class _NoRows:
    def get(self, *_: object) -> None:
        return None
