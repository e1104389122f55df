"""Replay into the database: one row per call, idempotent replays and rebuilds."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import func, select

from hotline.db import open_db
from hotline.models import AmiEventBatch, Call, QaGrade, RingAttempt, User
from hotline.settings import ROOT
from hotline.timeutil import utcnow
from tests.ami_listener.replay import CAPTURES, replay_settings


def _replay(db_url: str, *files: str, json: bool = False, store: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"HOTLINE_DATABASE_URL": db_url, "HOTLINE_RING_CYCLE_S": "1", "HOTLINE_SERVER_ID": "replay",
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "hotline", "listener", "replay", *[str(CAPTURES / f"{f}.ami") for f in files]]
    cmd += (["--json"] if json else []) + ([] if store else ["--no-store"])
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)


def test_replay_twice_creates_no_duplicates(db_url: str) -> None:
    url = db_url
    _replay(url, "quick_answer", "ring_no_answer_rollover", "concurrent_30")
    _, sessions = open_db(replay_settings(database_url=url))
    with sessions() as db:
        first = (db.scalar(select(func.count()).select_from(Call)), db.scalar(select(func.sum(AmiEventBatch.events))),
                 db.scalar(select(func.count()).select_from(RingAttempt)))
    out = _replay(url, "quick_answer", "ring_no_answer_rollover", "concurrent_30", json=True)
    with sessions() as db:
        again = (db.scalar(select(func.count()).select_from(Call)), db.scalar(select(func.sum(AmiEventBatch.events))),
                 db.scalar(select(func.count()).select_from(RingAttempt)))
        rollover = db.scalars(select(Call).where(Call.agent == "8002", Call.wait_seconds > 8)).one()
        assert [(a.agent, a.result) for a in rollover.attempts] == [("8001", "no_answer"), ("8002", "answered")]
    assert first == again and first[0] == 32
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 32
    starts = [json.loads(ln)["started_at"] for ln in lines]
    assert starts == sorted(starts)


def test_a_calls_holds_are_stored_and_printed(db_url: str) -> None:
    """foreign_hold_resume: one hold of 3 s, in the row and in ``replay --json`` (with or without
    ``--no-store``); an unanswered call has none to tell (NULL, null)."""
    printed = _replay(db_url, "foreign_hold_resume", "abandon_queued", json=True).stdout
    alone = _replay(db_url, "foreign_hold_resume", "abandon_queued", json=True, store=False).stdout
    _, sessions = open_db(replay_settings(database_url=db_url))
    with sessions() as db:
        rows = {c.disposition: (c.holds, c.hold_seconds) for c in db.scalars(select(Call))}
    assert rows == {"answered": (1, 3.004), "abandoned": (None, None)}
    for out in (printed, alone):
        got = {d["disposition"]: (d["holds"], d["hold_seconds"])
               for d in map(json.loads, (ln for ln in out.splitlines() if ln.startswith("{")))}
        assert got == rows


def test_rebuild_is_idempotent(db_url: str) -> None:
    url = db_url
    _replay(url, "queue_blind_transfer", "abandon_queued")
    _, sessions = open_db(replay_settings(database_url=url))
    with sessions() as db:
        before = {c.call_id: (c.disposition, c.final_agent, c.transfers, c.hangup_first)
                  for c in db.scalars(select(Call))}
        pks = {c.call_id: c.id for c in db.scalars(select(Call))}
        db.execute(Call.__table__.update().values(disposition="failed"))  # damage the records
        # an inspector's grade refers to the call's row: a rebuild must keep it (R-QA)
        user = User(username="qa", password_hash="x", role="inspector", created_at=utcnow())
        db.add(user)
        db.flush()
        db.add(QaGrade(call_pk=next(iter(pks.values())), inspector_id=user.id, score=90, created_at=utcnow()))
        db.commit()
    env = {"HOTLINE_DATABASE_URL": url, "HOTLINE_RING_CYCLE_S": "1", "HOTLINE_SERVER_ID": "replay",
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "hotline", "listener", "rebuild",
                        "--since", "2000-01-01", "--until", "2100-01-01"],
                       env=env, check=True, capture_output=True, timeout=60)
    with sessions() as db:
        after = {c.call_id: (c.disposition, c.final_agent, c.transfers, c.hangup_first)
                 for c in db.scalars(select(Call))}
        assert {c.call_id: c.id for c in db.scalars(select(Call))} == pks
        assert db.scalar(select(func.count()).select_from(QaGrade)) == 1
    assert after == before and len(after) == 2


def test_journal_left_by_an_older_listener_is_still_written(db_url: str, tmp_path) -> None:
    """A journal written before the store kept raw bytes (one [text, linkedid, received] per
    event) drains into the new store: nothing accepted from AMI is lost across an upgrade."""
    import json

    from ami_listener.journal import Journal
    from ami_listener.store import Store

    frames = [(CAPTURES / "quick_answer.ami").read_bytes().split(b"\r\n\r\n")[i].decode() for i in (2, 3)]
    journal = Journal(tmp_path / "old.journal", 1 << 20)
    journal.path.write_text(json.dumps({"events": [[f, "1.1", 1795329521.0 + i] for i, f in enumerate(frames)],
                                        "calls": [], "presence": []}) + "\n", encoding="utf-8")
    _, sessions = open_db(replay_settings(database_url=db_url))
    assert journal.drain(Store(sessions, "replay")) == 1
    assert not journal.pending()
    with sessions() as db:
        batch = db.scalars(select(AmiEventBatch)).one()
    assert batch.events == 2
    assert AmiEventBatch.unpack(batch.raw_lz4) == "".join(f + "\r\n\r\n" for f in frames).encode()
