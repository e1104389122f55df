"""The desk's audit trail read back: a call's controls in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.db import open_db
from hotline.desk import audit
from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.settings import load

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_uses_of_a_call(tmp_path: Path, db_url: str) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="a", database_url=db_url)
    _engine, sessions = open_db(s)
    with sessions() as db:
        done, ended = ControlOutcome.DONE, ControlOutcome.CALL_ENDED
        audit.record(db, s, "8001", ControlResult("malicious", "8001", "c-1", done, "flagged"), T0)
        audit.record(db, s, "supervisor", ControlResult("listen", "8001", "c-1", done, "rings", "PJSIP/9001"),
                     T0 + timedelta(seconds=5))
        audit.record(db, s, "8002", ControlResult("malicious", "8002", "c-2", ended, "ended"), T0)
        audit.record(db, s, "8003", ControlResult("malicious", "8003", "c-3", done, "flagged"), T0 + timedelta(days=1))
        uses = audit.of_call(db, s, "c-1")
        assert [(u.actor, u.control, u.detail, u.outcome) for u in uses] == [
            ("8001", "malicious", None, done), ("supervisor", "listen", "PJSIP/9001", done)]
