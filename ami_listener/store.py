"""Writes what the listener learns: raw events (deduplicated), call records, agent presence."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from ami_listener.builder import CallRecord
from ami_listener.reader import SEP_TEXT as SEP, Message
from hotline.models import AgentPause, AgentSession, AmiEventBatch, AmiEventCall, Call, LiveState, RingAttempt
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
        dialect = sessions.kw["bind"].dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        cols = "server, received_at, event_time, name, linkedid, digest, raw"
        self._insert_sql = (f"INSERT INTO ami_events ({cols}) VALUES ({', '.join([mark] * 7)}) "
                            f"ON CONFLICT (server, digest) DO NOTHING")
        if dialect.name == "sqlite":
            self._format_time = lambda ts: datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        else:
            self._format_time = lambda ts: datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)

    # -- events ------------------------------------------------------------------------------
    def _batch(self, db: Session, events: Sequence[tuple[Message, str | None, float]]) -> None:
        raw = SEP.join(msg.raw for msg, _, _ in events) + SEP
        dig = digest(raw)
        exists = db.scalar(select(AmiEventBatch.id).where(AmiEventBatch.server == self.server,
                                                          AmiEventBatch.digest == dig))
        if exists is not None:
            return  # the same events again (a capture replayed twice)
        batch = AmiEventBatch(server=self.server, received_at=from_epoch(events[0][2]),
                              received_until=from_epoch(events[-1][2]), events=len(events), digest=dig, raw=raw)
        db.add(batch)
        db.flush()
        lids = {lid for _, lid, _ in events if lid}
        if lids:
            db.execute(AmiEventCall.__table__.insert(),
                       [{"batch_id": batch.id, "linkedid": lid[:64], "server": self.server} for lid in lids])

    def write(self, events: Sequence[tuple[Message, str | None, float]], calls: Sequence[CallRecord] = (),
              live: dict | None = None, presence: Sequence[Message] = ()) -> None:
        """One transaction: the raw events first, then the calls built from them (persist first)."""
        with self.sessions.begin() as db:
            if events:
                self._batch(db, events)
            if calls:
                self._save_calls(db, calls)
            for msg in presence:
                self._presence(db, msg)
            if live is not None:
                row = db.get(LiveState, self.server)
                if row is None:
                    db.add(LiveState(server=self.server, updated_at=utcnow(), data=live))
                else:
                    row.data, row.updated_at = live, utcnow()

    # -- calls ---------------------------------------------------------------------------------
    def _save_calls(self, db: Session, records: Sequence[CallRecord]) -> None:
        """Replace these calls' rows (a rebuilt call overwrites its old record), in bulk: one row
        at a time through the ORM cost more than everything else the listener does."""
        latest = {rec.call_id: rec for rec in records}  # a call built twice in one batch: the last wins
        calls, attempts = Call.__table__, RingAttempt.__table__
        ids = list(latest)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            old = select(calls.c.id).where(calls.c.server == self.server, calls.c.call_id.in_(chunk))
            db.execute(attempts.delete().where(attempts.c.call_pk.in_(old)))
            db.execute(calls.delete().where(calls.c.server == self.server, calls.c.call_id.in_(chunk)))
        now = utcnow()
        rows = [self._call_row(rec, now) for rec in latest.values()]
        pks = dict((cid, pk) for pk, cid in db.execute(
            insert(Call).returning(Call.id, Call.call_id, sort_by_parameter_order=True), rows))
        ring_rows = [{"call_pk": pks[rec.call_id], "agent": a.agent, "rang_at": from_epoch(a.rang_at),
                      "ring_seconds": _r(a.ring_seconds), "result": a.result}
                     for rec in latest.values() for a in rec.attempts]
        if ring_rows:
            db.execute(insert(RingAttempt), ring_rows)

    @staticmethod
    def _call_row(rec: CallRecord, now: datetime) -> dict:
        return dict(
            server=rec.server, call_id=rec.call_id, direction=rec.direction, caller_number=rec.caller_number,
            caller_name=rec.caller_name, dialed=rec.dialed, started_at=_dt(rec.started_at),
            queued_at=_dt(rec.queued_at), answered_at=_dt(rec.answered_at), ended_at=_dt(rec.ended_at),
            queue=rec.queue, agent=rec.agent, final_agent=rec.final_agent, wait_seconds=_r(rec.wait_seconds),
            ring_seconds=_r(rec.ring_seconds), rings=rec.rings, within_4_rings=rec.within_4_rings,
            talk_seconds=_r(rec.talk_seconds), disposition=rec.disposition, hangup_first=rec.hangup_first,
            recording=rec.recording, transfers=[_json_times(t) for t in rec.transfers],
            ivr=None if rec.ivr is None else {**rec.ivr, "path": [_json_times(p) for p in rec.ivr["path"]]},
            survey=rec.survey, incomplete=rec.incomplete, vars=rec.vars, built_at=now,
        )

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
            from_events = db.scalars(select(AmiEventCall.linkedid).distinct().join(AmiEventBatch).where(
                AmiEventBatch.server == self.server, AmiEventBatch.received_until >= since,
                AmiEventBatch.received_at < until)).all()
        return sorted(set(from_calls) | set(from_events))

    def batches_for(self, call_ids: Iterable[str]) -> list[str]:
        """The raw batches holding events of these calls, in the order they were stored."""
        ids = list(call_ids)
        with self.sessions() as db:
            return list(db.scalars(select(AmiEventBatch.raw).where(AmiEventBatch.id.in_(
                select(AmiEventCall.batch_id).where(AmiEventCall.server == self.server,
                                                    AmiEventCall.linkedid.in_(ids)))).order_by(AmiEventBatch.id)))


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _json_times(item: dict) -> dict:
    at = item.get("at")
    return {**item, "at": None if at is None else from_epoch(at).isoformat()}
