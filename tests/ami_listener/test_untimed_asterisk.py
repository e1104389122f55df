"""A real Asterisk with ``timestampevents = no`` in manager.conf (issue #12: an operator's
Asterisk may be set so): `hotline doctor` fails its check with the fix, and the live listener says
so loudly once at connect, times the events by their arrival and marks the records it builds."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator

import pytest

from ami_listener.listen import Listener
from ami_listener.pipeline import ARRIVAL_TIMES
from ami_listener.simulate import SimCall, originate
from hotline import doctor
from hotline.db import open_db
from hotline.models import Call
from hotline.pbx.config import TEMPLATES
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.support.pbx import pbx_test_settings
from tests.support.stored import calls_stored

pytestmark = pytest.mark.asterisk


@pytest.fixture(scope="module")
def untimed_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    """Our Asterisk configuration with manager.conf's timestampevents turned off."""
    tmp = tmp_path_factory.mktemp("untimed")
    templates = tmp / "templates"
    shutil.copytree(TEMPLATES, templates)
    conf = templates / "manager.conf"
    text = conf.read_text(encoding="utf-8")
    assert "timestampevents = yes" in text
    conf.write_text(text.replace("timestampevents = yes", "timestampevents = no"), encoding="utf-8")
    ast = Asterisk(pbx_test_settings(tmp / "var", server_id="untimed"), templates).start()
    yield ast
    ast.stop()


def test_doctor_says_what_to_set(untimed_pbx: Asterisk) -> None:
    check = doctor.check_events(untimed_pbx.settings.replace(doctor_timeout_s=10.0))
    assert check.ok is False and "set timestampevents = yes" in check.detail, check.detail


def _rows(s: Settings, n: int, timeout: float = 60) -> list[Call]:
    return calls_stored(open_db(s)[1], n, timeout, poll=0.2)


def test_the_listener_times_events_on_arrival_and_marks_the_record(
        untimed_pbx: Asterisk, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="ami_listener.connection")
    s = untimed_pbx.settings.replace(database_url=db_url)
    listener = Listener(s, flush_interval=0.05).start()
    try:
        assert listener.conn.connected.wait(15)
        # 8001 answers after 1.5 s and hangs up after 1 s of talk
        call = SimCall(f"untimed-{time.time_ns() % 10**9}", "13500000088", "无时", stay_s=30,
                       agents={"8001": ("answer", 1.5, 1)})
        with untimed_pbx.ami() as ami:
            originate(ami, s, call)
        rows = [r for r in _rows(s, 1) if r.call_id == call.call_id]
    finally:
        listener.stop()
    assert len(rows) == 1
    row = rows[0]
    assert row.vars.get("HOTLINE_SOURCE") == ARRIVAL_TIMES and not row.incomplete
    assert (row.disposition, row.agent) == ("answered", "8001")
    # times are arrival times: near the ring's 1.5 s (TCP batching and the listener's own delays)
    assert row.ring_seconds is not None and 1.2 <= row.ring_seconds <= 2.5, row.ring_seconds
    said = [r for r in caplog.records if "timestampevents = yes" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.ERROR
