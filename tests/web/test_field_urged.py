"""A caller's urge (催单, key 0 after the IVR told where their report stands: R-ONE-CALL) shown
where the order is handled: the technician's /field, the supervisor's open orders and the order's
page with its history in words (hotline.field.standing.urged, one query per page)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flask
from sqlalchemy import event

import hotline
from hotline.field.events import ACTIONS, record
from hotline.field.standing import URGED, urge, urged
from hotline.models.field import WorkOrder
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of
from tests.web.test_field import ESCAPED, EVIL, fpanel, new_order

__all__ = ["fpanel"]  # the fixture


def _urge_twice(p: Panel, order_id: int) -> datetime:
    """Two urges of the order's report, 40 and 7 minutes ago: the last one's time."""
    db = p.db()
    report_id = db.get(WorkOrder, order_id).fault_report_id
    last = utcnow() - timedelta(minutes=7)
    assert urge(db, report_id, last - timedelta(minutes=33)) and urge(db, report_id, last)
    db.commit()
    db.close()
    return last


def _said(p: Panel, at: datetime) -> str:
    local = at.astimezone(ZoneInfo(p.settings.timezone))
    return f"客户催单 ×2,最近 {local:%m-%d %H:%M}"


def _row(html: str, order_id: int, end: str) -> str:
    return html.split(f'id="order-{order_id}"')[1].split(end)[0]


def test_an_order_urged_twice_says_so_on_both_lists_and_its_page(fpanel: Panel) -> None:
    urged_id, quiet_id = new_order(fpanel), new_order(fpanel, caller="13800000002")
    said = _said(fpanel, _urge_twice(fpanel, urged_id))
    mine = fpanel.client("tech1").get("/field").get_data(as_text=True)
    assert said in _row(mine, urged_id, "</section>")
    assert "催单" not in _row(mine, quiet_id, "</section>")
    boss = fpanel.client("boss")
    listed = boss.get("/field/orders").get_data(as_text=True)
    assert said in _row(listed, urged_id, "</tr>") and "催单" not in _row(listed, quiet_id, "</tr>")
    assert f'href="/field/orders/{urged_id}"' in listed
    page = boss.get(f"/field/orders/{urged_id}").get_data(as_text=True)
    assert said in page.split('id="order-facts"')[1].split("</p>")[0]
    history = page.split('id="history"')[1]
    # the history names its steps and the caller in words, never the stored keys
    assert history.count("<td>客户来电催单</td>") == 2 and ">urged<" not in history
    assert "<td>客户</td>" in history and "<td>生成工单</td>" in history and "<td>已派单</td>" in history
    quiet = boss.get(f"/field/orders/{quiet_id}").get_data(as_text=True)
    assert "催单" not in quiet


def test_the_order_page_is_the_supervisors(fpanel: Panel) -> None:
    oid = new_order(fpanel)
    assert fpanel.client("boss").get(f"/field/orders/{oid}").status_code == 200
    assert fpanel.client("tech1").get(f"/field/orders/{oid}").status_code == 403
    assert fpanel.client("boss").get(f"/field/orders/{oid + 999}").status_code == 404


EVIL_ACTION = "<img src=x onerror=1>"


def test_hostile_text_in_the_history_is_escaped_and_the_urge_says_only_ours(fpanel: Panel) -> None:
    """An urge's words are the count and the time, our columns; whatever text an event carries
    (a technician's delay reason, a row written by hand) is shown as text."""
    oid = new_order(fpanel)
    c = fpanel.client("tech1")
    assert c.post(f"/field/orders/{oid}/delay", data={"csrf_token": csrf_of(c, "/field"), "reason": EVIL}) \
        .status_code == 303
    db = fpanel.db()
    o = db.get(WorkOrder, oid)
    record(db, o, EVIL, "urged", utcnow(), report=EVIL, note=EVIL)
    record(db, o, "system", EVIL_ACTION, utcnow(), reason=EVIL)  # the action column holds 24 characters
    db.commit()
    db.close()
    for page in (fpanel.client("boss").get(f"/field/orders/{oid}"), fpanel.client("boss").get("/field/orders"),
                 c.get("/field")):
        html = page.get_data(as_text=True)
        assert EVIL not in html and EVIL_ACTION not in html, page.request.path
    page = fpanel.client("boss").get(f"/field/orders/{oid}").get_data(as_text=True)
    assert page.count(ESCAPED) >= 3 and "&lt;img src=x onerror=1&gt;" in page and "客户催单 ×1" in page


def test_urges_of_a_list_are_one_query(fpanel: Panel) -> None:
    ids = [new_order(fpanel, caller=f"1380000000{i}") for i in range(4)]
    _urge_twice(fpanel, ids[1])
    db = fpanel.db()
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))
    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        got = urged(db, ids)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        db.close()
    assert set(got) == {ids[1]} and got[ids[1]].count == 2 and len(seen) == 1
    assert urged(fpanel.db(), []) == {}


def test_every_step_of_a_history_reads_in_chinese(fpanel: Panel) -> None:
    """The actions ``record`` is called with in hotline/ are the page's known steps, each with
    its Chinese words (a step left out would show its stored key)."""
    from web.i18n import label

    written = {m for f in Path(hotline.__file__).parent.rglob("*.py")
               for m in re.findall(r"record\(db, order, [A-Za-z_]+, \"([a-z_]+)\"", f.read_text())}
    written |= {URGED}  # standing.urge records it by its constant
    assert written and written <= ACTIONS, written - ACTIONS
    with fpanel.app.test_request_context():
        flask.session["lang"] = "zh"
        unsaid = {a for a in ACTIONS if label(a) == a or label(a).isascii()}
    assert not unsaid
