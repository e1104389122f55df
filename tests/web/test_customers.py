"""The customer master in the panel (issue 14 §2): who may edit, the form (numbers, district from
settings.districts, area, VIP), CSV import — good rows in, one bad row and nothing half-imported,
bad rows named by line — and export; hostile text escaped."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline import customers
from hotline.models.ivr import Customer
from tests.web.conftest import Panel, csrf_of, open_panel

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


@pytest.fixture
def panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, districts=["城东", "城西"])


def upload(c: FlaskClient, text: str) -> Any:
    return c.post("/customers/import", data={"csrf_token": csrf_of(c, "/customers/import"),
                                             "file": (io.BytesIO(text.encode("utf-8")), "c.csv")},
                  content_type="multipart/form-data")


def count(panel: Panel) -> int:
    return int(panel.db().scalar(select(func.count()).select_from(Customer)))


def test_roles(panel: Panel) -> None:
    insp, agent, boss = panel.client("insp"), panel.client("agent1"), panel.client("boss")
    for path in ("/customers", "/customers/new", "/customers/import", "/customers/export"):
        assert insp.get(path).status_code == 403, path
    assert agent.get("/customers").status_code == 200 and agent.get("/customers/new").status_code == 200
    assert agent.get("/customers/import").status_code == 403 and agent.get("/customers/export").status_code == 403
    assert boss.get("/customers/import").status_code == 200
    assert panel.client().get("/customers").status_code == 302
    assert agent.get("/customers/999").status_code == 404


def test_edit_a_customer(panel: Panel) -> None:
    agent = panel.client("agent1")
    html = agent.get("/customers/new").get_data(as_text=True)
    assert '<option value="城东"' in html  # the configured districts
    data = {"numbers": "13912345678 0571-87654321", "name": HOSTILE, "address": HOSTILE, "district": "城东",
            "area_type": "rural", "vip": "1", "account": "A-1", "csrf_token": csrf_of(agent, "/customers/new")}
    r = agent.post("/customers/new", data=data)
    assert r.status_code == 303
    db = panel.db()
    cust = customers.find_customer(db, panel.settings, "057187654321")
    assert cust is not None and cust.vip and cust.area_type == "rural" and cust.district == "城东"
    page = agent.get(f"/customers/{cust.id}").get_data(as_text=True)
    assert HOSTILE not in page and ESCAPED in page and "+8613912345678" in page
    listing = agent.get("/customers?q=5678").get_data(as_text=True)
    assert HOSTILE not in listing and ESCAPED in listing
    # an unknown district is refused, the customer unchanged
    data.update(district="火星", csrf_token=csrf_of(agent, f"/customers/{cust.id}"))
    r = agent.post(f"/customers/{cust.id}", data=data)
    assert r.status_code == 400 and "火星" in r.get_data(as_text=True)
    assert panel.db().get(Customer, cust.id).district == "城东"


def test_import_good_rows_then_bad_rows_none_half_imported(panel: Panel) -> None:
    boss = panel.client("boss")
    good = "numbers,name,address,district,area,vip,account\n13900000001,甲,地址一,城东,urban,yes,A1\n" \
           "13900000002;13900000003,乙,地址二,城西,rural,no,A2\n"
    r = upload(boss, good)
    assert r.status_code == 200 and count(panel) == 2
    bad = "号码,姓名,地址,片区,城乡,vip,账号\n13900000004,丙,,城东,urban,no,\n" \
          "not-a-number,丁,,城东,urban,no,\n13900000005,戊,,火星,urban,no,\n13900000001,甲改,,城东,urban,maybe,\n"
    r = upload(boss, bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'data-line="3"' in html and 'data-line="4"' in html and 'data-line="5"' in html
    assert 'data-line="2"' not in html
    assert count(panel) == 2  # the good row 2 was not imported either
    first = customers.find_customer(panel.db(), panel.settings, "13900000001")
    assert first is not None and first.name == "甲"
    export = boss.get("/customers/export").get_data(as_text=True)
    assert export.startswith("\ufeffnumbers,name") and "+8613900000002;+8613900000003,乙" in export


def test_import_hostile_errors_escaped(panel: Panel) -> None:
    boss = panel.client("boss")
    r = upload(boss, f"numbers,name,vip\n{HOSTILE},x,no\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and HOSTILE not in html and "&lt;script&gt;" in html
    assert boss.post("/customers/import", data={"csrf_token": csrf_of(boss, "/customers/import")}).status_code == 400
