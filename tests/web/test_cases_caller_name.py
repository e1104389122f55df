"""The case form opened from the desk's pop (新建工单) fills 姓名 from the call's caller-ID name
when the customer master does not know the caller — the call's record, or, while the call is
still up, the live snapshot — never with a placeholder or a number, and hostile text only as
escaped, cleaned text cut to the field. Until 7 December 姓名 stayed empty for every unknown caller."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hotline import customers
from hotline.models.desk import PresenceChange
from hotline.timeutil import utcnow
from tests.web.conftest import Panel
from tests.web.factory import make_call, set_live
from web.cases.views import NAME_MAX

NUMBER = "13912345678"


def _name_field(html: str) -> str:
    m = re.search(r'<input name="name" id="name" value="([^"]*)" maxlength="(\d+)">', html)
    assert m is not None, "no 姓名 field"
    assert int(m.group(2)) == NAME_MAX
    return m.group(1)


def _form_name(panel: Panel, caller_name: str | None, number: str = NUMBER) -> str:
    db = panel.db()
    call = make_call(db, agent="8001", number=number, caller_name=caller_name)
    db.close()
    html = panel.client("agent1").get(f"/cases/new?server={call.server}&call_id={call.call_id}&number={number}")
    return _name_field(html.get_data(as_text=True))


def test_an_unknown_callers_name_comes_from_the_caller_id(panel: Panel) -> None:
    assert _form_name(panel, "赵六") == "赵六"
    for placeholder in ("unknown", "Anonymous", "<unknown>", NUMBER, "+86 139 1234 5678", "", None):
        assert _form_name(panel, placeholder) == "", placeholder
    # a caller the customer master knows: the master's name, not the caller ID's
    db = panel.db()
    customers.save_customer(db, panel.settings, customers.CustomerFields(name="王五", numbers=[NUMBER]))
    db.commit()
    db.close()
    assert _form_name(panel, "赵六") == "王五"


def test_a_hostile_caller_id_name_is_cleaned_escaped_and_cut(panel: Panel) -> None:
    # as the listener stores it: no NUL (Asterisk's strings end at one; PostgreSQL refuses it in
    # text), cut to the column (255); the name's own NUL and length rules are
    # tests/hotline/customers/test_caller_id.py's
    raw = ('<script>alert("x")</script>\r\n\x1b' + "长" * 400)[:255]
    shown = _form_name(panel, raw)
    assert "<script>" not in shown and "\n" not in shown and "\x1b" not in shown
    assert shown.startswith("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; ")
    want = ('<script>alert("x")</script> ' + "长" * 400)[:len(raw) - 2]
    assert len(want) <= NAME_MAX
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"') == want


def test_a_call_still_up_names_its_caller_from_the_live_snapshot_for_its_agent_only(panel: Panel) -> None:
    """The desk's pop opens the form during the call, before its record is built: the caller-ID
    name the listener saw, for the agent on that call; another agent's form gets nothing of it."""
    server, now = panel.settings.server_id, datetime.now(UTC).timestamp()
    db = panel.db()
    db.add(PresenceChange(server=server, agent="8001", state="talking", started_at=utcnow(), by="system",
                          call_id="up-2"))
    db.commit()
    set_live(db, {"queues": {}, "gap": False, "updated": now,
                  "agents": {"8001": {"state": "talking", "since": now - 10, "call_id": "up-2", "queue": "hotline"}},
                  "calls": {"up-2": {"caller_number": NUMBER, "caller_name": "孙七\x07", "queued_at": now - 30,
                                     "vars": {}}}}, server=server)
    db.close()
    url = f"/cases/new?server={server}&call_id=up-2&number={NUMBER}"
    assert _name_field(panel.client("agent1").get(url).get_data(as_text=True)) == "孙七"
    assert _name_field(panel.client("agent2").get(url).get_data(as_text=True)) == ""
