"""Call rows written straight into the store, the way the listener would leave them."""

from __future__ import annotations

import itertools
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.models import Call, LiveState, RingAttempt
from hotline.rules import RingRule, ring_rule
from hotline.settings import load
from hotline.timeutil import utcnow

_seq = itertools.count(1)
# R-ANS-4RINGS at the settings' default cadence (China: 5 s cycle), what the panel tests run with
CHINA = ring_rule(load(config_file=None, env={}))
_ZONE = ZoneInfo(load(config_file=None, env={}).timezone)


def recent() -> datetime:
    """A call's default start: five minutes ago, but never before the local day's start (the
    settings' default zone), so that a test's "today" holds it at any hour, 00:02 included."""
    now = utcnow()
    midnight = now.astimezone(_ZONE).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    return max(now - timedelta(minutes=5), midnight)


def make_call(db: Session, *, at: datetime | None = None, agent: str | None = "8001",
              disposition: str = "answered", number: str = "13800138000", wait: float = 5.0,
              ring: float | None = None, talk: float = 60.0, hangup_first: str = "caller",
              within_4_rings: bool | None = None, attempts: list[tuple[str, float, str]] | None = None,
              commit: bool = True, rule: RingRule = CHINA, **kw: Any) -> Call:
    """One inbound call. ``attempts``: (agent, ring seconds, result) in order; by default the
    answering agent rang for ``ring`` (= wait) seconds. ``within_4_rings`` is what the builder
    would set by ``rule`` unless given (None stays None only for unanswered calls)."""
    n = next(_seq)
    at = at or recent()
    answered = disposition == "answered"
    ring = wait if ring is None else ring
    if within_4_rings is None and answered:
        within_4_rings = rule.within(ring)
    c = Call(server=kw.pop("server", "pbx1"), call_id=f"17000000{n:05d}.{n}", direction=kw.pop("direction", "inbound"),
             caller_number=number, caller_name=kw.pop("caller_name", None), dialed="10000",
             started_at=at, queued_at=None if disposition == "ivr" else at + timedelta(seconds=10),
             answered_at=at + timedelta(seconds=10 + wait) if answered else None,
             ended_at=at + timedelta(seconds=10 + wait + (talk if answered else 0)),
             queue=None if disposition == "ivr" else "hotline", agent=agent if answered else None,
             final_agent=kw.pop("final_agent", agent) if answered else None,
             wait_seconds=None if disposition == "ivr" else wait,
             ring_seconds=ring if answered else None, rings=None, within_4_rings=within_4_rings if answered else None,
             talk_seconds=talk if answered else None, disposition=disposition,
             hangup_first=hangup_first if answered else "caller", recording=kw.pop("recording", None),
             transfers=kw.pop("transfers", []), ivr=kw.pop("ivr", None), survey=kw.pop("survey", None),
             incomplete=False, vars=kw.pop("vars", {}), built_at=utcnow(), **kw)
    if attempts is None and answered and agent:
        attempts = [(agent, ring, "answered")]
    t = at + timedelta(seconds=10)
    for a_agent, secs, result in attempts or []:
        c.attempts.append(RingAttempt(agent=a_agent, rang_at=t, ring_seconds=secs, result=result))
        t += timedelta(seconds=secs)
    db.add(c)
    if commit:
        db.commit()
    return c


def set_live(db: Session, data: dict[str, Any], server: str = "pbx1") -> None:
    row = db.get(LiveState, server)
    if row is None:
        db.add(LiveState(server=server, updated_at=utcnow(), data=data))
    else:
        row.data = data
        row.updated_at = utcnow()
    db.commit()


def live_data(waiting: int = 0, ringing: int = 0, talking: int = 0, paused: int = 0) -> dict[str, Any]:
    now = datetime.now(UTC)
    agents: dict[str, Any] = {}
    ext = 8001
    for state, count in (("ringing", ringing), ("talking", talking), ("paused", paused)):
        for _ in range(count):
            agents[str(ext)] = {"state": state, "since": now.isoformat(), "call_id": None, "queue": "hotline"}
            ext += 1
    return {"queues": {"hotline": {"waiting": [
        {"call_id": f"w{i}", "caller_number": "139", "caller_name": "<b>x</b>",
         "since": (now - timedelta(seconds=30 + i)).isoformat()} for i in range(waiting)]}},
            "agents": agents, "gap": False}


def make_wav(path: Path, seconds: float = 1.0) -> Path:
    """A real small wav (8 kHz mono, a tone) made with sox."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds),
                    "sine", "440"], check=True)
    return path
