"""Writes what the listener learns: raw events (deduplicated), call records, agent presence."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ami_listener.reader import SEP, Message
from ami_listener.record import CallRecord
from hotline import live_signal
from hotline.db import advisory_key
from hotline.live_snapshot import LiveSnapshot
from hotline.models import (
    AgentPause,
    AgentSession,
    AmiEventBatch,
    AmiEventCall,
    Call,
    LiveState,
    RingAttempt,
)
from hotline.pbx_presence import POOL_QUEUE, pool_agent_id, pool_interface, pool_member_name
from hotline.timeutil import from_epoch, utcnow

log = logging.getLogger(__name__)


# the tables the bulk writes below address directly (an ORM row at a time costs too much)
_BATCHES = cast(Table, AmiEventBatch.__table__)
_BATCH_CALLS = cast(Table, AmiEventCall.__table__)
_CALLS = cast(Table, Call.__table__)
_ATTEMPTS = cast(Table, RingAttempt.__table__)
# app_agent_pool's log-in and log-off: sessions too, as QueueMemberAdded / QueueMemberRemoved (_presence)
POOL_EVENTS = frozenset({"AgentLogin", "AgentLogoff"})
# names a queue member, with its StateInterface: for a pool agent's member, the name its session takes
POOL_NAMING = "QueueMemberStatus"
# what an incomplete record may know that a rebuild from fewer events does not: kept (keep_better)
_FACTS = ("answered_at", "ended_at", "agent", "final_agent", "started_at")


def digest(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()


@dataclass
class RawBatch:
    """AMI frames as received, in order, with the Linkedid each was filed under (None: not about
    a call) and when the first and the last arrived (epoch seconds)."""

    frames: list[bytes] = field(default_factory=list)
    linkedids: list[str | None] = field(default_factory=list)
    first_at: float = 0.0
    last_at: float = 0.0

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class Rejected:
    """The part of a batch the database refused for what it holds, and why."""

    raw: RawBatch
    calls: list[CallRecord]
    presence: list[Message]
    why: str

    def __bool__(self) -> bool:
        return bool(self.raw or self.calls or self.presence)


# what the database refuses for a row's content (not for being down): retrying cannot help
REFUSED = (DataError, IntegrityError)


def _lock_key(server: str) -> int:
    """The PostgreSQL advisory-lock key of one server's writes."""
    return advisory_key(f"hotline-listener:{server}")


