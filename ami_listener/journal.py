"""The listener's on-disk buffer for when the database is unavailable (SQLite locked,
PostgreSQL stopped): batches that could not be written are appended here and written, in order,
as soon as the database answers again. Nothing accepted from AMI is dropped; the file is bounded,
and when it is full the listener stops reading AMI — the gap is then backfilled from Asterisk's
own logs, as after any AMI gap.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Sequence

from sqlalchemy.exc import DataError, IntegrityError

from ami_listener.record import CallRecord
from ami_listener.reader import Message, parse
from ami_listener.store import RawBatch

log = logging.getLogger(__name__)


class JournalFull(RuntimeError):
    pass


def _text(raw: bytes) -> str:
    # the exact bytes survive JSON: undecodable ones become lone surrogates, written \udcXX
    return raw.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _raw_of(item: dict) -> RawBatch:
    if "events" in item:  # journalled before migration 0008: [raw text, linkedid, received] per event
        events = item["events"]
        return RawBatch([_bytes(e[0]) for e in events], [e[1] for e in events],
                        events[0][2] if events else 0.0, events[-1][2] if events else 0.0)
    return RawBatch([_bytes(f) for f in item["frames"]], item["linkedids"], item["first_at"], item["last_at"])


class Journal:
    def __init__(self, path: Path, max_bytes: int):
        self.path = path
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)

    def pending(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    @staticmethod
    def _line(raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message], **extra: str) -> str:
        return json.dumps({
            **extra,
            "frames": [_text(f) for f in raw.frames], "linkedids": raw.linkedids,
            "first_at": raw.first_at, "last_at": raw.last_at,
            "calls": [dataclasses.asdict(c) for c in calls],
            "presence": [_text(m.raw) for m in presence],
        }) + "\n"

    def append(self, raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message]) -> None:
        line = self._line(raw, calls, presence)
        if self.size() + len(line) > self.max_bytes:
            raise JournalFull(f"listener journal {self.path} would exceed {self.max_bytes} bytes")
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def reject(self, raw: RawBatch, calls: Sequence[CallRecord], presence: Sequence[Message],
               why: Exception) -> None:
        """A batch the database refuses for what it holds (not for being down): kept on disk
        beside the journal for an operator, so that it never blocks the batches after it."""
        with open(self.path.with_suffix(".rejected"), "a", encoding="utf-8") as fh:
            fh.write(self._line(raw, calls, presence, error=str(why)[:500]))
        log.error("database refused a batch of %d events (%s); kept in %s", len(raw), why,
                  self.path.with_suffix(".rejected"))

    def drain(self, store) -> int:  # type: ignore[no-untyped-def]
        """Writes every journalled batch (all or nothing per batch, in order); returns how many."""
        if not self.pending():
            return 0
        lines = self.path.read_text(encoding="utf-8").splitlines()
        done = 0
        try:
            for line in lines:
                if not line.strip():
                    done += 1
                    continue
                item = json.loads(line)
                raw = _raw_of(item)
                calls = [CallRecord.from_dict(c) for c in item["calls"]]
                presence = [parse(_bytes(text)) for text in item["presence"]]
                try:
                    store.write(raw, calls, None, presence)
                except (DataError, IntegrityError) as exc:
                    self.reject(raw, calls, presence, exc)
                done += 1
        finally:
            rest = lines[done:]
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(x + "\n" for x in rest), encoding="utf-8")
            os.replace(tmp, self.path)
        if done:
            log.info("database is back: %d journalled batches written", done)
        return done
