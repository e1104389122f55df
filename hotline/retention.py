"""How long the hotline keeps what it stores, and ``purge`` that enforces it.

What grows with traffic: raw AMI event batches (``retention_raw_events_days``), call records
(``retention_calls_days``; their ring attempts, QA grades and recording listens go with them),
call recordings (``retention_recordings_days``; its wav files, every part, are deleted, the call keeps its row with
``recording`` cleared), fault reports and their IVR voice descriptions, closed callback tasks,
customers (kept unless set), SMS of the outbox once done with (``retention_sms_days``), and files:
CEL and queue_log lines, the services' logs, set-aside journals, recordings no record names
(hotline/retention_files.py). 0 days keeps that kind forever. What a purge did is a ``PurgeReport``
(hotline/retention_report.py).
``hotline scheduler run`` purges once a day (scheduler/daemon.py).

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
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from hotline import retention_files as files
from hotline.asterisk_logs import cel_path, cel_time
from hotline.callbacks.numbers import read_number
from hotline.models import AmiEventBatch, AmiEventCall, Call
from hotline.models.callbacks import OPEN_STATUSES, CallbackAttempt, CallbackSource, CallbackTask, Complaint, Escalation
from hotline.models.ivr import Customer, FaultReport
from hotline.models.notifications import PENDING_STATUSES, OutboxMessage
from hotline.pbx.config import Layout
from hotline.recording_parts import call_of, parts
from hotline.retention_report import PurgeReport
from hotline.settings import Settings
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK = 2000


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
    _purge_reports(s, sessions, rep, now, keep)
    _purge_tasks(s, sessions, rep, now)
    _purge_customers(s, sessions, rep, now)
    _purge_sms(s, sessions, rep, now)
    _purge_files(s, sessions, rep, now)
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
        rows = db.execute(select(Call.id, Call.call_id, Call.recording)
                          .where(Call.recording.isnot(None), when < before)).all()
    cleared: list[int] = []
    for pk, call_id, path in rows:
        if pk in keep_pks:
            rep.kept.add(pk)
            continue
        # every part of the call's recording goes (a transferred call's agents each recorded
        # theirs); the part the record names last, so a failure leaves the call naming what is left
        for other in (str(p.path) for p in parts(call_id, path) if str(p.path) != path):
            if (other_size := _unlink_inside(other, root, rep)) is not None:
                rep.recordings += 1
                rep.recording_bytes += other_size
        # a path the database names but that lies outside the recordings dir is never deleted
        size = _unlink_inside(path, root, rep)
        if size is None:
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


def _unlink_inside(path: str, root: Path, rep: PurgeReport) -> int | None:
    """Deletes ``path`` (unless dry run) if it lies inside ``root``; its size, or None when skipped."""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError) as exc:
        rep.skipped.append(f"{path}: {exc}")
        return None
    if not real.is_relative_to(root):
        rep.skipped.append(f"{path}: outside {root}")
        return None
    try:
        size = real.stat().st_size
    except FileNotFoundError:
        size = 0
    if not dry_run_or_unlink(real, rep.dry_run):
        rep.skipped.append(f"{path}: could not be deleted")
        return None
    return size


def _report_numbers(s: Settings, caller: str | None, contact: str | None) -> set[str]:
    return {n.e164 for n in (read_number(s, caller), read_number(s, contact)) if n is not None}


def _purge_reports(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime,
                   keep: set[tuple[str, str]]) -> None:
    """Fault reports past ``retention_fault_reports_days``, IVR voice descriptions past
    ``retention_voice_days``. A report is kept, with its voice, while an open complaint is about its
    customer, a complaint younger than R-COMPLAINT's minimum came in on its call, or an open task
    names it."""
    report_cut, voice_cut = cutoff(s.retention_fault_reports_days, now), cutoff(s.retention_voice_days, now)
    cuts = [c for c in (report_cut, voice_cut) if c is not None]
    if not cuts:
        return
    root = recordings_dir(s).resolve()
    with sessions() as db:
        numbers = set(db.scalars(select(Complaint.number).where(Complaint.closed_at.is_(None))))
        tasked = set(db.scalars(select(CallbackTask.fault_report_id).where(
            CallbackTask.status.in_(OPEN_STATUSES), CallbackTask.fault_report_id.isnot(None))))
        # past the voice cutoff only reports still holding a voice matter, until the report cutoff
        wanted: ColumnElement[bool] = FaultReport.recording.isnot(None)
        if report_cut is not None:
            wanted = or_(wanted, FaultReport.created_at < report_cut)
        rows = db.execute(select(FaultReport.id, FaultReport.server, FaultReport.call_id, FaultReport.caller,
                                 FaultReport.contact, FaultReport.recording, FaultReport.created_at)
                          .where(FaultReport.created_at < max(cuts), wanted)).all()
    doomed, unvoiced = [], []
    for pk, server, call_id, caller, contact, recording, created in rows:
        past = report_cut is not None and created < report_cut
        if (server, call_id) in keep or pk in tasked or _report_numbers(s, caller, contact) & numbers:
            rep.reports_kept += past
            continue
        if recording and (past or (voice_cut is not None and created < voice_cut)):
            if _unlink_inside(recording, root, rep) is None:
                continue
            rep.voice_files += 1
            unvoiced.append(pk)
        if past:
            doomed.append(pk)
    rep.fault_reports += len(doomed)
    if rep.dry_run:
        return
    for part in _chunks(unvoiced):
        with sessions.begin() as db:
            db.execute(update(FaultReport).where(FaultReport.id.in_(part)).values(recording=None))
    for part in _chunks(doomed):
        with sessions.begin() as db:
            db.execute(update(CallbackTask).where(CallbackTask.fault_report_id.in_(part)).values(fault_report_id=None))
            db.execute(delete(FaultReport).where(FaultReport.id.in_(part)))


def _purge_tasks(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime) -> None:
    """Closed callback tasks past ``retention_callback_tasks_days`` (attempts and escalations go with
    them; a complaint's tasks stay while it is younger than R-COMPLAINT's minimum). Their sources
    stay — the proof a record was handled, so nothing is made twice — until the records they name
    are past retention themselves."""
    before = cutoff(s.retention_callback_tasks_days, now)
    if before is not None:
        young = select(Complaint.id).where(Complaint.received_at >= now - timedelta(days=max(s.complaint_keep_days, 0)))
        with sessions() as db:
            doomed = list(db.scalars(select(CallbackTask.id).where(
                CallbackTask.status.not_in(OPEN_STATUSES),
                func.coalesce(CallbackTask.closed_at, CallbackTask.created_at) < before,
                (CallbackTask.complaint_id.is_(None)) | CallbackTask.complaint_id.not_in(young))))
        rep.tasks += len(doomed)
        if not rep.dry_run:
            for part in _chunks(doomed):
                with sessions.begin() as db:
                    db.execute(update(CallbackSource).where(CallbackSource.task_id.in_(part)).values(task_id=None))
                    db.execute(delete(CallbackAttempt).where(CallbackAttempt.task_id.in_(part)))
                    db.execute(delete(Escalation).where(Escalation.task_id.in_(part)))
                    db.execute(delete(CallbackTask).where(CallbackTask.id.in_(part)))
    days = (s.retention_calls_days, s.retention_fault_reports_days)
    sources_before = None if min(days) <= 0 else cutoff(max(days), now)
    if sources_before is None:
        return
    with sessions() as db:
        old = list(db.scalars(select(CallbackSource.id).where(CallbackSource.task_id.is_(None),
                                                              CallbackSource.at < sources_before)))
    rep.sources += len(old)
    if not rep.dry_run:
        for part in _chunks(old):
            with sessions.begin() as db:
                db.execute(delete(CallbackSource).where(CallbackSource.id.in_(part)))


def _purge_customers(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime) -> None:
    """Customers are the operator's subscriber list (the IVR's VIP look-up): kept unless
    ``retention_customers_days`` is set; never a VIP nor one an open complaint is about."""
    before = cutoff(s.retention_customers_days, now)
    if before is None:
        return
    with sessions() as db:
        numbers = set(db.scalars(select(Complaint.number).where(Complaint.closed_at.is_(None))))
        rows = db.execute(select(Customer.id, Customer.phone).where(Customer.created_at < before,
                                                                    Customer.vip.is_not(True))).all()
    doomed = [pk for pk, phone in rows if not _report_numbers(s, phone, None) & numbers]
    rep.customers += len(doomed)
    if not rep.dry_run:
        for part in _chunks(doomed):
            with sessions.begin() as db:
                db.execute(delete(Customer).where(Customer.id.in_(part)))


def _purge_sms(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime) -> None:
    """SMS of the outbox past ``retention_sms_days`` (the number and the text: personal data), once
    done with — sent, delivered or given up; never one still waiting, nor a complaint's receipt
    while the complaint is younger than R-COMPLAINT's minimum."""
    before = cutoff(s.retention_sms_days, now)
    if before is None:
        return
    young = select(Complaint.id).where(Complaint.received_at >= now - timedelta(days=max(s.complaint_keep_days, 0)))
    with sessions() as db:
        doomed = list(db.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status.not_in(PENDING_STATUSES), OutboxMessage.created_at < before,
            OutboxMessage.complaint_id.is_(None) | OutboxMessage.complaint_id.not_in(young))))
    rep.sms += len(doomed)
    if not rep.dry_run:
        for part in _chunks(doomed):
            with sessions.begin() as db:
                db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(part)))


