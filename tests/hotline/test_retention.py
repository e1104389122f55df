"""Retention: `hotline scheduler purge` deletes raw events, calls and recordings past their settings, never a
complaint file younger than R-COMPLAINT's 3 years, and never a file outside the recordings dir."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline.db import open_db
from hotline.models import AmiEventBatch, AmiEventCall, Call, RingAttempt
from hotline.models.callbacks import CallbackAttempt, CallbackSource, CallbackTask, Complaint
from hotline.models.ivr import Customer, FaultReport
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.retention import purge
from hotline.settings import ROOT, Settings, load
from hotline.timeutil import utcnow
from tests.support.ports import free_port

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
    out = subprocess.run([sys.executable, "-m", "hotline", "scheduler", "purge", "--dry-run"], env=env,
                         capture_output=True,
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


def test_purge_deletes_every_part_of_a_transferred_calls_recording(tmp_path: Path, db_url: str) -> None:
    """Each agent's leg records its own part (hotline/recording_parts.py); the record names one.
    The purge deletes every part of a call past retention_recordings_days, keeps every part of a
    call a complaint protects (R-COMPLAINT) — the parts the record does not name are not orphans —
    and deletes a part of no call. Until 7 December only the named part went, and a protected
    call's other parts went as orphans."""
    s = _settings(tmp_path, db_url)
    mon = tmp_path / "monitor"
    old, kept = "1700000000.1", "1700000100.7"
    old_parts = [_aged(mon / f"{old}-1700000000.5-8001.wav", 150), _aged(mon / f"{old}-1700000040.12-8002.wav", 150)]
    kept_parts = [_aged(mon / f"{kept}-1700000100.9-8001.wav", 730),
                  _aged(mon / f"{kept}-1700000160.11-8002.wav", 730)]
    stray = _aged(mon / "1700000200.1-1700000200.4-8003.wav", 150)  # no call names its Linkedid
    _, sessions = open_db(s)
    now = utcnow()
    with sessions.begin() as db:
        _call(db, old, 150, old_parts[-1])  # the listener names the last part started
        _call(db, kept, 730, kept_parts[-1])
        db.add(Complaint(number="+8613800000001", call_server="pbx1", call_id=kept, received_at=now - 730 * DAY,
                         contact_due=now - 729 * DAY, resolve_due=now - 728 * DAY))
    rep = purge(s, sessions)
    assert sorted(mon.iterdir()) == sorted(kept_parts)
    assert not stray.exists() and rep.orphans == 1
    assert rep.recordings == 2 and rep.kept_for_complaints == 1
    with sessions() as db:
        assert db.scalar(select(Call.recording).where(Call.call_id == old)) is None


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


