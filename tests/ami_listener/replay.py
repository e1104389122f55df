"""Helpers: replay captures (or bytes) through the listener's pipeline without a database."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ami_listener.jsonout import record_json
from ami_listener.pipeline import Pipeline
from ami_listener.reader import Message, file_chunks, read_frames, read_messages
from ami_listener.record import CallRecord
from hotline.settings import Settings, load

CAPTURES = Path(__file__).resolve().parent.parent / "captures"


def replay_settings(**kw: object) -> Settings:
    # the captures were recorded with a 1 s ring cycle in mind: 4 rings = 4 s (R-ANS-4RINGS)
    return load(config_file=None, env={}, **{"server_id": "replay", "ring_cycle_s": 1.0, **kw})


def capture(name: str) -> list[Message]:
    return list(read_messages(file_chunks(str(CAPTURES / f"{name}.ami"))))


def replay_messages(msgs: Iterable[Message], settings: Settings | None = None) -> dict[str, CallRecord]:
    records: dict[str, CallRecord] = {}
    pipe = Pipeline(settings or replay_settings(), None, on_call=lambda r: records.__setitem__(r.call_id, r))
    for m in msgs:
        pipe.feed(m)
    pipe.close()
    return records


def replay_frames(data: bytes, chunk: int = 4096, settings: Settings | None = None) -> dict[str, CallRecord]:
    """The listener's own way in (Pipeline.feed_frames: thin events never become Messages)."""
    records: dict[str, CallRecord] = {}
    pipe = Pipeline(settings or replay_settings(), None, on_call=lambda r: records.__setitem__(r.call_id, r))
    for frames in read_frames(data[i:i + chunk] for i in range(0, len(data), chunk)):
        pipe.feed_frames(frames)
    pipe.close()
    return records


def replay_bytes(data: bytes, chunk: int = 4096) -> dict[str, CallRecord]:
    return replay_messages(read_messages(data[i:i + chunk] for i in range(0, len(data), chunk)))


def as_json(rec: CallRecord) -> dict:
    return record_json(rec, "Asia/Shanghai")
