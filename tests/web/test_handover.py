"""R-HANDOVER in the panel: supervisors only; the handover lists every open matter when opened;
the author writes notes; another lead acknowledges; read-only after that; notes escaped."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from hotline import cases
from hotline.models.cases import Handover
from hotline.vocabulary import Role
from tests.web.conftest import PASSWORD, Panel, csrf_of
from web.auth.users import add_user

HOSTILE = '<script>alert("x")</script>'


def post(c: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return c.post(path, data={**(data or {}), "csrf_token": csrf_of(c, "/handover")})


def test_roles(panel: Panel) -> None:
    for user in ("agent1", "insp"):
        c = panel.client(user)
        assert c.get("/handover").status_code == 403
        assert c.post("/handover", data={"csrf_token": csrf_of(c, "/cases")}).status_code == 403
    assert panel.client("boss").get("/handover").status_code == 200
    assert panel.client("boss").get("/handover/99").status_code == 404


def test_open_notes_acknowledge_then_read_only(panel: Panel) -> None:
    db = panel.db()
    add_user(db, "boss2", "supervisor", PASSWORD, None)
    case = cases.open_case(db, panel.settings, cases.Actor("8001", Role.AGENT),
                           cases.CaseInput(kind="complaint", category="premium_rate", number="13912345678"))
    db.commit()
    out, incoming = panel.client("boss"), panel.client("boss2")
    r = post(out, "/handover", {"notes": "第一条"})
    assert r.status_code == 303
    hid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = out.get(f"/handover/{hid}").get_data(as_text=True)
    assert f"/cases/{case.id}" in page and 'id="m-clocks"' in page  # the open case and its complaint clock
    assert 'id="notes-form"' in page and 'id="ack-form"' not in page  # the author cannot acknowledge
    assert post(out, f"/handover/{hid}/notes", {"notes": HOSTILE}).status_code == 303
    page = out.get(f"/handover/{hid}").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    # the incoming lead: no notes form, an acknowledge button; notes by someone else are refused
    page = incoming.get(f"/handover/{hid}").get_data(as_text=True)
    assert 'id="ack-form"' in page and 'id="notes-form"' not in page
    post(incoming, f"/handover/{hid}/notes", {"notes": "改写"})
    assert panel.db().get(Handover, hid).notes == HOSTILE
    post(out, f"/handover/{hid}/ack")
    assert panel.db().get(Handover, hid).acknowledged_at is None  # not by its own author
    assert post(incoming, f"/handover/{hid}/ack").status_code == 303
    h = panel.db().get(Handover, hid)
    assert h.acknowledged_by == "boss2" and h.acknowledged_at is not None
    # read-only from now on
    page = out.get(f"/handover/{hid}").get_data(as_text=True)
    assert 'id="read-only"' in page and 'id="notes-form"' not in page and 'id="ack-form"' not in page
    assert post(out, f"/handover/{hid}/notes", {"notes": "晚了"}).status_code == 303
    assert "flash error" in out.get(f"/handover/{hid}").get_data(as_text=True)
    assert panel.db().get(Handover, hid).notes == HOSTILE
    assert f"/handover/{hid}" in out.get("/handover").get_data(as_text=True)


def test_notes_past_the_limit_are_refused_not_cut(panel: Panel) -> None:
    """The shift's notes were cut at 8 000 characters and saved: the end of a long handover lost
    without a word. Now refused with the limit said; the forms carry maxlength."""
    out = panel.client("boss")
    assert 'maxlength="8000"' in out.get("/handover").get_data(as_text=True)
    r = post(out, "/handover", {"notes": "事" * 8001})
    assert r.status_code == 303 and panel.db().query(Handover).count() == 0
    assert "超过 8000 个字" in out.get("/handover").get_data(as_text=True)
    hid = int(post(out, "/handover", {"notes": "事" * 8000}).headers["Location"].rsplit("/", 1)[1])
    assert len(panel.db().get(Handover, hid).notes or "") == 8000
    post(out, f"/handover/{hid}/notes", {"notes": "改" * 8001})
    assert panel.db().get(Handover, hid).notes == "事" * 8000


def test_escalations_heading_names_what_is_listed(panel: Panel) -> None:
    """The handover lists the live escalations (hotline.escalations.live_escalations: not
    acknowledged and their subject not handled), so its heading says they are still to handle, not
    merely unacknowledged."""
    c = panel.client("boss")
    hid = int(post(c, "/handover").headers["Location"].rsplit("/", 1)[1])
    page = c.get(f"/handover/{hid}").get_data(as_text=True)
    assert "<h2>未处理的升级提醒</h2>" in page and "未确认的升级提醒" not in page
