"""An agent's presence (issue 13 §1): one state machine, applied to the queue through AMI and
stored change by change (``desk_presence``: who, which state and reason, from which state, from
when until when, set by whom — the agent, a supervisor forcing it, or the system).

- 签出 / 示闲: ``QueueRemove`` / ``QueueAdd``; 示忙, 小休 (with a reason from
  ``settings.desk_break_reasons``) and 话后整理: ``QueuePause`` with a reason, so the queue rings
  someone else. Dynamic members survive an Asterisk restart (``persistentmembers`` in queues.conf);
  ``hotline.desk.reapply`` (the scheduler, when its desk AMI session opens) puts the stored presence
  back on a PBX that lost it (and on static members, which a restart brings back unpaused).
- ringing / talking / call ended come from the listener's live events: ``on_call_event``.
- 话后整理: after an answered call the agent stays paused ``settings.desk_wrapup_s``;
  ``extend_wrapup`` (继续整理) and ``end_wrapup`` (返回接听); ``hotline.desk.live.sync`` (the
  scheduler's tick) ends the ones whose time is up.
- a pause made on the PBX — a desk phone's pause key, another CTI's ``QueuePause`` — moves the
  presence too: ``hotline.desk.pbx_follow`` (the same tick), by ``PBX``.

Every function takes the database session it commits and, optionally, a logged-in ``Ami`` (else it
opens one). Refusals and PBX errors come back as a ``PresenceResult`` with a message, not raised.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import live_signal
from hotline.desk import members, presence_lock
from hotline.desk.presence_lock import PresenceBusy
from hotline.desk.refusals import Refusal
from hotline.models.desk import PresenceChange
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence

log = logging.getLogger(__name__)
P = AgentPresence
PAUSED = frozenset({P.BUSY, P.BREAK, P.WRAP_UP})  # a queue member, paused
ON_CALL = frozenset({P.RINGING, P.TALKING})
CHOSEN = frozenset({P.LOGGED_OUT, P.AVAILABLE, P.BUSY, P.BREAK})  # what an agent or supervisor sets
SYSTEM = "system"  # ``by`` of changes the calls and the wrap-up timer make
PBX = "pbx"  # ``by`` of changes followed from the PBX: a desk phone's pause key, another CTI
WRAPUP_REASON = "wrap-up"
BUSY_REASON = "busy"
BREAK_PREFIX = "break:"
REASON_MAX = 64  # desk_presence.reason's length
Args = ParamSpec("Args")  # a presence change's arguments after (s, db, agent): _refused_when_busy


class CallPhase(StrEnum):
    """What the listener saw of a call to an agent."""

    RINGING = "ringing"  # AgentCalled / DialBegin to the agent's member
    ANSWERED = "answered"  # AgentConnect
    ENDED = "ended"  # the agent's leg hung up (answered or not)


@dataclass(frozen=True)
class PresenceView:
    """An agent's current presence, as the desk shows it."""

    agent: str
    state: AgentPresence
    reason: str | None = None
    since: datetime | None = None
    by: str | None = None
    forced: bool = False
    call_id: str | None = None
    wrapup_until: datetime | None = None

    def wrapup_left_s(self, now: datetime) -> float | None:
        """The 话后整理 countdown, in seconds (None outside wrap-up)."""
        if self.state != P.WRAP_UP or self.wrapup_until is None:
            return None
        return max(0.0, (self.wrapup_until - now).total_seconds())


@dataclass(frozen=True)
class PresenceResult:
    ok: bool
    message: str
    presence: PresenceView
    changed: bool = False
    reason: Refusal | None = None  # set when not ok: what the panel says (``message``: English, for logs)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _open_row(db: Session, s: Settings, agent: str) -> PresenceChange | None:
    return db.scalars(select(PresenceChange).where(
        PresenceChange.server == s.server_id, PresenceChange.agent == agent, PresenceChange.ended_at.is_(None))
        .order_by(PresenceChange.started_at.desc(), PresenceChange.id.desc()).limit(1)).first()


