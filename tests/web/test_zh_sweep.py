"""Every page in Chinese: a sweep for English words and raw keys (session 14).

The operator's staff read only Chinese. On a store filled like a working day (the demo's customers
and technician, calls of each disposition with a QA grade, cases of every kind and status, a
confirmed fault report with its work order, callback tasks, a complaint, an outage, a handover),
each role GETs every HTML page it may reach — the app's GET routes without arguments plus the
seeded objects' detail pages — in the default locale. What a reader sees (text, placeholders,
titles) is stripped of the values that are ASCII by nature; any word of 3+ Latin letters left is a
finding, reported with its page. A new English word on a page fails this test until it is
translated, shown through its label, or allow-listed here with its reason."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from hotline import callbacks, cases, demo
from hotline.cases import Actor, CaseInput
from hotline.field import accept, dispatch_to, on_report_confirmed
from hotline.models import AgentPause, AgentSession
from hotline.models.desk import PresenceChange
from hotline.models.ivr import FaultReport, Outage
from hotline.pbx_presence import POOL_QUEUE
from hotline.timeutil import utcnow
from hotline.vocabulary import Role
from scheduler.callbacks import run_pass
from tests.web.conftest import PASSWORD, USERS, Panel, csrf_of
from tests.web.factory import make_call
from tests.web.test_quality import ITEMS, _grade
from web.auth.users import add_user

ROLES = {"agent": "agent1", "supervisor": "boss", "inspector": "insp", "admin": "root", "technician": "technician"}
# machine answers and media, not pages a person reads
SKIP = re.compile(r"^/(api/|static/|lang/|sms/|softphone/credentials)|/(stream|snapshot|audio|recording|export)$")

# Words that stay ASCII for a Chinese reader too, each with its reason (lower case).
ALLOWED: dict[str, str] = {
    "hotline": "the product's name, and the Asterisk queue it answers (进入队列 hotline)",
    "english": "the language switch names each language in itself: 中文 | English",
    "csv": "the file format, as Chinese staff call it (导出 CSV)",
    "utf": "the CSV encoding, UTF-8",
    "vip": "the customer flag, VIP in Chinese usage too",
    "ivr": "仅IVR / 本次IVR: the industry's own term, as the catalogue has it",
    "kpi": "月度考核指标(R-KPI) as the operator's standard names it",
    "alt": "the Alt key, as printed on the keyboard",
}

# Values, not language: masked before words are counted.
VALUES = re.compile("|".join((
    r"\bR-[A-Z0-9]+(?:-[A-Z0-9]+)*",  # a service rule's id (R-ANS-4RINGS), cited as the standard names it
    r"\b[A-Z]{2,}/[\w.@-]+",  # an Asterisk channel as Asterisk names it (PJSIP/8001-00000001)
    r"\b[A-Za-z]+\d[\w.:-]*",  # an id with digits: a login (agent1), a server and call id (pbx1:170…)
    r"\b[\w-]+\.toml\b",  # the configuration file an admin edits (hotline.toml)
    r"[\w.+-]+@[\w-]+\.[\w.]+",  # an e-mail address
    # the login names of the fixtures and of the demo's technician: who did something, as they log in
    r"\b(?:" + "|".join(sorted({*USERS, demo.TECHNICIAN})) + r")\b",
)))

# Pages that cite identifiers on purpose, masked there only.
IDENTIFIER = r"\b[A-Za-z]+(?:_[A-Za-z0-9*]+)+"  # snake_case / UPPER_SNAKE: a column, a setting, a prompt id
PAGE_VALUES: dict[str, re.Pattern[str]] = {
    # the prompts' descriptions name other prompts by their ids, which are the sound files' names
    "/prompts": re.compile(IDENTIFIER),
    # the import's columns are the CSV header the importer reads (Chinese headers are accepted too)
    "/customers/import": re.compile(r"numbers,name,address,district,area,vip,account|\bvip\b"),
}
WORD = re.compile(r"[A-Za-z]{3,}")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    """The text a reader sees: text nodes and placeholders, titles, labels, button values — not
    scripts and styles, not a field's value (data the user typed), and not what the page marks
    ``translate="no"`` (the HTML attribute for content that stays as it is: prompt file names,
    setting values as typed)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden: list[str] = []  # the open elements inside a hidden one, the hidden one first

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag not in VOID and (self._hidden or tag in ("script", "style", "template", "textarea")
                                or a.get("translate") == "no"):
            self._hidden.append(tag)
        if self._hidden:
            return
        self.parts += [v for k, v in attrs if v and k in ("placeholder", "title", "aria-label", "alt")]
        if tag == "input" and a.get("type") in ("submit", "button"):
            self.parts.append(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str, path: str = "") -> list[str]:
    """The words of 3+ Latin letters a reader sees on ``path``'s page, values and ALLOWED left out."""
    p = _Visible()
    p.feed(html)
    text = VALUES.sub(" ", "\n".join(p.parts))
    if path in PAGE_VALUES:
        text = PAGE_VALUES[path].sub(" ", text)
    return [w for w in WORD.findall(text) if w.lower() not in ALLOWED]


