"""R-ANS-4RINGS / R-ANS-LATE-APOLOGY: a ring rule changed in the service settings re-renders the
dialplan's apology threshold and reloads it in the running Asterisk (hotline.pbx.ring_rule_sync,
which `hotline run` checks every half second)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from hotline import service_settings as svc
from hotline.db import open_db
from hotline.pbx.process import Asterisk
from hotline.pbx.ring_rule_sync import RingRuleSync
from hotline.rules import ring_rule

pytestmark = pytest.mark.asterisk

GREET = "dialplan show s@hotline-agent-greet"


def _threshold(pbx: Asterisk) -> str:
    m = re.search(r"<= ([0-9.]+)\]\?worknum", pbx.cli(GREET))
    assert m, pbx.cli(GREET)
    return m.group(1)


def test_ring_rule_change_reloads_the_dialplan(pbx: Asterisk, db_url: str) -> None:
    base = pbx.settings.replace(database_url=db_url)
    before = ring_rule(pbx.settings)
    assert _threshold(pbx) == f"{before.threshold_s:g}"  # 4 rings × 1 s in the tests
    engine, sessions = open_db(base, upgrade=True)
    sync = RingRuleSync(base, sessions, pbx)
    try:
        assert not sync.check()  # nothing changed: no reload
        with sessions.begin() as db:
            svc.save(db, base, {"max_rings": "3", "ring_cycle_s": "2.5"}, "root", datetime.now(UTC))
        svc.forget(sessions)
        assert sync.check()
        assert _threshold(pbx) == "7.5"  # live in Asterisk, without a restart
        assert sync.applied == 7.5 and not sync.check()  # once per change
        assert (pbx.settings.max_rings, pbx.settings.ring_cycle_s) == (3, 2.5)  # a restart keeps it
    finally:  # the session's Asterisk goes back to the rule the other tests expect
        with sessions.begin() as db:
            svc.save(db, base, {"max_rings": str(before.max_rings), "ring_cycle_s": str(before.ring_cycle_s)},
                     "root", datetime.now(UTC))
        svc.forget(sessions)
        sync.retry_at = 0.0
        sync.check()
        engine.dispose()
    assert _threshold(pbx) == f"{before.threshold_s:g}"
