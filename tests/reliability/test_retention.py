"""Retention: `hotline scheduler purge` deletes raw events, calls and recordings past their settings, never a
complaint file younger than R-COMPLAINT's 3 years, and never a file outside the recordings dir."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from hotline.db import open_db
from hotline.models import AmiEventBatch, AmiEventCall, Call, RingAttempt
from hotline.models.callbacks import CallbackAttempt, CallbackTask, Complaint
from hotline.retention import purge
from hotline.settings import ROOT, Settings, load
from hotline.timeutil import utcnow

DAY = timedelta(days=1)


def _settings(tmp_path: Path, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path / "var", database_url=db_url,
                recordings_dir=str(tmp_path / "monitor"), retention_raw_events_days=30,
                retention_calls_days=400, retention_recordings_days=100, complaint_keep_days=1096)


def _call(db, call_id: str, age_days: float, recording: Path | None = None, server: str = "pbx1") -> Call:
    at = utcnow() - age_days * DAY
    c = Call(server=server, call_id=call_id, direction="inbound", started_at=at, ended_at=at + timedelta(seconds=60),
             disposition="answered", agent="8001", built_at=at, vars={}, transfers=[],
             recording=None if recording is None else str(recording))
    c.attempts = [RingAttempt(agent="8001", rang_at=at, ring_seconds=2.0, result="answered")]
    db.add(c)
    return c


def _wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + b"\0" * 1000)
    return path


def _batch(db, age_days: float, linkedids: list[str], server: str = "pbx1") -> None:
    at = utcnow() - age_days * DAY
    raw = "".join(f"Event: Newchannel\r\nLinkedid: {lid}\r\n\r\n" for lid in linkedids).encode()
    b = AmiEventBatch(server=server, received_at=at, received_until=at, events=len(linkedids),
                      digest=f"{age_days}-{'-'.join(linkedids)}"[:40], raw_lz4=AmiEventBatch.pack(raw))
    db.add(b)
    db.flush()
    for lid in linkedids:
        db.add(AmiEventCall(batch_id=b.id, linkedid=lid, server=server))


def test_purge_keeps_what_retention_and_complaints_require(tmp_path: Path, db_url: str) -> None:
    s = _settings(tmp_path, db_url)
    mon = tmp_path / "monitor"
    outside = _wav(tmp_path / "elsewhere" / "old-outside.wav")
    _, sessions = open_db(s)
    now = utcnow()
    with sessions.begin() as db:
        _call(db, "fresh", 5, _wav(mon / "fresh-1.wav"))
        _call(db, "rec-old", 150, _wav(mon / "rec-old-1.wav"))  # recording past 100 d, row kept
        _call(db, "call-old", 500, _wav(mon / "call-old-1.wav"))  # row past 400 d
        _call(db, "outside", 150, outside)  # a path outside the recordings dir is never deleted
        # R-COMPLAINT: a 2-year-old complaint keeps its call (and the callback call made for it)
        _call(db, "complained", 730, _wav(mon / "complained-1.wav"))
        _call(db, "cb-complaint", 729, _wav(mon / "cb-complaint-1.wav"))
        # a 4-year-old complaint no longer protects its call
        _call(db, "complained-long-ago", 1500, _wav(mon / "complained-long-ago-1.wav"))
        young = Complaint(number="+8613800000001", call_server="pbx1", call_id="complained",
                          received_at=now - 730 * DAY, contact_due=now - 729 * DAY, resolve_due=now - 728 * DAY)
        old = Complaint(number="+8613800000002", call_server="pbx1", call_id="complained-long-ago",
                        received_at=now - 1500 * DAY, contact_due=now - 1499 * DAY, resolve_due=now - 1498 * DAY)
        db.add_all([young, old])
        db.flush()
        task = CallbackTask(reason="complaint", number="+8613800000001", complaint_id=young.id,
                            created_at=now - 730 * DAY, due_at=now - 729 * DAY)
        db.add(task)
        db.flush()
        db.add(CallbackAttempt(task_id=task.id, at=now - 729 * DAY, agent="8001", call_server="pbx1",
                               call_id="cb-complaint", outcome="reached"))
        _batch(db, 5, ["fresh"])
        _batch(db, 150, ["rec-old", "outside"])
        _batch(db, 730, ["complained", "x"])  # holds a protected call's events: kept
        _batch(db, 1500, ["complained-long-ago"])

    def state() -> tuple[set[str], set[str], int, int]:
        with sessions() as db:
            calls = {c.call_id for c in db.scalars(select(Call))}
            with_rec = {c.call_id for c in db.scalars(select(Call).where(Call.recording.isnot(None)))}
            return (calls, with_rec, db.scalar(select(func.count()).select_from(AmiEventBatch)),
                    db.scalar(select(func.count()).select_from(RingAttempt)))

    before = state()
    files_before = sorted(p.name for p in mon.iterdir())
    # the command, dry run: says what it would do, changes nothing
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}, "PYTHONPATH": str(ROOT),
           "HOTLINE_DATABASE_URL": db_url, "HOTLINE_RUNTIME_DIR": str(tmp_path / "var"),
           "HOTLINE_RECORDINGS_DIR": str(mon), "HOTLINE_RETENTION_RAW_EVENTS_DAYS": "30",
           "HOTLINE_RETENTION_CALLS_DAYS": "400", "HOTLINE_RETENTION_RECORDINGS_DAYS": "100"}
    out = subprocess.run([sys.executable, "-m", "hotline", "scheduler", "purge", "--dry-run"], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert "would delete 2 raw event batches" in out, out
    assert "would delete 2 call records" in out and "would delete 3 recordings" in out, out
    assert "kept 2 calls" in out, out
    assert state() == before and sorted(p.name for p in mon.iterdir()) == files_before

    rep = purge(s, sessions)
    calls, with_rec, batches, attempts = state()
    assert calls == {"fresh", "rec-old", "outside", "complained", "cb-complaint"}
    assert with_rec == {"fresh", "outside", "complained", "cb-complaint"}
    assert sorted(p.name for p in mon.iterdir()) == ["cb-complaint-1.wav", "complained-1.wav", "fresh-1.wav"]
    assert outside.exists() and any("outside" in x for x in rep.skipped)
    assert batches == 2 and attempts == len(calls)  # ring attempts went with their calls
    assert (rep.calls, rep.recordings, rep.raw_batches, rep.kept_for_complaints) == (2, 3, 2, 2)

    assert purge(s, sessions).calls == 0  # a second pass finds nothing more
    with sessions() as db:  # complaints themselves are never purged
        assert db.scalar(select(func.count()).select_from(Complaint)) == 2


def test_zero_days_keeps_everything(tmp_path: Path, db_url: str) -> None:
    s = _settings(tmp_path, db_url).replace(retention_raw_events_days=0, retention_calls_days=0,
                                            retention_recordings_days=0)
    _, sessions = open_db(s)
    with sessions.begin() as db:
        _call(db, "ancient", 5000, _wav(tmp_path / "monitor" / "ancient-1.wav"))
        _batch(db, 5000, ["ancient"])
    rep = purge(s, sessions)
    assert (rep.calls, rep.recordings, rep.raw_batches) == (0, 0, 0)
    assert (tmp_path / "monitor" / "ancient-1.wav").exists()