def _view(agent: str, row: PresenceChange | None) -> PresenceView:
    if row is None:
        return PresenceView(agent, P.LOGGED_OUT)
    return PresenceView(agent, P(row.state), row.reason, row.started_at, row.by, row.forced, row.call_id,
                        row.wrapup_until)


def current(db: Session, s: Settings, agent: str) -> PresenceView:
    return _view(agent, _open_row(db, s, agent))


def board(db: Session, s: Settings) -> list[PresenceView]:
    """Every agent of ``settings.agents`` with their presence (the supervisor's list)."""
    return [current(db, s, agent) for agent in s.agents]


@contextmanager
def serial(s: Settings, db: Session, agent: str) -> Iterator[None]:
    """One change of ``agent``'s presence at a time in every process on the database
    (``presence_lock``): read, decided, stored and made on the PBX before the next one reads. Two
    at once — a desk page reloaded, its old softphone's "unregistered" beside the new one's
    "registered"; a click beside the tick — stored in one order and reached the PBX in the other:
    the desk 示闲, the queue not ringing. The transaction is ended first: no connection held while
    waiting, and it reads what the last holder stored (SQLite keeps a transaction's first
    snapshot). Re-entrant; :class:`PresenceBusy` when not had in time."""
    db.commit()
    with presence_lock.held(db, s.server_id, agent):
        yield


def _refused_when_busy(change: Callable[Concatenate[Settings, Session, str, Args], PresenceResult]
                       ) -> Callable[Concatenate[Settings, Session, str, Args], PresenceResult]:
    """A change whose lock (``serial``) was not had in time is refused, logged, nothing stored."""
    @functools.wraps(change)
    def refusing(s: Settings, db: Session, agent: str, *a: Args.args, **kw: Args.kwargs) -> PresenceResult:
        try:
            return change(s, db, agent, *a, **kw)
        except PresenceBusy as exc:
            log.warning("desk %s: %s; the change is refused", agent, exc)
            return PresenceResult(False, str(exc), current(db, s, agent), reason=Refusal.PRESENCE_BUSY)
    return refusing


def _store(db: Session, s: Settings, agent: str, state: AgentPresence, at: datetime, *, by: str,
           forced: bool = False, reason: str | None = None, call_id: str | None = None,
           wrapup_until: datetime | None = None) -> tuple[PresenceChange | None, PresenceChange]:
    """The new open row, committed; and the one it ended."""
    old = _open_row(db, s, agent)
    if old is not None:
        old.ended_at = max(at, old.started_at)
    row = PresenceChange(server=s.server_id, agent=agent, state=state.value, reason=reason,
                         previous=old.state if old else P.LOGGED_OUT.value, started_at=at, by=by,
                         forced=forced, call_id=call_id, wrapup_until=wrapup_until)
    db.add(row)
    live_signal.notify(db, f"presence:{agent}")  # the agent's desk and the wallboard show it at once
    db.commit()
    return old, row


def record(db: Session, s: Settings, agent: str, state: AgentPresence, at: datetime, **row: Any) -> PresenceView:
    return _view(agent, _store(db, s, agent, state, at, **row)[1])


def _record_then_apply(s: Settings, db: Session, agent: str, state: AgentPresence, at: datetime,
                       work: Callable[[Ami], None], ami: Ami | None, **fields: Any) -> PresenceView:
    """Stores a change made here, then makes it on the PBX (``work``). In this order the
    QueueMemberPause it causes is never older than its row, so the scheduler's tick, reading the
    stored row after the live snapshot, takes it for this change (``pbx_follow.PBX_MARGIN_S``) — the other
    way round an unpause (which carries no reason of ours) reached the tick while the row still
    said 示忙, was followed as 示闲 by ``PBX``, and the desk's own 示闲 row came after it. The PBX
    refusing takes the row back (when nothing came after it) and raises its ``AmiError``."""
    old, row = _store(db, s, agent, state, at, **fields)
    try:
        with_ami(s, ami, work)
    except AmiError:
        db.refresh(row)
        if row.ended_at is None:
            db.delete(row)
            if old is not None:
                old.ended_at = None
            live_signal.notify(db, f"presence:{agent}")
            db.commit()
        raise
    return _view(agent, row)