def _purge_files(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, now: datetime) -> None:
    """CEL, queue_log, logs, set-aside journals, orphan recordings (hotline/retention_files.py)."""
    asterisk_before = cutoff(s.retention_asterisk_logs_days, now)
    if asterisk_before is not None:
        rep.cel_lines += files.cut_by_rename(cel_path(s), cel_time, files.epoch(asterisk_before),
                                             rep.dry_run)
        rep.queue_log_lines += files.cut_queue_log(s, files.epoch(asterisk_before), rep.dry_run)
    logs_before = cutoff(s.retention_logs_days, now)
    if logs_before is not None:
        rep.log_lines += files.cut_logs(s, files.epoch(logs_before), rep.dry_run)
        for path in files.set_aside_journals(s, files.epoch(logs_before)):
            rep.journals += dry_run_or_unlink(path, rep.dry_run)
    recordings_before = cutoff(s.retention_recordings_days, now)
    if recordings_before is not None:
        _purge_orphans(s, sessions, rep, files.epoch(recordings_before))


def _purge_orphans(s: Settings, sessions: sessionmaker[Session], rep: PurgeReport, before: float) -> None:
    """Old recordings no call and no fault report names (a call never recorded, a record lost)."""
    root = recordings_dir(s)
    candidates = files.old_audio(root, before)
    named: set[str] = set()
    names = sorted({str(p) for p in candidates} | {str(p.resolve()) for p in candidates})
    # a part of a call's recording the record does not name is the call's as the named one is
    # (hotline/recording_parts.py): kept while the call keeps its recording
    recorded: set[str] = set()
    call_ids = sorted({lid for p in candidates if (lid := call_of(p.name)) is not None})
    with sessions() as db:
        for i in range(0, len(names), 500):
            part = names[i:i + 500]
            named.update(db.scalars(select(Call.recording).where(Call.recording.in_(part))))
            named.update(r for r in db.scalars(select(FaultReport.recording).where(FaultReport.recording.in_(part)))
                         if r is not None)
        for i in range(0, len(call_ids), 500):
            recorded.update(db.scalars(select(Call.call_id).where(Call.call_id.in_(call_ids[i:i + 500]),
                                                                  Call.recording.isnot(None))))
    for path in candidates:
        if str(path) in named or str(path.resolve()) in named or call_of(path.name) in recorded:
            continue
        size = _unlink_inside(str(path), root.resolve(), rep)
        if size is not None:
            rep.orphans += 1
            rep.recording_bytes += size