def _seed(p: Panel) -> dict[str, list[str]]:
    """A working day's rows; returns the detail pages of what was made, by kind."""
    s, now = p.settings, utcnow()
    db = p.db()
    demo.seed(db, s, now)
    add_user(db, "technician", "technician", PASSWORD, None)
    db.commit()
    boss, agent = Actor("boss", Role.SUPERVISOR), Actor("8001", Role.AGENT)  # agent1, by extension
    answered = make_call(db, number=demo.FAULT_REPORTERS[0].number, recording=None)
    make_call(db, disposition="abandoned", number="13833330003", wait=40)
    make_call(db, disposition="ivr", number="13833330004", agent=None)
    made: dict[str, list[str]] = defaultdict(list)
    made["calls"].append(f"/calls/{answered.id}")
    # every kind, with its follow-ups: consult (a callback task), complaint (its clocks), the rest
    kinds = [("consult", "package"), ("complaint", "premium_rate"), ("repair", "mosaic"), ("suggestion", "service"),
             ("praise", None)]
    for kind, category in kinds:
        case = cases.open_case(db, s, agent if kind != "complaint" else boss,
                               CaseInput(kind=kind, category=category, number="13912345678", description="说明"),
                               call=(answered.server, answered.call_id), reuse_open=False, now=now)
        made["cases"].append(f"/cases/{case.id}")
        if kind == "complaint":
            cases.complaint_step(db, case.id, boss, contacted=True, note="已联系", now=now)
        if kind == "suggestion":
            cases.close_case(db, s, case.id, agent, result="已记录", now=now)
    # the IVR's fault report, confirmed: its repair case and the technician's work order, accepted
    rep = FaultReport(ticket="000002", server=s.server_id, call_id="ivr-1", caller=demo.FAULT_REPORTERS[1].number,
                      contact=demo.FAULT_REPORTERS[1].number, status="open", area="urban", fault_type="no_picture",
                      created_at=now - timedelta(minutes=30), updated_at=now, fix_by=now + timedelta(hours=24))
    db.add(rep)
    db.flush()
    ivr_case = cases.case_for_fault_report(db, s, rep, now)
    if ivr_case is not None:
        made["cases"].append(f"/cases/{ivr_case.id}")
    order = on_report_confirmed(db, s, rep.id, now, district=demo.reporter_district(s, 1))
    dispatch_to(db, s, order.id, demo.TECHNICIAN, "boss", now)
    accept(db, order.id, demo.TECHNICIAN, now)
    task = callbacks.mark_consultation(db, s, "13811110001", agent="8001", note="回电")
    made["tasks"].append(f"/callbacks/tasks/{task.id}")
    db.add(Outage(area="东城", cause="headend", note="检修", started_at=now - timedelta(hours=1), created_by="boss"))
    db.add(PresenceChange(server=s.server_id, agent="8001", state="break", started_at=now, by="system"))
    # the PBX's record (the supervisor's log-ins and pauses page): an agent pool's log-in and an
    # open pause, both still on
    db.add(AgentSession(server=s.server_id, agent="1001", interface="Agent:1001", queue=POOL_QUEUE, login_at=now))
    db.add(AgentPause(server=s.server_id, agent="8001", queue="hotline", reason=None, paused_at=now))
    h = cases.open_handover(db, boss, notes="交班", now=now)
    made["handover"].append(f"/handover/{h.id}")
    db.commit()
    run_pass(s, db)  # the abandoned call's callback task
    db.commit()
    db.close()
    # an inspector's QA grade of the answered call (one item missed, with its remark), through the page
    assert _grade(p, answered.id, missed=("polite",), remark_polite="语气生硬").status_code == 303
    return made


def _pages(p: Panel, made: dict[str, list[str]]) -> list[str]:
    rules = [r.rule for r in p.app.url_map.iter_rules() if "GET" in (r.methods or ()) and not r.arguments
             and not SKIP.search(r.rule) and r.rule != "/login"]
    return sorted(rules) + [u for urls in made.values() for u in urls]