def pause_reason(state: AgentPresence, reason: str | None) -> str:
    if state == P.BREAK:
        return f"{BREAK_PREFIX}{reason}"
    return WRAPUP_REASON if state == P.WRAP_UP else BUSY_REASON


def state_of_pause(reason: str) -> tuple[AgentPresence, str | None] | None:
    """The desk state a pause reason the hotline gives stands for (``pause_reason``'s inverse, a
    static member's 签出) with a break's own reason; None for a reason of another system."""
    if reason.startswith(BREAK_PREFIX):
        return P.BREAK, reason.removeprefix(BREAK_PREFIX) or None
    states = {BUSY_REASON: P.BUSY, WRAPUP_REASON: P.WRAP_UP, members.LOGGED_OUT_REASON: P.LOGGED_OUT}
    return (states[reason], None) if reason in states else None


def ours(reason: str) -> bool:
    """A pause reason the hotline gives (``pause_reason``, a static member's 签出)."""
    return state_of_pause(reason) is not None


def _apply(ami: Ami, s: Settings, agent: str, old: AgentPresence, new: AgentPresence, reason: str | None) -> None:
    """The queue-side effect of a change from ``old`` to ``new``."""
    if new == P.LOGGED_OUT:
        members.remove(ami, s, agent)
        return
    if old == P.LOGGED_OUT:
        members.add(ami, s, agent)
    if new in PAUSED:
        members.pause(ami, s, agent, True, pause_reason(new, reason))
    elif new == P.AVAILABLE and old in PAUSED:
        members.pause(ami, s, agent, False)


def with_ami(s: Settings, ami: Ami | None, work: Callable[[Ami], None]) -> None:
    if ami is not None:
        work(ami)
        return
    with Ami.from_settings(s, role=AmiRole.DESK) as own:
        work(own)


def _refusal(s: Settings, agent: str, state: AgentPresence, reason: str | None,
             cur: PresenceView) -> tuple[Refusal, str] | None:
    if agent not in s.agents:
        return Refusal.NOT_AN_AGENT, f"{agent} is not an agent of this hotline"
    if state not in CHOSEN:
        return Refusal.NOT_CHOSEN, f"{state.value} is not a state one chooses: it follows the calls"
    if state == P.BREAK and reason not in s.desk_break_reasons:
        return (Refusal.BREAK_REASON,
                f"a break needs one of the reasons {', '.join(s.desk_break_reasons)}, not {reason!r}")
    if state == P.AVAILABLE and cur.state in ON_CALL:
        return Refusal.ON_A_CALL, f"{agent} is on a call ({cur.state.value}): available again once it ends"
    return None


@_refused_when_busy
def set_state(s: Settings, db: Session, agent: str, state: AgentPresence, reason: str | None = None, *,
              by: str | None = None, forced: bool = False, now: datetime | None = None,
              ami: Ami | None = None) -> PresenceResult:
    """Log in (available), log out, 示忙 or 小休 (with ``reason``). ``by``: who asked (default the
    agent); a supervisor passes ``forced=True`` (``force``). Busy or break chosen during a call
    pauses the member at once, so no next call comes after this one."""
    with serial(s, db, agent):
        state = P(state)
        reason = reason if state == P.BREAK else None
        cur = current(db, s, agent)
        refused = _refusal(s, agent, state, reason, cur)
        if refused:
            return PresenceResult(False, refused[1], cur, reason=refused[0])
        if cur.state == state and cur.reason == reason:
            return PresenceResult(True, f"{agent} is already {state.value}", cur)
        try:
            view = _record_then_apply(s, db, agent, state, _now(now),
                                      lambda a: _apply(a, s, agent, cur.state, state, reason), ami,
                                      by=by or agent, forced=forced, reason=reason)
        except AmiError as exc:
            return PresenceResult(False, f"the PBX refused: {exc}", cur, reason=Refusal.PBX_REFUSED)
        return PresenceResult(True, f"{agent} is {state.value}" + (f" ({reason})" if reason else ""), view, True)


