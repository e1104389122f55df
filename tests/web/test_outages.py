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
    assert c.post(f"/outages/{o.id}/close", data={"csrf_token": token}).status_code == 303
    assert panel.db().get(Outage, o.id).ended_at is not None
    assert current_outage(panel.db(), "东城", utcnow() + timedelta(seconds=1)) is None
    assert "东城" in c.get("/outages?format=csv").get_data(as_text=True)
