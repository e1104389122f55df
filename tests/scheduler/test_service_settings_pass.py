"""The scheduler's passes go by the service settings in force (issue 18): a callback rule changed in
the panel applies to the next pass, no restart."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline import service_settings as svc
from hotline.db import open_db
from hotline.settings import load
from scheduler.daemon import Scheduler


def test_a_pass_reads_the_rules_saved_in_the_panel(db_url: str) -> None:
    s = load(config_file=None, env={}, database_url=db_url)
    engine, sessions = open_db(s, upgrade=True)
    try:
        sched = Scheduler(s, sessions)
        assert sched.in_force().callback_max_attempts == 3
        with sessions.begin() as db:
            svc.save(db, s, {"callback_max_attempts": "5", "callback_revisit_start": "08:30"}, "root",
                     datetime.now(UTC))
        svc.forget(sessions)  # another process would see it within service_settings_ttl_s
        now = sched.in_force()
        assert (now.callback_max_attempts, now.callback_revisit_start) == (5, "08:30")
        assert sched.s.callback_max_attempts == 3  # the file's settings are left as they were
    finally:
        engine.dispose()
