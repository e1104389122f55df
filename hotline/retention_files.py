"""Retention of what the hotline keeps in files rather than rows (#19): Asterisk's CEL
(``cel-custom/Master.csv``) and ``queue_log``, the services' logs, the listener's set-aside
journals, and recordings no record names any more. hotline/retention.py calls it.

Files that someone keeps writing are cut, not rotated away, so every reader keeps finding recent
lines where it always did (the listener's backfill reads Master.csv and queue_log by name):

- CEL: cel_custom opens, appends and closes the file for every event (cel/cel_custom.c), so the
  lines to keep are written to a new file that is renamed over Master.csv; lines Asterisk appended
  to the old file meanwhile are copied over after the rename.
- queue_log: Asterisk keeps it open (logger.c, ``qlog``, opened "a" and flushed per line);
  ``logger reload`` closes and reopens it by name (``logger_queue_restart``). So it is replaced the
  same way and then ``logger reload`` is sent through AMI ``Command`` (the admin path `hotline pbx
  cli` uses). Without that right (or with no Asterisk) it is cut in place like the logs below.
- The services' logs, and Asterisk's ``messages``, are held open with O_APPEND by their processes:
  they are cut in place (truncate-by-copy); a line written during the copy may be lost, never a
  line kept.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from hotline.asterisk_logs import LineTime, queue_log_path, queue_log_time
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.pbx.config import Layout
from hotline.settings import Settings

log = logging.getLogger(__name__)

_LOG_TIME = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_ASTERISK_LOG_TIME = re.compile(rb"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
SET_ASIDE = ("*.rejected*", "*.quarantine*", "*.bad*")  # the listener's journals put aside, not the live one
AUDIO = (".wav", ".WAV", ".gsm", ".ulaw", ".alaw", ".sln", ".mp3")



def _local_time(pattern: re.Pattern[bytes], line: bytes) -> float | None:
    """The local ``YYYY-MM-DD HH:MM:SS`` that ``pattern`` finds at the line's start, or None."""
    m = pattern.match(line)
    if not m:
        return None
    try:
        return time.mktime(time.strptime(m.group(1).decode(), "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return None


def log_time(line: bytes) -> float | None:
    """Python logging's asctime and `hotline run`'s notes: local time."""
    return _local_time(_LOG_TIME, line)


def keep_lines(data: bytes, line_time: LineTime, before: float) -> tuple[bytes, int]:
    """The lines at or after ``before`` (and those whose time cannot be read after a kept one,
    or at the start); returns (kept bytes, lines dropped)."""
    kept: list[bytes] = []
    dropped = 0
    keeping = True
    for line in data.splitlines(keepends=True):
        t = line_time(line)
        if t is not None:
            keeping = t >= before
        if keeping:
            kept.append(line)
        else:
            dropped += 1
    return b"".join(kept), dropped


def cut_by_rename(path: Path, line_time: LineTime, before: float, dry_run: bool,
                  after_rename: Callable[[], None] | None = None) -> int:
    """Drops the lines older than ``before`` from a file its writer opens by name: the kept lines go
    to a new file renamed over it; whatever reached the old file meanwhile is appended after."""
    try:
        old = open(path, "rb")
    except FileNotFoundError:
        return 0
    with old:
        data = old.read()
        kept, dropped = keep_lines(data, line_time, before)
        if dropped == 0 or dry_run:
            return dropped
        tmp = path.with_name(path.name + ".purge")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(kept)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        if after_rename is not None:
            after_rename()
        time.sleep(0.2)  # a writer that opened the old name just before the rename has written by now
        late = old.read()
    if late:
        with open(path, "ab") as fh:
            fh.write(late)
    return dropped


def cut_in_place(path: Path, line_time: LineTime, before: float, dry_run: bool) -> int:
    """For files their writers hold open with O_APPEND (our services' logs)."""
    try:
        fh = open(path, "r+b")
    except FileNotFoundError:
        return 0
    with fh:
        kept, dropped = keep_lines(fh.read(), line_time, before)
        if dropped and not dry_run:
            fh.seek(0)
            fh.write(kept)
            fh.truncate()
    return dropped


def cut_queue_log(s: Settings, before: float, dry_run: bool) -> int:
    """Replaced and reopened through ``logger reload`` when AMI Command is allowed; otherwise cut in
    place (Asterisk appends with O_APPEND and flushes each line, so it goes on at the new end)."""
    path = queue_log_path(s)
    due = cut_by_rename(path, queue_log_time, before, True)
    if dry_run or not due:
        return due
    ami = _command_session(s)
    if ami is None:
        log.info("purge: %s cut in place (no AMI Command to make Asterisk reopen it)", path)
        return cut_in_place(path, queue_log_time, before, False)
    try:
        def reopen() -> None:
            out = ami.command("logger reload")
            if "fail" in out.lower():
                log.warning("purge: `logger reload` said %r", out)
        return cut_by_rename(path, queue_log_time, before, False, after_rename=reopen)
    finally:
        ami.close()


def _command_session(s: Settings) -> Ami | None:
    """A logged-in AMI session allowed to run CLI commands, or None (no Asterisk, no such right).
    Only the admin user holds ``command`` (hotline.pbx.ami.AmiRole); an operator who gives the
    scheduler no admin secret gets the cut-in-place path instead."""
    try:
        ami = Ami.from_settings(s, timeout=5, role=AmiRole.ADMIN)
        ami.login()
    except AmiError as exc:
        log.info("purge: no AMI session for `logger reload`: %s", exc)
        return None
    try:
        ami.command("core show uptime")
    except AmiError as exc:
        log.info("purge: AMI user %s may not run CLI commands: %s", s.ami_admin_user, exc)
        ami.close()
        return None
    return ami


def asterisk_log_time(line: bytes) -> float | None:
    """Asterisk's own log (logger.conf: ``dateformat = %F %T.%3q``): ``[2026-12-05 11:43:10.640] …``."""
    return _local_time(_ASTERISK_LOG_TIME, line)


def cut_logs(s: Settings, before: float, dry_run: bool) -> int:
    """Our services' logs, and Asterisk's ``messages`` (a callback's number is its dialplan
    extension, which Asterisk logs): both written with O_APPEND, so cut in place."""
    ours = sum(cut_in_place(p, log_time, before, dry_run) for p in sorted(s.log_dir.glob("*.log")))
    return ours + cut_in_place(Layout(s.asterisk_dir).log / "messages", asterisk_log_time, before, dry_run)


def old_files(paths: Iterable[Path], before: float) -> list[Path]:
    out = []
    for p in paths:
        try:
            if p.is_file() and not p.is_symlink() and p.stat().st_mtime < before:
                out.append(p)
        except OSError:
            continue
    return out


def set_aside_journals(s: Settings, before: float) -> list[Path]:
    spool = s.runtime_dir / "spool"
    return old_files((p for pattern in SET_ASIDE for p in spool.glob(pattern)), before) if spool.is_dir() else []


def old_audio(root: Path, before: float) -> list[Path]:
    """Audio files under ``root`` older than ``before`` (retention.py keeps those a record names)."""
    if not root.is_dir():
        return []
    return old_files((p for p in root.rglob("*") if p.suffix in AUDIO), before)


def epoch(dt: datetime) -> float:
    return dt.timestamp()
