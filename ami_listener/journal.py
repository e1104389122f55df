"""The listener's on-disk buffer for when the database is unavailable (SQLite locked,
PostgreSQL stopped): batches that could not be written are appended here and written, in order,
as soon as the database answers again. Nothing accepted from AMI is dropped; the file is bounded,
and when it is full the listener stops reading AMI — the gap is then backfilled from Asterisk's
own logs, as after any AMI gap.

Each batch is one self-delimiting line, ``J1 <crc32> <length> <json>``: a line torn by a full
disk, a SIGKILL or a power cut fails its length or checksum and is moved to ``.quarantine``
(logged) instead of blocking every batch after it. Lines written before this format (bare JSON)
are still read. Batches the database refuses for their content go to ``.rejected`` in the same
format; ``hotline listener reimport`` writes them again once the cause is fixed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ami_listener.reader import Message, parse
from ami_listener.record import CallRecord
from ami_listener.store import RawBatch, Rejected, Store

log = logging.getLogger(__name__)


class JournalFull(RuntimeError):
    pass


MAGIC = "J1"
# the journal stops taking batches while the disk holds less than this (plus the batch): the
# database, the logs and Asterisk's own CEL share the disk and must not be starved by it
FREE_RESERVE = 64 * 1024 * 1024


def encode_line(item: dict[str, Any]) -> bytes:
    body = json.dumps(item).encode("utf-8")
    return f"{MAGIC} {zlib.crc32(body):08x} {len(body)} ".encode() + body + b"\n"


def decode_line(line: bytes) -> dict[str, Any]:
    """One journal line back; ValueError (TypeError) when it is torn or damaged."""
    if line.startswith(MAGIC.encode() + b" "):
        parts = line.split(b" ", 3)
        if len(parts) != 4:
            raise ValueError("journal line too short")
        _, crc, size, body = parts
        if len(body) != int(size) or zlib.crc32(body) != int(crc, 16):
            raise ValueError("journal line fails its length or checksum")
    else:
        body = line  # a line written before the checksummed format: bare JSON
    item = json.loads(body.decode("utf-8"))
    if not isinstance(item, dict):
        raise TypeError("journal line is not an object")
    return item


def _text(raw: bytes) -> str:
    # the exact bytes survive JSON: undecodable ones become lone surrogates, written \udcXX
    return raw.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _raw_of(item: dict[str, Any]) -> RawBatch:
    if "events" in item:  # journalled before migration 0008: [raw text, linkedid, received] per event
        events = item["events"]
        return RawBatch([_bytes(e[0]) for e in events], [e[1] for e in events],
                        events[0][2] if events else 0.0, events[-1][2] if events else 0.0)
    return RawBatch([_bytes(f) for f in item["frames"]], item["linkedids"], item["first_at"], item["last_at"])


def _unpack(item: dict[str, Any]) -> tuple[RawBatch, list[CallRecord], list[Message]]:
    return (_raw_of(item), [CallRecord.from_dict(c) for c in item["calls"]],
            [parse(_bytes(text)) for text in item["presence"]])


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    def __init__(self, path: Path, max_bytes: int, free_reserve: int = FREE_RESERVE):
        self.path = path
        self.max_bytes = max_bytes
        self.free_reserve = free_reserve
        path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def rejected_path(self) -> Path:
        return self.path.with_suffix(".rejected")

    @property
    def quarantine_path(self) -> Path:
        return self.path.with_suffix(".quarantine")

    def pending(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    @staticmethod
    def _line(raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message], **extra: str) -> bytes:
        return encode_line({
            **extra,
            "frames": [_text(f) for f in raw.frames], "linkedids": raw.linkedids,
            "first_at": raw.first_at, "last_at": raw.last_at,
            "calls": [dataclasses.asdict(c) for c in calls],
            "presence": [_text(m.raw) for m in presence],
        })

    @staticmethod
    def _append_to(path: Path, line: bytes) -> None:
        with open(path, "ab") as fh:
            if fh.tell() > 0:
                with open(path, "rb") as check:
                    check.seek(-1, os.SEEK_END)
                    if check.read(1) != b"\n":
                        fh.write(b"\n")  # a torn last line must not swallow this one too
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def append(self, raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message]) -> None:
        line = self._line(raw, calls, presence)
        if self.size() + len(line) > self.max_bytes:
            raise JournalFull(f"listener journal {self.path} would exceed {self.max_bytes} bytes")
        free = shutil.disk_usage(self.path.parent).free
        if free < len(line) + self.free_reserve:
            raise JournalFull(f"listener journal {self.path}: only {free // (1 << 20)} MB free on its disk")
        self._append_to(self.path, line)

    def reject(self, raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message],
               why: Exception | str) -> None:
        """What the database refuses for what it holds (not for being down): kept on disk beside
        the journal, so that it never blocks the batches after it; ``hotline listener reimport``
        writes it again."""
        self._append_to(self.rejected_path, self._line(raw, calls, presence, error=str(why)[:500]))
        log.error("database refused %d events, %d calls, %d presence events (%s); kept in %s "
                  "(`hotline listener reimport` writes them again)", len(raw), len(calls), len(presence),
                  str(why)[:200], self.rejected_path)

    def _quarantine(self, line: bytes, why: Exception) -> None:
        self._append_to(self.quarantine_path, line.rstrip(b"\n") + b"\n")
        log.error("listener journal %s: a line that does not decode (%s, %d bytes) moved to %s",
                  self.path, why, len(line), self.quarantine_path)

    def _rewrite(self, path: Path, lines: Sequence[bytes]) -> None:
        """Replaces ``path`` by these lines, durably: the data reaches the disk before the rename."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(b"".join(x + b"\n" for x in lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def _write(self, store: Store, item: dict[str, Any]) -> Rejected | None:
        raw, calls, presence = _unpack(item)
        return store.write_salvaging(raw, calls, None, presence)

    def drain(self, store: Store) -> int:
        """Writes every journalled batch, in order; returns how many. A line that does not decode
        is quarantined; what the database refuses row by row goes to ``.rejected``; on any other
        error the batches not yet written stay in the journal."""
        if not self.pending():
            return 0
        lines = self.path.read_bytes().split(b"\n")
        lines = [x for x in lines if x.strip()]
        done = written = 0
        try:
            for line in lines:
                try:
                    item = decode_line(line)
                    _unpack(item)
                except (ValueError, KeyError, TypeError, IndexError) as exc:
                    self._quarantine(line, exc)
                else:
                    bad = self._write(store, item)
                    if bad is not None:
                        self.reject(bad.raw, bad.calls, bad.presence, bad.why)
                    written += 1
                done += 1
        finally:
            self._rewrite(self.path, lines[done:])
        if written:
            log.info("database is back: %d journalled batches written", written)
        return written

    def reimport(self, store: Store) -> tuple[int, int]:
        """Writes the set-aside batches of ``.rejected`` again (after a fix: a column widened,
        a bad value corrected by hand). Returns (written, still refused); what is still refused
        stays in ``.rejected``, only its refused rows."""
        path = self.rejected_path
        if not path.exists():
            return 0, 0
        lines = [x for x in path.read_bytes().split(b"\n") if x.strip()]
        written, keep = 0, []
        for line in lines:
            try:
                item = decode_line(line)
                _unpack(item)
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                self._quarantine(line, exc)
                continue
            bad = self._write(store, item)
            if bad is None:
                written += 1
            else:
                keep.append(self._line(bad.raw, bad.calls, bad.presence, error=str(bad.why)[:500]).rstrip(b"\n"))
        self._rewrite(path, keep)
        return written, len(keep)
