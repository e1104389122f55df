"""How long the hotline keeps what it stores, and ``purge`` that enforces it.

Three things grow with traffic: raw AMI event batches (``retention_raw_events_days``), call records
(``retention_calls_days``; their ring attempts, QA grades and recording listens go with them) and
call recordings (``retention_recordings_days``; the wav is deleted, the call keeps its row with
``recording`` cleared). 0 days keeps that kind forever.

R-COMPLAINT: complaint files are kept at least 3 years. Complaints themselves are never purged;
the calls of a complaint younger than ``complaint_keep_days`` (the call it came in on, and the
callback calls made for it), their recordings and the raw batches holding their events are kept
whatever the other settings say.

Deletes go in small chunks, each its own transaction, so a listener writing at the same time is
never held up for long (SQLite has one writer).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.models import AmiEventBatch, AmiEventCall, Call
from hotline.models.callbacks import CallbackAttempt, CallbackTask, Complaint
from hotline.pbx.config import Layout
from hotline.settings import Settings
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK = 2000


@dataclass
class PurgeReport:
    dry_run: bool
    raw_batches: int = 0
    raw_events: int = 0
    raw_bytes: int = 0
    calls: int = 0
    recordings: int = 0
    recording_bytes: int = 0
    kept: set[int] = field(default_factory=set, repr=False)  # calls past a cutoff kept because of R-COMPLAINT
    skipped: list[str] = field(default_factory=list)  # recordings not deleted, with the reason

    @property
    def kept_for_complaints(self) -> int:
        return len(self.kept)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [f"{verb} {self.raw_batches} raw event batches ({self.raw_events} events, {_size(self.raw_bytes)})",
               f"{verb} {self.calls} call records",
               f"{verb} {self.recordings} recordings ({_size(self.recording_bytes)})",
               f"kept {self.kept_for_complaints} calls (or their recordings) past a cutoff for complaints younger than the "
               f"R-COMPLAINT minimum"]
        out += [f"skipped {s}" for s in self.skipped[:20]]
        if len(self.skipped) > 20:
            out.append(f"... and {len(self.skipped) - 20} more skipped")
        return out


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def recordings_dir(s: Settings) -> Path:
    """The same place the panel serves recordings from: only files in it are ever deleted."""
    return Path(s.recordings_dir) if s.recordings_dir else Layout(s.asterisk_dir).monitor


def cutoff(days: int, now: datetime) -> datetime | None:
    return None if days <= 0 else now - timedelta(days=days)


def protected_calls(db: Session, s: Settings, now: datetime) -> set[tuple[str, str]]:
    """(server, call_id) of every call belonging to a complaint younger than complaint_keep_days."""
    since = now - timedelta(days=max(s.complaint_keep_days, 0))
    young = select(Complaint.id).where(Complaint.received_at >= since)
    keep: set[tuple[str, str]] = set()
    for server, call_id in db.execute(select(Complaint.call_server, Complaint.call_id).where(
            Complaint.id.in_(young), Complaint.call_id.isnot(None))):
        keep.add((server or "", call_id))
    task_ids = select(CallbackTask.id).where(CallbackTask.complaint_id.in_(young))
    for server, call_id in db.execute(select(CallbackAttempt.call_server, CallbackAttempt.call_id).where(
            CallbackAttempt.task_id.in_(task_ids))):
        keep.add((server, call_id))
    return keep


def _chunks(items: list[int], n: int = CHUNK) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _protected_pks(db: Session, keep: set[tuple[str, str]]) -> set[int]:
    pks: set[int] = set()
    pairs = sorted(keep)
    for i in range(0, len(pairs), 500):
        part = pairs[i:i + 500]
        pks.update(db.scalars(select(Call.id).where(tuple_(Call.server, Call.call_id).in_(part))))
    return pks


def purge(s: Settings, sessions: sessionmaker[Session], dry_run: bool = False,
          now: datetime | None = None) -> PurgeReport:
    now = now or utcnow()
    rep = PurgeReport(dry_run)
    with sessions() as db:
        keep = protected_calls(db, s, now)
        keep_pks = _protected_pks(db, keep)
    _purge_recordings(s, sessions, rep, now, keep_pks)
    _purge_calls(s, sessions, rep, now, keep_pks)
    _purge_raw(s, sessions, rep, now, keep)
    for line in rep.lines():
        log.info("purge: %s", line)
    return rep


def _purge_recordings(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime,
                      keep_pks: set[int]) -> None:
    before = cutoff(s.retention_recordings_days, now)
    if before is None:
        return
    root = recordings_dir(s).resolve()
    when = func.coalesce(Call.started_at, Call.built_at)
    with sessions() as db:
        rows = db.execute(select(Call.id, Call.recording).where(Call.recording.isnot(None), when < before)).all()
    cleared: list[int] = []
    for pk, path in rows:
        if pk in keep_pks:
            rep.kept.add(pk)
            continue
        try:
            real = Path(path).resolve()
        except (OSError, RuntimeError) as exc:  # a link loop, an unreadable path
            rep.skipped.append(f"{path}: {exc}")
            continue
        if not real.is_relative_to(root):
            # a path the database names but that lies outside the recordings dir is never deleted
            rep.skipped.append(f"{path}: outside {root}")
            continue
        try:
            size = real.stat().st_size
        except FileNotFoundError:
            size = 0  # already gone: only the row is cleared
        if not dry_run_or_unlink(real, rep.dry_run):
            rep.skipped.append(f"{path}: could not be deleted")
            continue
        rep.recordings += 1
        rep.recording_bytes += size
        cleared.append(pk)
    if not rep.dry_run:
        for part in _chunks(cleared):
            with sessions.begin() as db:
                db.execute(update(Call).where(Call.id.in_(part)).values(recording=None))


def dry_run_or_unlink(path: Path, dry_run: bool) -> bool:
    if dry_run:
        return True
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("purge: cannot delete %s: %s", path, exc)
        return False
    return True


def _purge_calls(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime,
                 keep_pks: set[int]) -> None:
    before = cutoff(s.retention_calls_days, now)
    if before is None:
        return
    when = func.coalesce(Call.started_at, Call.built_at)
    with sessions() as db:
        old = list(db.scalars(select(Call.id).where(when < before)))
    doomed = [pk for pk in old if pk not in keep_pks]
    rep.kept.update(pk for pk in old if pk in keep_pks)
    rep.calls += len(doomed)
    if rep.dry_run:
        return
    for part in _chunks(doomed):
        with sessions.begin() as db:
            # ring attempts, QA grades and recording listens go by ON DELETE CASCADE
            db.execute(delete(Call).where(Call.id.in_(part)))


def _purge_raw(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime,
               keep: set[tuple[str, str]]) -> None:
    before = cutoff(s.retention_raw_events_days, now)
    if before is None:
        return
    with sessions() as db:
        old = db.execute(select(AmiEventBatch.id, AmiEventBatch.events, func.length(AmiEventBatch.raw_lz4))
                         .where(AmiEventBatch.received_until < before)).all()
        held: set[int] = set()
        if keep:
            by_server: dict[str, list[str]] = {}
            for server, call_id in keep:
                by_server.setdefault(server, []).append(call_id)
            for server, ids in by_server.items():
                held.update(db.scalars(select(AmiEventCall.batch_id).where(
                    AmiEventCall.server == server, AmiEventCall.linkedid.in_(ids))))
    doomed = [(pk, n, size) for pk, n, size in old if pk not in held]
    rep.raw_batches += len(doomed)
    rep.raw_events += sum(n for _, n, _ in doomed)
    rep.raw_bytes += sum(size or 0 for _, _, size in doomed)
    if rep.dry_run:
        return
    for part in _chunks([pk for pk, _, _ in doomed]):
        with sessions.begin() as db:
            db.execute(delete(AmiEventCall).where(AmiEventCall.batch_id.in_(part)))
            db.execute(delete(AmiEventBatch).where(AmiEventBatch.id.in_(part)))
