"""Writes what the listener learns: raw events (deduplicated), call records, agent presence."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ami_listener.builder import CallRecord
from ami_listener.reader import Message
from hotline.models import AgentPause, AgentSession, AmiEvent, Call, LiveState, RingAttempt
from hotline.timeutil import from_epoch, utcnow

log = logging.getLogger(__name__)


def digest(raw: str) -> str:
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else from_epoch(ts)


class Store:
    def __init__(self, sessions: sessionmaker[Session], server: str):
        self.sessions = sessions
        self.server = server

    # -- events ------------------------------------------------------------------------------
    def event_rows(self, items: Iterable[tuple[Message, str | None, datetime]]) -> list[dict]:
        return [{"server": self.server, "received_at": received, "event_time": msg.timestamp,
                 "name": msg.name[:64], "linkedid": (lid or None) and lid[:64], "digest": digest(msg.raw),
                 "raw": msg.raw} for msg, lid, received in items]

    def write(self, events: Sequence[dict], calls: Sequence[CallRecord] = (),
              live: dict | None = None, presence: Sequence[Message] = ()) -> None:
        """One transaction: events first, then the calls built from them (persist first)."""
        with self.sessions.begin() as db:
            if events:
                db.execute(_insert_ignore(db, AmiEvent.__table__), list(events))
            for rec in calls:
                self._save_call(db, rec)
            for msg in presence:
                self._presence(db, msg)
            if live is not None:
                row = db.get(LiveState, self.server)
                if row is None:
                    db.add(LiveState(server=self.server, updated_at=utcnow(), data=live))
                else:
                    row.data, row.updated_at = live, utcnow()

    # -- calls ---------------------------------------------------------------------------------
    def _save_call(self, db: Session, rec: CallRecord) -> None:
        db.execute(delete(Call).where(Call.server == rec.server, Call.call_id == rec.call_id))
        row = Call(
            server=rec.server, call_id=rec.call_id, direction=rec.direction, caller_number=rec.caller_number,
            caller_name=rec.caller_name, dialed=rec.dialed, started_at=_dt(rec.started_at),
            queued_at=_dt(rec.queued_at), answered_at=_dt(rec.answered_at), ended_at=_dt(rec.ended_at),
            queue=rec.queue, agent=rec.agent, final_agent=rec.final_agent, wait_seconds=_r(rec.wait_seconds),
            ring_seconds=_r(rec.ring_seconds), rings=rec.rings, within_4_rings=rec.within_4_rings,
            talk_seconds=_r(rec.talk_seconds), disposition=rec.disposition, hangup_first=rec.hangup_first,
            recording=rec.recording, transfers=[_json_times(t) for t in rec.transfers],
            ivr=None if rec.ivr is None else {**rec.ivr, "path": [_json_times(p) for p in rec.ivr["path"]]},
            survey=rec.survey, incomplete=rec.incomplete, vars=rec.vars, built_at=utcnow(),
        )
        row.attempts = [RingAttempt(agent=a.agent, rang_at=from_epoch(a.rang_at), ring_seconds=_r(a.ring_seconds),
                                    result=a.result) for a in rec.attempts]
        db.add(row)

    # -- agent presence ------------------------------------------------------------------------
    def _presence(self, db: Session, msg: Message) -> None:
        h = msg.headers
        agent, queue, iface = h.get("MemberName") or "", h.get("Queue") or "", h.get("Interface") or ""
        at = _dt(msg.timestamp) or utcnow()
        open_session = db.scalars(select(AgentSession).where(
            AgentSession.server == self.server, AgentSession.agent == agent, AgentSession.queue == queue,
            AgentSession.logout_at.is_(None))).first()
        open_pause = db.scalars(select(AgentPause).where(
            AgentPause.server == self.server, AgentPause.agent == agent, AgentPause.queue == queue,
            AgentPause.unpaused_at.is_(None))).first()
        if msg.name == "QueueMemberAdded" and open_session is None:
            db.add(AgentSession(server=self.server, agent=agent, interface=iface, queue=queue, login_at=at))
        elif msg.name == "QueueMemberRemoved":
            if open_session is not None:
                open_session.logout_at = at
            if open_pause is not None:
                open_pause.unpaused_at = at
        elif msg.name == "QueueMemberPause":
            paused = h.get("Paused") == "1"
            if paused and open_pause is None:
                db.add(AgentPause(server=self.server, agent=agent, queue=queue,
                                  reason=(h.get("PausedReason") or h.get("Reason") or None), paused_at=at))
            elif not paused and open_pause is not None:
                open_pause.unpaused_at = at

    # -- rebuild -------------------------------------------------------------------------------
    def call_ids_between(self, since: datetime, until: datetime) -> list[str]:
        with self.sessions() as db:
            from_calls = db.scalars(select(Call.call_id).where(
                Call.server == self.server, Call.started_at >= since, Call.started_at < until)).all()
            from_events = db.scalars(select(AmiEvent.linkedid).distinct().where(
                AmiEvent.server == self.server, AmiEvent.received_at >= since, AmiEvent.received_at < until,
                AmiEvent.linkedid.is_not(None))).all()
        return sorted(set(from_calls) | set(from_events))

    def raw_events(self, call_id: str) -> list[str]:
        with self.sessions() as db:
            return list(db.scalars(select(AmiEvent.raw).where(
                AmiEvent.server == self.server, AmiEvent.linkedid == call_id).order_by(AmiEvent.id)))

    def member_events(self, since: datetime, until: datetime) -> list[str]:
        with self.sessions() as db:
            return list(db.scalars(select(AmiEvent.raw).where(
                AmiEvent.server == self.server, AmiEvent.name.in_(("QueueMemberStatus", "QueueMemberAdded",
                                                                   "AgentCalled")),
                AmiEvent.received_at < until).order_by(AmiEvent.id.desc()).limit(5000)))


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _json_times(item: dict) -> dict:
    at = item.get("at")
    return {**item, "at": None if at is None else from_epoch(at).isoformat()}


def _insert_ignore(db: Session, table):  # type: ignore[no-untyped-def]
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no insert-ignore for {dialect}")