def force(s: Settings, db: Session, supervisor: str, agent: str, state: AgentPresence, reason: str | None = None,
          *, now: datetime | None = None, ami: Ami | None = None) -> PresenceResult:
    """A supervisor sets an agent's state (force a break, log out): stored with ``forced`` and
    the supervisor as ``by``."""
    return set_state(s, db, agent, state, reason, by=supervisor, forced=True, now=now, ami=ami)


def _start_wrapup(s: Settings, db: Session, agent: str, call_id: str | None, at: datetime,
                  ami: Ami | None) -> PresenceView:
    if s.desk_wrapup_s <= 0:
        return record(db, s, agent, P.AVAILABLE, at, by=SYSTEM)
    return _record_then_apply(s, db, agent, P.WRAP_UP, at,
                              lambda a: members.pause(a, s, agent, True, WRAPUP_REASON), ami,
                              by=SYSTEM, call_id=call_id, wrapup_until=at + timedelta(seconds=s.desk_wrapup_s))


def dials_in_wrapup(cur: PresenceView, call_id: str | None, outbound: bool) -> bool:
    """The agent's own dial (``outbound``: 外呼 / 回拨, the desk's or its phone's) on a call other
    than the one in 话后整理: the agent is on the phone at once, not once the wrap-up's time is up
    (until 7 December a 回拨 made during 话后整理 showed 通话中 only then). The member stays paused
    meanwhile: no queue call rings a seat on the phone (R-ANS-4RINGS)."""
    return outbound and bool(call_id) and cur.state == P.WRAP_UP and cur.call_id != call_id


@_refused_when_busy
def on_call_event(s: Settings, db: Session, agent: str, phase: CallPhase, call_id: str, at: datetime, *,
                  ami: Ami | None = None, outbound: bool = False) -> PresenceResult:
    """The listener's (or a scheduler's) report of a call phase for ``agent``. An available agent
    rings, a ringing one talks; when the call ends, an agent who talked starts 话后整理 (paused
    ``desk_wrapup_s``), one who only rang is available again. An agent who chose busy or a
    break, or is logged out, keeps that state: the calls do not change what a person chose.
    ``outbound``: the agent's own dial, which also rings and talks from 话后整理
    (:func:`dials_in_wrapup`); unanswered, the wrap-up it interrupted goes on."""
    with serial(s, db, agent):
        phase = CallPhase(phase)
        cur = current(db, s, agent)
        same_call = cur.call_id in (None, call_id)
        dialling = dials_in_wrapup(cur, call_id, outbound)
        try:
            if phase == CallPhase.RINGING and (cur.state == P.AVAILABLE or dialling):
                view = record(db, s, agent, P.RINGING, at, by=SYSTEM, call_id=call_id)
            elif phase == CallPhase.ANSWERED and (cur.state == P.AVAILABLE or dialling
                                                  or (cur.state == P.RINGING and same_call)):
                view = record(db, s, agent, P.TALKING, at, by=SYSTEM, call_id=call_id)
                _stop_other_rings(s, db, agent, call_id, at)
            elif phase == CallPhase.ENDED and cur.state == P.TALKING and same_call:
                view = _start_wrapup(s, db, agent, call_id, at, ami)
            elif phase == CallPhase.ENDED and cur.state == P.RINGING and same_call:
                view = _ring_over(s, db, agent, at, ami)
            else:
                return PresenceResult(True, f"{agent} stays {cur.state.value}", cur)
        except AmiError as exc:
            return PresenceResult(False, f"the PBX refused the wrap-up pause: {exc}", cur, reason=Refusal.PBX_REFUSED)
        return PresenceResult(True, f"{agent} is {view.state.value}", view, True)