def _aged(path: Path, days: float, data: bytes = b"RIFF" + b"\0" * 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    t = (utcnow() - days * DAY).timestamp()
    os.utime(path, (t, t))
    return path


def _cel(days: float, event: str) -> str:
    return f'"{event}","{(utcnow() - days * DAY).timestamp():.6f}","","13800000001","","","","s","from-pstn"\n'


def _queue_line(days: float, event: str) -> str:
    return f"{int((utcnow() - days * DAY).timestamp())}|c1|hotline|NONE|{event}|1|1|5\n"


def _log_line(days: float, text: str) -> str:
    return (datetime.now() - days * DAY).strftime("%Y-%m-%d %H:%M:%S,000 INFO x: ") + text + "\n"


def test_purge_covers_reports_voices_tasks_customers_and_files(tmp_path: Path, db_url: str) -> None:
    """#19: fault reports, IVR voice descriptions, callback tasks, customers (when set), CEL,
    queue_log, logs, set-aside journals and orphan recordings are purged too; a report of an open
    complaint's customer, or named by an open task, is kept (R-COMPLAINT)."""
    mon = tmp_path / "monitor"
    s = _settings(tmp_path, db_url).replace(
        retention_fault_reports_days=400, retention_voice_days=100, retention_callback_tasks_days=400,
        retention_customers_days=400, retention_asterisk_logs_days=30, retention_logs_days=10,
        cel_csv_path=str(tmp_path / "cel" / "Master.csv"), queue_log_path=str(tmp_path / "queue_log"),
        ami_port=free_port())  # no Asterisk there: queue_log is simply cut
    _, sessions = open_db(s)
    now = utcnow()

    def report(name: str, days: float, caller: str = "13900000001") -> FaultReport:
        at = now - days * DAY
        r = FaultReport(server="pbx1", call_id=name, caller=caller, status="open", created_at=at, updated_at=at,
                        recording=str(_wav(mon / "ivr" / f"{name}-fault.wav")))
        db.add(r)
        db.flush()
        return r

    with sessions.begin() as db:
        old, voice, fresh = report("r-old", 500), report("r-voice", 150), report("r-fresh", 5)
        complained = report("r-complained", 500, caller="13800000009")
        tasked = report("r-tasked", 500)
        db.add(Complaint(number="+8613800000009", received_at=now - 600 * DAY, contact_due=now - 599 * DAY,
                         resolve_due=now - 598 * DAY))  # 600 days old, still open
        young = Complaint(number="+8613800000010", received_at=now - 500 * DAY, contact_due=now - 499 * DAY,
                          resolve_due=now - 498 * DAY, closed_at=now - 490 * DAY)
        db.add(young)
        db.flush()

        def task(status: str, days: float, **kw: object) -> CallbackTask:
            at = now - days * DAY
            t = CallbackTask(reason="missed", number="+8613900000001", status=status, created_at=at, due_at=at,
                             closed_at=None if status == "open" else at, **kw)
            db.add(t)
            db.flush()
            return t

        done = task("done", 500)
        db.add(CallbackAttempt(task_id=done.id, at=now - 500 * DAY, agent="8001", call_server="pbx1", call_id="cb-1",
                               outcome="reached"))
        db.add(CallbackSource(task_id=done.id, kind="call", ref="pbx1/old-missed", at=now - 500 * DAY))
        db.add(CallbackSource(task_id=done.id, kind="call", ref="pbx1/later-missed", at=now - 300 * DAY))
        still_open = task("open", 500, fault_report_id=tasked.id)
        of_complaint = task("done", 500, complaint_id=young.id)
        db.add_all([Customer(phone="+8613900000002", created_at=now - 500 * DAY, vip=False),
                    Customer(phone="+8613900000003", created_at=now - 500 * DAY, vip=True),
                    Customer(phone="+8613900000004", created_at=now - 5 * DAY, vip=False)])
        _call(db, "named", 5, _aged(mon / "named-1.wav", 150))
        ids = {k: v.id for k, v in dict(old=old, voice=voice, fresh=fresh, complained=complained, tasked=tasked,
                                         done=done, still_open=still_open, of_complaint=of_complaint).items()}
    orphan, new_orphan = _aged(mon / "orphan-1.wav", 150), _aged(mon / "new-1.wav", 1)
    cel = tmp_path / "cel" / "Master.csv"
    cel.parent.mkdir()
    cel.write_text(_cel(40, "CHAN_START") + _cel(31, "HANGUP") + _cel(2, "CHAN_START") + _cel(1, "HANGUP"))
    (tmp_path / "queue_log").write_text(_queue_line(40, "ENTERQUEUE") + _queue_line(1, "CONNECT"))
    logf = s.log_dir / "listener.log"
    logf.parent.mkdir(parents=True)
    logf.write_text(_log_line(20, "old") + "Traceback: an old one\n" + _log_line(2, "new") + "  its detail\n")
    rejected = _aged(s.runtime_dir / "spool" / "listener-pbx1.rejected", 20, b"{}\n")
    live_journal = _aged(s.runtime_dir / "spool" / "listener-pbx1.journal", 20, b"{}\n")

    rep = purge(s, sessions)

    with sessions() as db:
        reports = {r.call_id: r.recording for r in db.scalars(select(FaultReport))}
        tasks = {t.id for t in db.scalars(select(CallbackTask))}
        sources = db.scalars(select(CallbackSource)).all()
        customers = {c.phone for c in db.scalars(select(Customer))}
        attempts = db.scalar(select(func.count()).select_from(CallbackAttempt))
    assert set(reports) == {"r-voice", "r-fresh", "r-complained", "r-tasked"}
    assert reports["r-voice"] is None and reports["r-fresh"] and reports["r-complained"]
    assert sorted(p.name for p in (mon / "ivr").iterdir()) == ["r-complained-fault.wav", "r-fresh-fault.wav",
                                                              "r-tasked-fault.wav"]
    assert tasks == {ids["still_open"], ids["of_complaint"]} and attempts == 0
    # the proof a record was handled outlives the task while that record may still be read
    assert [(x.ref, x.task_id) for x in sources] == [("pbx1/later-missed", None)] and rep.sources == 1
    assert customers == {"+8613900000003", "+8613900000004"}
    assert not orphan.exists() and new_orphan.exists() and (mon / "named-1.wav").exists()
    assert [ln.split(",")[0] for ln in cel.read_text().splitlines()] == ['"CHAN_START"', '"HANGUP"']
    queue_log = (tmp_path / "queue_log").read_text()
    assert "ENTERQUEUE" not in queue_log and "CONNECT" in queue_log
    kept_log = logf.read_text()  # a line without a time (a traceback) goes with the line before it
    assert "INFO x: new\n  its detail\n" in kept_log and "old" not in kept_log and kept_log.count("\n") == 2
    assert not rejected.exists() and live_journal.exists()
    assert (rep.fault_reports, rep.voice_files, rep.tasks, rep.customers, rep.orphans) == (1, 2, 1, 1, 1)
    assert (rep.cel_lines, rep.queue_log_lines, rep.log_lines, rep.journals, rep.reports_kept) == (2, 1, 2, 1, 2)
    again = purge(s, sessions)
    assert (again.fault_reports, again.tasks, again.cel_lines, again.log_lines, again.orphans) == (0, 0, 0, 0, 0)


def _prepend(path: Path, text: str) -> None:
    """Old lines in front of what Asterisk wrote (it appends: O_APPEND, so its next line goes last)."""
    with open(path, "r+", encoding="utf-8") as fh:
        rest = fh.read()
        fh.seek(0)
        fh.write(text + rest)


def _wait_line(path: Path, needle: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never reached {path}:\n{path.read_text(errors='replace')[-2000:]}")


@pytest.mark.asterisk
def test_cel_and_queue_log_cut_while_asterisk_writes_them(pbx: Asterisk, db_url: str) -> None:
    """#19: CEL and queue_log lines past retention_asterisk_logs_days go, and Asterisk goes on
    writing to the files by their names: CEL is opened per event, queue_log is reopened through
    `logger reload` (AMI Command), or cut in place when that is not allowed."""
    s = pbx.settings.replace(database_url=db_url, retention_asterisk_logs_days=30, retention_logs_days=0,
                             retention_recordings_days=0)
    layout = pbx.layout
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:  # both files exist and have recent lines
        ami.action("QueueAdd", Queue=s.queue_name, Interface="Local/7771@agents/n", MemberName="7771")
        ami.originate(f"Local/{s.hotline_number}@from-pstn", application="Hangup", timeout_s=5)
    _wait_line(layout.queue_log, "ADDMEMBER")
    _wait_line(layout.cel_csv, "CHAN_START")
    _prepend(layout.queue_log, _queue_line(40, "ENTERQUEUE-OLD"))
    _prepend(layout.cel_csv, _cel(40, "OLD_EVENT"))
    inode = layout.queue_log.stat().st_ino

    rep = purge(s, open_db(s)[1])

    assert rep.queue_log_lines == 1 and rep.cel_lines == 1, rep.lines()
    assert "ENTERQUEUE-OLD" not in layout.queue_log.read_text() and "ADDMEMBER" in layout.queue_log.read_text()
    assert "OLD_EVENT" not in layout.cel_csv.read_text()
    assert layout.queue_log.stat().st_ino != inode
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:  # what Asterisk writes next lands in the files by those names
        ami.action("QueueRemove", Queue=s.queue_name, Interface="Local/7771@agents/n")
        ami.originate(f"Local/{s.hotline_number}@from-pstn", application="Hangup", timeout_s=5,
                      channel_id="retention-cel-after")
    _wait_line(layout.queue_log, "REMOVEMEMBER")
    _wait_line(layout.cel_csv, "retention-cel-after")
    assert stat.S_IMODE(layout.queue_log.stat().st_mode) & 0o077 == 0

    # an AMI user without the right to run `logger reload`: queue_log is cut in place instead
    _prepend(layout.queue_log, _queue_line(40, "ENTERQUEUE-OLD-2"))
    inode = layout.queue_log.stat().st_ino
    rep = purge(s.replace(ami_admin_secret="not-the-secret"), open_db(s)[1])
    assert rep.queue_log_lines == 1 and layout.queue_log.stat().st_ino == inode
    assert "ENTERQUEUE-OLD-2" not in layout.queue_log.read_text() and "REMOVEMEMBER" in layout.queue_log.read_text()
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:
        ami.action("QueueAdd", Queue=s.queue_name, Interface="Local/7772@agents/n", MemberName="7772")
    _wait_line(layout.queue_log, "7772|ADDMEMBER")
    with Ami.from_settings(s, role=AmiRole.ADMIN) as ami:  # the session's queue as other tests expect it
        ami.action("QueueRemove", Queue=s.queue_name, Interface="Local/7772@agents/n")


def test_purge_covers_the_sms_outbox(tmp_path: Path, db_url: str) -> None:
    """SMS hold a number and a text: sent, delivered or given-up ones go after retention_sms_days;
    one still waiting (queued, held, sending) or a young complaint's receipt stays; 0 keeps all."""
    from hotline.models.notifications import OutboxMessage

    s = _settings(tmp_path, db_url).replace(retention_sms_days=30)
    _, sessions = open_db(s)
    now = utcnow()
    with sessions() as db:
        young = Complaint(number="+8613800000009", received_at=now - 40 * DAY, contact_due=now - 39 * DAY,
                          resolve_due=now - 38 * DAY)
        db.add(young)
        db.flush()

        def sms(key: str, status: str, age_days: float, complaint_id: int | None = None) -> None:
            db.add(OutboxMessage(to_number="+8613800000001", template="t", text=f"短信 {key}", status=status,
                                 dedupe_key=key, created_at=now - age_days * DAY, complaint_id=complaint_id))

        for status in ("sent", "delivered", "undelivered", "failed", "cancelled"):
            sms(f"old-{status}", status, 40)
        for status in ("queued", "held", "sending"):
            sms(f"waiting-{status}", status, 40)
        sms("fresh", "delivered", 5)
        sms("receipt", "delivered", 40, complaint_id=young.id)
        db.commit()
    assert purge(s.replace(retention_sms_days=0), sessions).sms == 0
    rep = purge(s, sessions)
    with sessions() as db:
        left = set(db.scalars(select(OutboxMessage.dedupe_key)))
    assert left == {"waiting-queued", "waiting-held", "waiting-sending", "fresh", "receipt"}
    assert rep.sms == 5 and "deleted 5 SMS of the outbox" in rep.lines()
    assert purge(s, sessions).sms == 0


def test_purge_cuts_asterisks_own_log(tmp_path: Path, db_url: str) -> None:
    """Asterisk's ``messages`` holds numbers too (a callback's number is its dialplan extension):
    lines older than retention_logs_days go, as from our services' logs."""
    from hotline.pbx.config import Layout

    s = _settings(tmp_path, db_url).replace(retention_logs_days=10)
    _, sessions = open_db(s)
    messages = Layout(s.asterisk_dir).log / "messages"
    messages.parent.mkdir(parents=True)

    def line(age_days: float, text: str) -> str:
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - age_days * 86400))
        return f"[{at}.123] VERBOSE[42][C-00000001] pbx.c: {text}\n"

    messages.write_text(line(20, "Spawn extension (hotline-callback, 13800138000, 3) exited non-zero")
                        + line(1, "Spawn extension (hotline-callback, 13900139000, 3) exited non-zero"))
    rep = purge(s, sessions)
    kept = messages.read_text()
    assert "13800138000" not in kept and "13900139000" in kept and rep.log_lines == 1
