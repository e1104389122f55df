"""A call record as the JSON object ``hotline replay --json`` prints (one per line)."""

from __future__ import annotations

from typing import Any

from ami_listener.record import CallRecord
from hotline.timeutil import from_epoch, iso_local


def record_json(rec: CallRecord, tz: str) -> dict[str, Any]:
    def t(ts: float | None) -> str | None:
        return None if ts is None else iso_local(from_epoch(ts), tz)

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return {
        "call_id": rec.call_id, "server": rec.server, "direction": rec.direction,
        "caller_number": rec.caller_number, "caller_name": rec.caller_name, "dialed": rec.dialed,
        "started_at": t(rec.started_at), "queued_at": t(rec.queued_at), "answered_at": t(rec.answered_at),
        "ended_at": t(rec.ended_at), "queue": rec.queue, "agent": rec.agent,
        "wait_seconds": r(rec.wait_seconds), "ring_seconds": r(rec.ring_seconds), "rings": rec.rings,
        "within_4_rings": rec.within_4_rings,
        "attempts": [{**a.as_json(), "rang_at": t(a.rang_at or None)} for a in rec.attempts],  # 0: unknown
        "disposition": rec.disposition, "hangup_first": rec.hangup_first, "talk_seconds": r(rec.talk_seconds),
        "holds": rec.holds, "hold_seconds": r(rec.hold_seconds),
        "transfers": [{**x.as_json(), "at": t(x.at)} for x in rec.transfers],
        "final_agent": rec.final_agent, "transferred_out": rec.transferred_out, "recording": rec.recording,
        "ivr": None if rec.ivr is None else {**rec.ivr, "path": [{**p, "at": t(p.get("at"))} for p in rec.ivr["path"]]},
        "survey": rec.survey, "incomplete": rec.incomplete, "vars": rec.vars,
    }
