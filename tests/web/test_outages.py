"""Outages (R-FAULT-OUTAGE): opened and closed through hotline.outages, so the IVR announces them."""

from __future__ import annotations

from datetime import timedelta

from hotline.models.ivr import Outage
from hotline.outages import current_outage
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of


def test_outages_open_and_close_drive_the_ivr_lookup(panel: Panel) -> None:
    c = panel.client("boss")
    token = csrf_of(c, "/outages")
    r = c.post("/outages", data={"csrf_token": token, "area": "东城", "cause": "headend", "note": "<i>maintenance</i>"})
    assert r.status_code == 303
    o = panel.db().query(Outage).one()
    assert (o.area, o.cause, o.created_by, o.ended_at) == ("东城", "headend", "boss", None)
    assert current_outage(panel.db(), "东城", utcnow()).id == o.id  # what the IVR reads
    html = c.get("/outages").get_data(as_text=True)
    assert "&lt;i&gt;maintenance&lt;/i&gt;" in html and "前端机房检修" in html
    bad = c.post("/outages", data={"csrf_token": token, "area": "x", "cause": "aliens"})
    assert bad.status_code == 400 and panel.db().query(Outage).count() == 1
    # a note past its limit is refused and given back whole (it was cut to 2 000 and published)
    long = c.post("/outages", data={"csrf_token": token, "area": "西城", "cause": "power", "note": "停电" * 1001})
    page = long.get_data(as_text=True)
    assert long.status_code == 400 and panel.db().query(Outage).count() == 1 and "太长" in page
    assert 'maxlength="2000" value="' + "停电" * 1001 + '"' in page and 'value="西城"' in page
    assert '<option value="power" selected>' in page
    assert c.post(f"/outages/{o.id}/close", data={"csrf_token": token}).status_code == 303
    assert panel.db().get(Outage, o.id).ended_at is not None
    assert current_outage(panel.db(), "东城", utcnow() + timedelta(seconds=1)) is None
    assert "东城" in c.get("/outages?format=csv").get_data(as_text=True)
