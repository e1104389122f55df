"""The desk's audit trail (``desk_controls``): every call control and every supervisor monitoring
use, written by ``record``; read back for a call's page (R-PRIVACY: who listened is shown with
the call). The calls flagged malicious are found from the call records (``HOTLINE_MALICIOUS``,
``hotline.models.calls.flagged_malicious``: the call search's filter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.models.desk import DeskControl
from hotline.settings import Settings


@dataclass(frozen=True)
class ControlUse:
    at: datetime
    actor: str
    agent: str
    call_id: str
    control: str
    detail: str | None
    outcome: ControlOutcome
    message: str | None


def record(db: Session, s: Settings, actor: str, result: ControlResult, at: datetime | None = None) -> None:
    db.add(DeskControl(server=s.server_id, at=at or datetime.now(UTC), actor=actor, agent=result.agent,
                       call_id=result.call_id, control=result.control, detail=result.detail,
                       outcome=result.outcome.value, message=result.message))
    db.commit()


def _use(row: DeskControl) -> ControlUse:
    return ControlUse(row.at, row.actor, row.agent, row.call_id, row.control, row.detail,
                      ControlOutcome(row.outcome), row.message)


def of_call(db: Session, s: Settings, call_id: str) -> list[ControlUse]:
    """Every control and monitoring use on one call, oldest first (the call's page)."""
    rows = db.scalars(select(DeskControl).where(DeskControl.server == s.server_id, DeskControl.call_id == call_id)
                      .order_by(DeskControl.at, DeskControl.id))
    return [_use(r) for r in rows]
