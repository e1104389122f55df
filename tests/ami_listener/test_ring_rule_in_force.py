"""R-ANS-4RINGS: a long-running listener completes a call from CEL (the AMI-gap repair) with the
ring rule in force at the time of the repair — the panel's service setting changed after the
listener started — not the rule it read at start-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import ami_listener.repair as repair
from ami_listener.listen import Listener
from ami_listener.record import CallRecord
from hotline import service_settings as svc
from hotline.db import open_db
from hotline.rules import RingRule
from hotline.settings import load


@pytest.mark.db
def test_cel_repair_uses_the_ring_rule_in_force_at_the_repair(db_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    s = load(config_file=None, env={}, database_url=db_url, runtime_dir=tmp_path, ring_cycle_s=1.0, max_rings=4,
             service_settings_ttl_s=0.0)
    engine, sessions = open_db(s, upgrade=True)
    seen: list[RingRule] = []

    def fake_backfill(*_a: Any, rules: RingRule, **_k: Any) -> list[CallRecord]:
        seen.append(rules)
        return []

    monkeypatch.setattr(repair, "backfill_calls", fake_backfill)
    listener = Listener(s)  # not started: the repair is called directly
    try:
        rec = CallRecord("1700000000.1", s.server_id, started_at=1_700_000_000.0, incomplete=True)
        listener.cel_repair(rec, {})
        with sessions.begin() as db:
            svc.save(db, s, {"ring_cycle_s": "5", "max_rings": "6"}, "root", datetime.now(UTC))
        listener.cel_repair(rec, {})
    finally:
        listener.stop()
        engine.dispose()
    assert seen == [RingRule(1.0, 4), RingRule(5.0, 6)]
