"""The queue's AMI events that move an agent's presence (issue 13 §1: ringing and talking come
from the live events): the listener hands each event here (``feed``), or reads ``call_phase``
and calls ``presence.on_call_event`` itself.

- ``AgentCalled`` → ringing; ``AgentConnect`` → talking (others ringing for the call stop);
- ``AgentComplete`` → the call ended after an answer: 话后整理;
- ``AgentRingNoAnswer`` / ``AgentDump`` → the ring ended unanswered: available again;
- ``QueueCallerAbandon`` → the caller left while agents rang: they are available again.

The agent is the member's name (``MemberName``, the extension); the call is the ``Linkedid``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.desk import presence
from hotline.desk.presence import CallPhase, PresenceResult
from hotline.pbx.ami import Ami
from hotline.settings import Settings

PHASES = {
    "AgentCalled": CallPhase.RINGING,
    "AgentConnect": CallPhase.ANSWERED,
    "AgentComplete": CallPhase.ENDED,
    "AgentRingNoAnswer": CallPhase.ENDED,
    "AgentDump": CallPhase.ENDED,
}


def call_phase(event: str, fields: Mapping[str, str | None]) -> tuple[str, CallPhase, str] | None:
    """(agent, phase, call id) of a queue event about an agent; None for any other event."""
    phase = PHASES.get(event)
    agent, call_id = fields.get("MemberName"), fields.get("Linkedid")
    if phase is None or not agent or not call_id:
        return None
    return agent, phase, call_id


def feed(s: Settings, db: Session, event: str, fields: Mapping[str, str | None], at: datetime, *,
         ami: Ami | None = None) -> PresenceResult | list[str] | None:
    """Applies one AMI event to the presence it concerns; None when it concerns none."""
    if event == "QueueCallerAbandon" and fields.get("Linkedid"):
        return presence.call_gone(s, db, str(fields["Linkedid"]), at)
    found = call_phase(event, fields)
    if found is None:
        return None
    agent, phase, call_id = found
    if agent not in s.agents:
        return None
    return presence.on_call_event(s, db, agent, phase, call_id, at, ami=ami)