def sweep(p: Panel, made: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each English word left on the pages: the pages (role and path) it is on."""
    found: dict[str, set[str]] = defaultdict(set)
    for role, user in sorted(ROLES.items()):
        c = p.client(user)
        seen = 0
        for url in _pages(p, made):
            r = c.get(url)
            if r.status_code != 200 or r.mimetype != "text/html":
                continue
            seen += 1
            for w in english_words(r.get_data(as_text=True), url):
                found[w].add(f"{role} {url}")
        assert seen >= 1, (role, seen)  # logged in, and pages answered
    return {w: sorted(where) for w, where in sorted(found.items())}


def test_every_page_each_role_reaches_is_chinese(panel: Panel) -> None:
    assert sweep(panel, _seed(panel)) == {}


def _flashed(r: Any) -> list[str]:
    """The flash messages a page shows (base.html's ``<p class="flash …">``)."""
    return re.findall(r'<p class="flash [a-z]+">(.*?)</p>', r.get_data(as_text=True), re.S)


def _settings_form(c: FlaskClient) -> dict[str, str]:
    """The settings page's form as shown: every field with its current text."""
    page = c.get("/admin/settings").get_data(as_text=True)
    form = {m[1]: m[2] for m in re.finditer(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', page)}
    form.update({m[1]: m[2] for m in re.finditer(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                                                 page)})
    return {**form, "csrf_token": csrf_of(c, "/admin/settings")}


def test_what_the_main_posts_answer_and_the_refusal_pages_are_chinese(panel: Panel) -> None:
    """After the main POSTs (a case saved or refused, a presence change, a QA grade given or refused,
    a settings save with errors) the page and its flash message, and the refusal pages (403, 404, 405,
    an expired form's 400), carry no English word either. The app has no 500 handler of its own:
    Flask's bare 500 is not swept."""
    db = panel.db()
    call = make_call(db, agent="8001")
    db.commit()
    call_pk = call.id
    db.close()
    said: dict[str, list[str]] = {}  # what was answered → the English words in it

    agent = panel.client("agent1")
    case = {"kind": "consult", "category": "package", "number": "13912345678", "description": "问套餐",
            "csrf_token": csrf_of(agent, "/cases")}
    r = agent.post("/cases/new", data=case, follow_redirects=True)
    assert r.status_code == 200 and _flashed(r), r.status_code  # the case page and its 已保存
    said["case saved"] = english_words(r.get_data(as_text=True))
    r = agent.post("/cases/new", data={**case, "category": "x9"}, follow_redirects=True)
    assert _flashed(r) or "x9" in r.get_data(as_text=True)
    said["case refused"] = english_words(r.get_data(as_text=True))
    h = {"X-CSRFToken": csrf_of(agent, "/desk")}
    # without a PBX a change the queue must hear of is refused: that refusal is what the desk says then
    for state in ({"state": "available"}, {"state": "busy"}, {"state": "break", "reason": "用餐"},
                  {"state": "break", "reason": "nap"}, {"state": "logged_out"}):
        message = agent.post("/desk/presence", data=state, headers=h).get_json()["message"]
        assert message, state
        said[f"presence {state}"] = english_words(message)

    insp = panel.client("insp")
    ticks = {f"item_{k}": "1" for k in ITEMS}
    r = insp.post(f"/calls/{call_pk}/qa", data={"csrf_token": csrf_of(insp, f"/calls/{call_pk}"), **ticks},
                  follow_redirects=True)
    assert _flashed(r), r.status_code
    said["grade saved"] = english_words(r.get_data(as_text=True))
    missed = {k: v for k, v in ticks.items() if k != "item_polite"}  # unticked without the remark it needs
    r = insp.post(f"/calls/{call_pk}/qa", data={"csrf_token": csrf_of(insp, f"/calls/{call_pk}"), **missed},
                  follow_redirects=True)
    assert _flashed(r), r.status_code
    said["grade refused"] = english_words(r.get_data(as_text=True))

    admin = panel.client("root")
    r = admin.post("/admin/settings", data={**_settings_form(admin), "max_rings": "4.5",
                                            "kpi_on_time_pct": "200", "calendar_holidays": "2026-13-01",
                                            "fault_special_periods": "2027-01-03..2026-12-24"})
    assert r.status_code == 400 and _flashed(r)
    said["settings refused"] = english_words(r.get_data(as_text=True), "/admin/settings")

    for what, (c, method, url, status) in {
        "403": (agent, "get", "/supervisor", 403), "404": (agent, "get", "/no/such/page", 404),
        "405": (agent, "get", "/desk/presence", 405), "expired form": (agent, "post", "/cases/new", 400),
    }.items():
        r = getattr(c, method)(url)
        assert (r.status_code, r.mimetype) == (status, "text/html"), what
        said[what] = english_words(r.get_data(as_text=True))
    assert {what: words for what, words in said.items() if words} == {}
