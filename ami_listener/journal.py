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

from ami_listener.builder import Attempt, CallRecord
from ami_listener.reader import Message, parse

log = logging.getLogger(__name__)


class JournalFull(RuntimeError):
    pass


def _record_from(d: dict) -> CallRecord:
    attempts = [Attempt(**a) for a in d.pop("attempts", [])]
    return CallRecord(**d, attempts=attempts)


class Journal:
    def __init__(self, path: Path, max_bytes: int):
        self.path = path
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)

    def pending(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def append(self, events: Sequence[tuple[Message, str | None, float]], calls: Sequence[CallRecord],
               presence: Sequence[Message]) -> None:
        line = json.dumps({
            "events": [[m.raw, lid, received] for m, lid, received in events],
            "calls": [dataclasses.asdict(c) for c in calls],
            "presence": [m.raw for m in presence],
        }, ensure_ascii=False) + "\n"
        if self.size() + len(line) > self.max_bytes:
            raise JournalFull(f"listener journal {self.path} would exceed {self.max_bytes} bytes")
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def reject(self, events: Sequence[tuple[Message, str | None, float]], calls: Sequence[CallRecord],
               presence: Sequence[Message], why: Exception) -> None:
        """A batch the database refuses for what it holds (not for being down): kept on disk
        beside the journal for an operator, so that it never blocks the batches after it."""
        line = json.dumps({"error": str(why)[:500], "events": [[m.raw, lid, r] for m, lid, r in events],
                           "calls": [dataclasses.asdict(c) for c in calls], "presence": [m.raw for m in presence]},
                          ensure_ascii=False) + "\n"
        with open(self.path.with_suffix(".rejected"), "a", encoding="utf-8") as fh:
            fh.write(line)
        log.error("database refused a batch of %d events (%s); kept in %s", len(events), why,
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
                events = [(parse(raw.encode("utf-8", "surrogatepass")), lid, received)
                          for raw, lid, received in item["events"]]
                calls = [_record_from(c) for c in item["calls"]]
                presence = [parse(raw.encode("utf-8", "surrogatepass")) for raw in item["presence"]]
                try:
                    store.write(events, calls, None, presence)
                except (DataError, IntegrityError) as exc:
                    self.reject(events, calls, presence, exc)
                done += 1
        finally:
            rest = lines[done:]
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(x + "\n" for x in rest), encoding="utf-8")
            os.replace(tmp, self.path)
        if done:
            log.info("database is back: %d journalled batches written", done)
        return done
