"""The presence follows the calls (issue 13 §1): the listener's live snapshot says an agent is
ringing or talking; :func:`sync` moves the stored presence to match — ringing → talking → an
answered call ends in 话后整理 — ends a wrap-up whose time is up, and then follows a pause, a log-in
or a log-out made on the PBX (``pbx_follow.follow_pbx``: a desk phone's pause key, another CTI, an
operator's CLI); a log-out made there comes before the calls. The scheduler runs it for every
agent about once a second (``scheduler.daemon``), and each open desk for its own agent, so the
presence moves whether or not a desk is open; ``presence.on_call_event`` ignores what does not
apply, so running it twice does no harm."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.desk import pbx_follow, presence
from hotline.desk.presence import CallPhase, PresenceView
from hotline.desk.presence_lock import PresenceBusy
from hotline.live_snapshot import AgentLive, CallLive, LiveSnapshot
from hotline.models import LiveState
from hotline.pbx.ami import Ami
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence, AgentState

log = logging.getLogger(__name__)
P = AgentPresence


def snapshots(db: Session) -> list[LiveSnapshot]:
    """Every server's live snapshot, in the order of the servers."""
    return [LiveSnapshot.from_dict(row.data) for row in db.scalars(select(LiveState).order_by(LiveState.server))]


def live_of(db: Session, agent: str, queue: str | None = None) -> tuple[AgentLive | None, CallLive | None, bool]:
    """The agent in the live snapshots (the row where the agent rings or talks first), the facts
    of that call, and whether the listener has a gap; ``queue``: the desk's (see :func:`agent_in`)."""
    return agent_in(snapshots(db), agent, queue)


def agent_in(snaps: list[LiveSnapshot], agent: str,
             queue: str | None = None) -> tuple[AgentLive | None, CallLive | None, bool]:
    """:func:`live_of` over snapshots already read; the agent carries the newest pause change
    any of them saw and, given the desk's ``queue``, the newest add / remove of its member there
    (``AgentLive.member``) — a member removed from every queue is in no snapshot's agents, and is
    an agent unavailable since its removal."""
    found: AgentLive | None = None
    call: CallLive | None = None
    gap = False
    pauses = []
    joins = []
    for snap in snaps:
        gap = gap or snap.gap
        a = snap.agents.get(agent)
        if a is not None and a.pause is not None:
            pauses.append(a.pause)
        if queue is not None and (change := snap.members.get(agent, {}).get(queue)) is not None:
            joins.append(change)
        if a is not None and (found is None or (a.call_id and not found.call_id)):
            found = a
            call = snap.calls.get(a.call_id) if a.call_id else None
    newest = max(pauses, key=lambda p: p.at, default=None)
    member = max(joins, key=lambda c: c.at, default=None)
    if found is None and member is not None:
        found = AgentLive(AgentState.UNAVAILABLE, member.at)
    if found is not None and (newest is not found.pause or member is not found.member):
        found = replace(found, pause=newest, member=member)
    return found, call, gap


def _phase(cur: PresenceView, live: AgentLive | None) -> tuple[CallPhase, str] | None:
    """The call phase the live snapshot reports for ``cur``, and its call; None: none to report.
    The agent's own dial rings and talks from 话后整理 too (``presence.dials_in_wrapup``)."""
    state = live.state if live is not None else None
    call_id = live.call_id if live is not None else None
    dialling = live is not None and presence.dials_in_wrapup(cur, call_id, live.outbound)
    if state == AgentState.RINGING and call_id and (cur.state == P.AVAILABLE or dialling):
        return CallPhase.RINGING, call_id
    if state == AgentState.TALKING and call_id and (cur.state in (P.AVAILABLE, P.RINGING) or dialling):
        return CallPhase.ANSWERED, call_id
    if cur.state in presence.ON_CALL and cur.call_id and (
            state not in (AgentState.RINGING, AgentState.TALKING) or (call_id and call_id != cur.call_id)):
        return CallPhase.ENDED, cur.call_id  # not on a call any more, or on another one
    return None


def _moves(s: Settings, cur: PresenceView, live: AgentLive | None, now: datetime) -> bool:
    return (_phase(cur, live) is not None or (cur.state == P.WRAP_UP and cur.wrapup_left_s(now) == 0)
            or (live is not None and pbx_follow.pbx_acts(s, cur, live.pause, live.member)))


def sync(s: Settings, db: Session, agent: str, live: AgentLive | None, now: datetime, *,
         ami: Ami | None = None) -> PresenceView:
    """Moves the presence after the live calls (see the module's doc); returns the presence. The
    lock (``presence.serial``: another process may hold it) is taken only when a first read says
    there is something to do — every desk stream of a panel syncs its agent at each change of
    anyone's — and the presence read again under it. :class:`PresenceBusy` when it is not had."""
    cur = presence.current(db, s, agent)
    if not _moves(s, cur, live, now):
        return cur
    with presence.serial(s, db, agent):  # what it reads stays true until it has moved it
        cur = presence.current(db, s, agent)
        if live is not None and pbx_follow.logs_out(s, cur, live.member):
            # before the calls, which would end a call the listener no longer shows (it forgets
            # a removed member) in a wrap-up whose pause finds no member to pause
            return pbx_follow.follow_pbx(s, db, cur, live.pause, now, ami=ami, member=live.member)
        phase = _phase(cur, live)
        if phase is not None:
            result = presence.on_call_event(s, db, agent, phase[0], phase[1], now, ami=ami,
                                            outbound=live is not None and live.outbound)
            if not result.ok:
                log.warning("desk %s: %s %s: %s", agent, phase[0].value, phase[1], result.message)
            return result.presence
        if cur.state == P.WRAP_UP and cur.wrapup_left_s(now) == 0:
            return presence.end_wrapup(s, db, agent, by=presence.SYSTEM, now=now, ami=ami).presence
        if live is None:
            return cur
        return pbx_follow.follow_pbx(s, db, cur, live.pause, now, ami=ami, member=live.member)


def sync_all(s: Settings, db: Session, now: datetime, *, ami: Ami | None = None) -> int:
    """:func:`sync` for every agent logged in, or with a pause or member change on the PBX;
    returns how many changed."""
    snaps = snapshots(db)
    changed = 0
    for view in presence.board(db, s):
        live, _call, _gap = agent_in(snaps, view.agent, s.queue_name)
        if view.state == P.LOGGED_OUT and (live is None or (live.pause is None and live.member is None)):
            continue  # no call moves a logged-out agent; a change on the PBX may (follow_pbx)
        try:
            after = sync(s, db, view.agent, live, now, ami=ami)
        except PresenceBusy as exc:  # another process stuck with this agent: the next tick tries again
            log.warning("desk %s: %s; left to the next tick", view.agent, exc)
            continue
        changed += (after.state, after.call_id) != (view.state, view.call_id)
    return changed