def _upsert(db: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT, in the database's own dialect (SQLite and PostgreSQL both have it)."""
    dialect = db.get_bind().dialect.name
    return (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else from_epoch(ts)


class Store:
    def __init__(self, sessions: sessionmaker[Session], server: str):
        self.sessions = sessions
        self.server = server

    # -- events ------------------------------------------------------------------------------
    def _lock(self, db: Session) -> None:
        """One writer per server at a time (a listener and `hotline listener rebuild`, or two
        listeners started by mistake): on PostgreSQL an advisory lock held to the commit; SQLite
        lets one writer in at a time anyway. The upserts below make the outcome the same either way."""
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(self.server)})

    def _batch(self, db: Session, batch: RawBatch) -> None:
        packed = AmiEventBatch.pack(SEP.join(batch.frames) + SEP)
        dig = digest(packed)  # of the packed bytes: a tenth of the hashing, same frames → same bytes
        batch_id = db.scalar(_upsert(db, _BATCHES).values(
            server=self.server, received_at=from_epoch(batch.first_at), received_until=from_epoch(batch.last_at),
            events=len(batch.frames), digest=dig, raw_lz4=packed,
        ).on_conflict_do_nothing(index_elements=["server", "digest"]).returning(_BATCHES.c.id))
        if batch_id is None:
            return  # the same events again (a capture replayed twice, a journal written twice)
        lids = {lid[:64] for lid in batch.linkedids if lid is not None}
        if lids:
            db.execute(_upsert(db, _BATCH_CALLS).on_conflict_do_nothing(),
                       [{"batch_id": batch_id, "linkedid": lid, "server": self.server} for lid in lids])

    def write(self, batch: RawBatch | None, calls: Sequence[CallRecord] = (),
              live: LiveSnapshot | None = None, presence: Sequence[Message] = (), *,
              keep_better: bool = False) -> None:
        """One transaction: the raw events first, then the calls built from them (persist first).
        With ``keep_better`` (rebuilds) a record never replaces a better one (see _save_calls)."""
        with self.sessions.begin() as db:
            self._lock(db)
            if batch:
                self._batch(db, batch)
            if calls:
                self._save_calls(db, calls, keep_better)
            for msg in presence:
                self._presence(db, msg)
            if live is not None:
                data = live.to_dict()
                row = db.get(LiveState, self.server)
                if row is None:
                    db.add(LiveState(server=self.server, updated_at=utcnow(), data=data))
                else:
                    row.data, row.updated_at = data, utcnow()
                live_signal.notify(db, f"live:{self.server}")

    def write_salvaging(self, batch: RawBatch | None, calls: Sequence[CallRecord] = (),
                        live: LiveSnapshot | None = None, presence: Sequence[Message] = ()) -> Rejected | None:
        """:meth:`write`, and when the database refuses the batch for its content, the batch again
        part by part (the raw events, each call, each presence event): one bad row costs only
        itself. Returns what was still refused (None: everything written). A database that is down
        raises as from :meth:`write` (every write is an upsert: writing the batch again is harmless)."""
        try:
            self.write(batch, calls, live, presence)
            return None
        except REFUSED as exc:
            first = exc
        log.warning("database refused a batch (%s); writing it row by row", str(first).splitlines()[0][:200])
        bad = Rejected(RawBatch(), [], [], str(first))
        if batch or live is not None:
            try:
                self.write(batch, (), live)
            except REFUSED as exc:
                bad.raw, bad.why = batch or RawBatch(), str(exc)
        for rec in calls:
            try:
                self.write(None, [rec])
            except REFUSED as exc:
                bad.calls.append(rec)
                bad.why = str(exc)
        for msg in presence:
            try:
                self.write(None, (), None, [msg])
            except REFUSED as exc:
                bad.presence.append(msg)
                bad.why = str(exc)
        return bad if bad else None

    # -- calls ---------------------------------------------------------------------------------
    def _save_calls(self, db: Session, records: Sequence[CallRecord], keep_better: bool = False) -> None:
        """Write these calls' records in bulk (one row at a time through the ORM cost more than
        everything else the listener does), as one upsert on (server, call_id): a call built again
        (rebuild, backfill, a late event, a second writer) is updated in place — QA grades and the
        listening audit refer to its row. With ``keep_better``, an incomplete record never replaces
        a complete one (a rebuild from a partial event store must not undo what the backfill
        rebuilt from Asterisk's logs), nor an incomplete one that knows more of :data:`_FACTS`."""
        latest = {rec.call_id[:64]: rec for rec in records}  # a call built twice in one batch: the last wins
        calls, attempts = _CALLS, _ATTEMPTS
        now = utcnow()
        rows = [self._call_row(rec, now) for rec in latest.values()]
        stmt = _upsert(db, calls)
        # only what the record says: columns others fill (none today) are left alone
        changing = {k: stmt.excluded[k] for k in (rows[0] if rows else {}) if k not in ("server", "call_id")}
        where = None
        if keep_better:
            # an incomplete record replaces an incomplete one only if it loses none of its facts
            # (answer, end, agent): it never replaces a complete one
            keeps = [calls.c[k].is_(None) | stmt.excluded[k].is_not(None) for k in _FACTS]
            where = stmt.excluded.incomplete.is_(False) | and_(calls.c.incomplete.is_(True), *keeps)
        stmt = stmt.on_conflict_do_update(index_elements=["server", "call_id"], set_=changing, where=where)
        pk_of: dict[str, int] = {}
        for i in range(0, len(rows), 500):
            pk_of.update((cid, pk) for pk, cid in db.execute(
                stmt.returning(calls.c.id, calls.c.call_id), rows[i:i + 500]))
        pks = list(pk_of.values())
        for i in range(0, len(pks), 500):
            db.execute(attempts.delete().where(attempts.c.call_pk.in_(pks[i:i + 500])))
        ring_rows = [{"call_pk": pk_of[cid], "agent": _cut(a.agent, 64), "rang_at": from_epoch(a.rang_at),
                      "ring_seconds": _r(a.ring_seconds), "result": a.result}
                     # rang_at 0: a ring whose time no event gave (builder.UNTIMED): not a row
                     for cid, rec in latest.items() if cid in pk_of for a in rec.attempts if a.rang_at]
        if ring_rows:
            db.execute(insert(attempts), ring_rows)

    @staticmethod
    def _call_row(rec: CallRecord, now: datetime) -> dict:
        return dict(
            # AMI values are the caller's to choose: cut to the columns' sizes (PostgreSQL refuses more)
            server=rec.server, call_id=_cut(rec.call_id, 64), direction=rec.direction,
            caller_number=_cut(rec.caller_number, 64), caller_name=_cut(rec.caller_name, 255),
            dialed=_cut(rec.dialed, 64), started_at=_dt(rec.started_at),
            queued_at=_dt(rec.queued_at), answered_at=_dt(rec.answered_at), ended_at=_dt(rec.ended_at),
            queue=_cut(rec.queue, 64), agent=_cut(rec.agent, 64), final_agent=_cut(rec.final_agent, 64),
            wait_seconds=_r(rec.wait_seconds),
            ring_seconds=_r(rec.ring_seconds), rings=rec.rings, within_4_rings=rec.within_4_rings,
            talk_seconds=_r(rec.talk_seconds), holds=rec.holds, hold_seconds=_r(rec.hold_seconds),
            transferred_out=_cut(rec.transferred_out, 64),
            disposition=rec.disposition, hangup_first=rec.hangup_first,
            recording=_cut(rec.recording, 512), transfers=[_json_times(t.as_json()) for t in rec.transfers],
            ivr=None if rec.ivr is None else {**rec.ivr, "path": [_json_times(p) for p in rec.ivr["path"]]},
            survey=rec.survey, incomplete=rec.incomplete, vars=rec.vars, built_at=now,
        )

    # -- agent presence ------------------------------------------------------------------------
    def _presence(self, db: Session, msg: Message) -> None:
        h = msg.headers
        if msg.name == POOL_NAMING:
            self._pool_named(db, h.get("StateInterface"), h.get("MemberName"), h.get("Interface"))
            return
        # AMI values are the caller's to choose: cut to the columns' sizes (PostgreSQL refuses more)
        if msg.name in POOL_EVENTS:
            # an agent pool's log-in is no queue's: its session is in POOL_QUEUE on the device state
            # the pool's queue members name (capture foreign_agents_*), under the agent id until a
            # member names the agent (_pool_named); found by that interface, whatever its name
            agent, queue = (h.get("Agent") or "")[:64], POOL_QUEUE
            if not agent:
                log.warning("%s without an Agent header: no session recorded", msg.name)
                return
            iface = pool_interface(agent)[:255]
            same = AgentSession.interface == iface
        else:
            agent, queue = (h.get("MemberName") or "")[:64], (h.get("Queue") or "")[:64]
            iface = (h.get("Interface") or "")[:255]
            same = AgentSession.agent == agent
        at = _dt(msg.timestamp) or utcnow()
        open_session = db.scalars(select(AgentSession).where(
            AgentSession.server == self.server, same, AgentSession.queue == queue,
            AgentSession.logout_at.is_(None))).first()
        open_pause = db.scalars(select(AgentPause).where(
            AgentPause.server == self.server, AgentPause.agent == agent, AgentPause.queue == queue,
            AgentPause.unpaused_at.is_(None))).first()
        if msg.name in ("QueueMemberAdded", "AgentLogin") and open_session is None:
            db.add(AgentSession(server=self.server, agent=agent, interface=iface, queue=queue, login_at=at))
        elif msg.name in ("QueueMemberRemoved", "AgentLogoff"):
            if open_session is not None:
                open_session.logout_at = at
            if open_pause is not None:
                open_pause.unpaused_at = at
        elif msg.name == "QueueMemberPause":
            paused = h.get("Paused") == "1"
            if paused and open_pause is None:
                db.add(AgentPause(server=self.server, agent=agent, queue=queue,
                                  reason=_cut(h.get("PausedReason") or h.get("Reason") or None, 255), paused_at=at))
            elif not paused and open_pause is not None:
                open_pause.unpaused_at = at

    def _pool_named(self, db: Session, state: str | None, member_name: str | None, interface: str | None) -> None:
        """A pool agent's open session takes the name its queue member gives it: the call records
        name the agent so (channels.ChannelIndex), and 签入签出明细 shows the same name, the id
        beside it (hotline.pbx_presence.Span.pool_id)."""
        agent_id = pool_agent_id(state)
        name = pool_member_name(agent_id, member_name, interface) if agent_id else None
        if agent_id is None or name is None:
            return
        for session in db.scalars(select(AgentSession).where(
                AgentSession.server == self.server, AgentSession.queue == POOL_QUEUE,
                AgentSession.interface == pool_interface(agent_id)[:255], AgentSession.logout_at.is_(None))):
            session.agent = name[:64]

    # -- rebuild -------------------------------------------------------------------------------
    def call_ids_between(self, since: datetime, until: datetime) -> list[str]:
        with self.sessions() as db:
            from_calls = db.scalars(select(Call.call_id).where(
                Call.server == self.server, Call.started_at >= since, Call.started_at < until)).all()
            from_events = db.scalars(select(AmiEventCall.linkedid).distinct().join(AmiEventBatch).where(
                AmiEventBatch.server == self.server, AmiEventBatch.received_until >= since,
                AmiEventBatch.received_at < until)).all()
        return sorted(set(from_calls) | set(from_events))

    def existing_calls(self, call_ids: Iterable[str]) -> set[str]:
        ids = list(call_ids)
        with self.sessions() as db:
            return set(db.scalars(select(Call.call_id).where(Call.server == self.server, Call.call_id.in_(ids))))

    def last_received(self) -> datetime | None:
        """When the last stored event arrived: where a restarted listener's gap begins."""
        with self.sessions() as db:
            return db.scalar(select(func.max(AmiEventBatch.received_until)).where(AmiEventBatch.server == self.server))

    def batches_for(self, call_ids: Iterable[str]) -> Iterator[bytes]:
        """The raw batches holding events of these calls (AMI bytes), in the order they were stored."""
        ids = list(call_ids)
        with self.sessions() as db:
            stored = list(db.scalars(select(AmiEventBatch.raw_lz4).where(AmiEventBatch.id.in_(
                select(AmiEventCall.batch_id).where(AmiEventCall.server == self.server,
                                                    AmiEventCall.linkedid.in_(ids)))).order_by(AmiEventBatch.id)))
        return (AmiEventBatch.unpack(data) for data in stored)


def _cut(text: str | None, size: int) -> str | None:
    return None if text is None else text[:size]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _json_times(item: dict) -> dict:
    at = item.get("at")
    return {**item, "at": None if at is None else from_epoch(at).isoformat()}
