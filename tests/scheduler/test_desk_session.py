"""The scheduler's desk AMI session on a real private Asterisk: when it opens again after the PBX
came back without its dynamic members (its astdb gone), the stored presence is put back on the
queue (hotline.desk.reapply), so agents the desk shows 示闲 are rung again."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from hotline.db import open_db
from hotline.desk import members, presence
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.config import Layout
from hotline.pbx.process import Asterisk
from hotline.vocabulary import AgentPresence as P
from scheduler.daemon import Scheduler
from tests.hotline.desk.conftest import desk_settings, dynamic_templates
from tests.support.postgres import new_db_url

pytestmark = pytest.mark.asterisk


def test_a_pbx_back_without_its_members_gets_the_stored_presence(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    s = desk_settings(tmp_path / "var", database_url=new_db_url(tmp_path, "desk.db"))
    _engine, sessions = open_db(s)
    ast = Asterisk(s, dynamic_templates(tmp_path)).start()
    sched = Scheduler(s, sessions)
    try:
        with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
            assert presence.set_state(s, db, "8001", P.AVAILABLE, ami=ami).ok
            assert presence.set_state(s, db, "8002", P.BREAK, "培训", ami=ami).ok
        sched.desk_once()  # the session opens: the queue is as stored, nothing to put back
        assert "put back" not in caplog.text
        ast.stop()
        sched.desk_once()  # the PBX is away: the session is dropped
        shutil.rmtree(Layout(s.asterisk_dir).lib)  # and it comes back without its astdb
        ast.start()
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            assert members.status(ami, s) == {}  # nobody would be rung
            with caplog.at_level(logging.WARNING, logger="scheduler.daemon"):
                sched.desk_once()  # a new session: the stored presence goes back on the queue
            live = members.status(ami, s)
            assert {a: (m.paused, m.reason) for a, m in live.items()} == {"8001": (False, ""),
                                                                          "8002": (True, "break:培训")}
            assert "put back for 8001, 8002" in caplog.text
    finally:
        sched.stop_event.set()
        if sched._desk_ami is not None:
            sched._desk_ami.close()
        ast.stop()