def _ring_over(s: Settings, db: Session, agent: str, at: datetime, ami: Ami | None) -> PresenceView:
    """A ring that was not answered ends: the agent is available again — or, when it was the
    agent's own dial from 话后整理 (the member still paused for it), back in that wrap-up until its
    end, or available and unpaused when that end has passed meanwhile."""
    ring = _open_row(db, s, agent)
    before = None if ring is None or ring.previous != P.WRAP_UP.value else db.scalars(
        select(PresenceChange).where(PresenceChange.server == s.server_id, PresenceChange.agent == agent,
                                     PresenceChange.id < ring.id)
        .order_by(PresenceChange.id.desc()).limit(1)).first()
    if before is None or before.state != P.WRAP_UP.value:
        return record(db, s, agent, P.AVAILABLE, at, by=SYSTEM)
    if before.wrapup_until is not None and before.wrapup_until > at:
        return record(db, s, agent, P.WRAP_UP, at, by=SYSTEM, call_id=before.call_id,
                      wrapup_until=before.wrapup_until)
    return _record_then_apply(s, db, agent, P.AVAILABLE, at, lambda a: members.pause(a, s, agent, False), ami,
                              by=SYSTEM)


def _stop_other_rings(s: Settings, db: Session, agent: str, call_id: str, at: datetime) -> None:
    """A call one agent answered stops ringing the others (ringall: no event says so for them),
    each under its own lock (its desk may be changing it); one held up is left to its own sync."""
    for other in db.scalars(select(PresenceChange.agent).where(
            PresenceChange.server == s.server_id, PresenceChange.ended_at.is_(None),
            PresenceChange.state == P.RINGING.value, PresenceChange.call_id == call_id,
            PresenceChange.agent != agent)).all():
        with contextlib.suppress(PresenceBusy), serial(s, db, other):
            if (cur := current(db, s, other)).state == P.RINGING and cur.call_id == call_id:
                record(db, s, other, P.AVAILABLE, at, by=SYSTEM)


@_refused_when_busy
def extend_wrapup(s: Settings, db: Session, agent: str, seconds: float | None = None, *,
                  now: datetime | None = None) -> PresenceResult:
    """继续整理: the wrap-up lasts ``seconds`` (default ``desk_wrapup_s``) more from now, or from
    its current end if that is later. The member is paused already: no AMI."""
    with serial(s, db, agent):
        cur = current(db, s, agent)
        row = _open_row(db, s, agent)
        if cur.state != P.WRAP_UP or row is None:
            return PresenceResult(False, f"{agent} is not in after-call work ({cur.state.value})", cur,
                                  reason=Refusal.NOT_IN_WRAPUP)
        start = max(_now(now), row.wrapup_until or _now(now))
        row.wrapup_until = start + timedelta(seconds=s.desk_wrapup_s if seconds is None else seconds)
        live_signal.notify(db, f"presence:{agent}")
        db.commit()
        return PresenceResult(True, f"{agent}'s after-call work runs until {row.wrapup_until:%H:%M:%S}",
                              _view(agent, row), True)


@_refused_when_busy
def end_wrapup(s: Settings, db: Session, agent: str, *, by: str | None = None, now: datetime | None = None,
               ami: Ami | None = None) -> PresenceResult:
    """返回接听: after-call work ends now, the agent is available."""
    with serial(s, db, agent):
        cur = current(db, s, agent)
        if cur.state != P.WRAP_UP:
            return PresenceResult(False, f"{agent} is not in after-call work ({cur.state.value})", cur,
                                  reason=Refusal.NOT_IN_WRAPUP)
        try:
            view = _record_then_apply(s, db, agent, P.AVAILABLE, _now(now),
                                      lambda a: members.pause(a, s, agent, False), ami, by=by or agent)
        except AmiError as exc:
            return PresenceResult(False, f"the PBX refused: {exc}", cur, reason=Refusal.PBX_REFUSED)
        return PresenceResult(True, f"{agent} is available", view, True)
