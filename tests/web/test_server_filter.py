"""Several Asterisk servers write into one database: the panel shows all, filterable by server."""

from __future__ import annotations

from tests.web.conftest import Panel
from tests.web.factory import make_call


def test_calls_of_two_servers_and_the_server_filter(panel: Panel) -> None:
    db = panel.db()
    one = make_call(db, server="pbx1", number="13900000011", caller_name="one")
    two = make_call(db, server="pbx2", number="13900000022", caller_name="two")
    c = panel.client("boss")  # a supervisor
    both = {x["id"] for x in c.get("/api/v1/calls").get_json()["calls"]}
    assert {one.id, two.id} <= both
    only = c.get("/api/v1/calls?server=pbx2").get_json()["calls"]
    assert [x["id"] for x in only] == [two.id] and only[0]["server"] == "pbx2"
    html = c.get("/calls?server=pbx1").get_data(as_text=True)
    assert "13900000011" in html and "13900000022" not in html
    assert "pbx2" in c.get("/calls?format=csv").get_data(as_text=True)
