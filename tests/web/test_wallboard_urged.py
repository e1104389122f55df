"""R-OVERDUE / R-ONE-CALL on the wallboard: an overdue work order the customer urged (催单, key 0
after the IVR told where their report stands) says so on the shared screen — how often and when
last, in /field/orders' words —, on the page and in the stream's list (web/static/wallboard.js
writes it in the page's words)."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from tests.web.conftest import Panel
from tests.web.test_field import fpanel, new_order
from tests.web.test_field_urged import _said, _urge_twice

__all__ = ["fpanel"]  # the fixture


def test_the_overdue_list_shows_which_orders_the_customer_urged(fpanel: Panel) -> None:
    from web.wallboard import overdue_work_orders

    urged_id = new_order(fpanel, minutes_ago=60 * 30, caller="13800000011")
    quiet_id = new_order(fpanel, minutes_ago=60 * 30, caller="13800000012")
    last = _urge_twice(fpanel, urged_id)
    said = _said(fpanel, last)
    board = fpanel.client("boss").get("/wallboard").get_data(as_text=True)
    assert 'id="wb-overdue-count">2<' in board
    urged_row = board.split(f'data-id="{urged_id}"')[1].split("</tr>")[0]
    assert said in urged_row and "催单" not in board.split(f'data-id="{quiet_id}"')[1].split("</tr>")[0]
    # the words the stream's rows are written in, in the page's language
    words = re.search(r'id="wb-overdue-orders" data-urged="([^"]*)"', board)
    assert words is not None and words.group(1) == "客户催单 ×{n},最近 {at}"
    # the stream's list (the slow part): the count and the last time, no customer number
    listed = {o["id"]: o for o in overdue_work_orders(fpanel.db(), fpanel.settings)}
    at = f"{last.astimezone(ZoneInfo(fpanel.settings.timezone)):%m-%d %H:%M}"
    assert listed[urged_id]["urged"] == {"count": 2, "last_at": at}
    assert listed[quiet_id]["urged"] is None
    assert "13800000011" not in json.dumps(list(listed.values()))
