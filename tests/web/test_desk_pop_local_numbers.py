"""R-ONE-CALL on the desk's pop: a trunk that gives a Beijing landline as its 8 local digits
(66001234) — with local_area_code 010 the pop of that call shows the number's history kept in its
full forms (a report filed from 01066001234, a callback task for +861066001234, one whose contact
was keyed as the 8 digits) and the customer, as the IVR's repeat check does (one look-up:
hotline.field.standing.filed_by over hotline.callbacks.numbers.stored_forms)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotline.models.callbacks import CallbackTask
from hotline.models.ivr import Customer, FaultReport
from tests.web.conftest import Panel, open_panel
from web.desk.pop import history

LOCAL = "66001234"


@pytest.fixture
def beijing(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    yield from open_panel(tmp_path, db_url, local_area_code="010")


def test_the_pop_of_a_local_number_shows_its_history_in_full_form(beijing: Panel) -> None:
    now = datetime.now(UTC)
    with beijing.app.app_context():
        db = beijing.db()
        sid = beijing.settings.server_id
        db.add(Customer(phone="01066001234", name="李娜", created_at=now))
        db.add(FaultReport(server=sid, call_id="old-1", caller="01066001234", status="open", ticket="000881",
                           created_at=now - timedelta(hours=3), updated_at=now))
        db.add(FaultReport(server=sid, call_id="old-2", caller="13900000881", contact=LOCAL, status="closed",
                           ticket="000882", created_at=now - timedelta(hours=5), updated_at=now))
        db.add(CallbackTask(reason="missed", number="+861066001234", status="open", created_at=now - timedelta(hours=1),
                            due_at=now, priority=20, missed_calls=1))
        db.commit()
        got = history(db, beijing.settings, LOCAL, "1700.1", now)
        assert [(c["kind"], c.get("ticket")) for c in got["contacts"]] == [
            ("task", None), ("fault", "000881"), ("fault", "000882")]
        assert got["repeat_open"] is True
        assert got["customer"] is not None and got["customer"]["name"] == "李娜"
        db.close()
