"""Puts the desk's stored presence back on a PBX that lost it (issue 13 §1): the scheduler runs
:func:`reapply` each time its desk AMI session opens — at start, and at the first tick after the
PBX is back (``scheduler.daemon``)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from hotline.desk import members
from hotline.desk.live import agent_in, snapshots
from hotline.desk.pbx_follow import follow_pbx
from hotline.desk.presence import PAUSED, P, PresenceView, current, pause_reason, serial, with_ami
from hotline.desk.presence_lock import PresenceBusy
from hotline.pbx.ami import Ami
from hotline.settings import Settings
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)


def reapply(s: Settings, db: Session, *, ami: Ami | None = None) -> list[str]:
    """Puts the stored presence back on the queue (a PBX that lost its dynamic members, e.g. its
    astdb): adds the logged-in agents it lacks and sets each member's pause. An agent who logged
    out (签出, stored) leaves the queue again if the PBX has it as a dynamic member (kept from
    before, or added while no listener watched: it would ring an agent the desk shows 下线, and no
    pop would follow) — an add or a removal the listener saw happen is the operator's act, and is
    followed first (``follow_pbx``: the tick may not have run since, e.g. the scheduler was down);
    a static member cannot leave and is paused again, as ``members.remove`` left it:
    persistentmembers keeps dynamic members only, so Asterisk 16.28 restarted (``core restart
    now`` or a new process) brings static ones back unpaused, as queues.conf says, and the queue
    would ring an agent who logged out. An agent who never used the desk (no row) is left as the
    operator's queues.conf has it. Returns the agents it changed something for."""
    changed: list[str] = []

    def work(a: Ami) -> None:
        live = members.status(a, s)
        snaps = snapshots(db)
        for agent in s.agents:
            seen, _call, _gap = agent_in(snaps, agent, s.queue_name)
            try:
                # each agent under its lock, read again under it: a change the panel makes
                # meanwhile is on the PBX before this looks, or waits for this to be done
                with serial(s, db, agent):
                    view = current(db, s, agent)
                    if seen is not None and seen.member is not None:
                        view = follow_pbx(s, db, view, None, utcnow(), member=seen.member)
                    if _put_back(a, s, view, live.get(agent)):
                        changed.append(agent)
            except PresenceBusy as exc:  # its holder puts its own change on the PBX
                log.warning("desk %s: %s; not put back", agent, exc)

    with_ami(s, ami, work)
    return changed


def _put_back(a: Ami, s: Settings, view: PresenceView, m: members.MemberStatus | None) -> bool:
    """One agent's stored presence put back on its member ``m`` (None: not in the queue), as
    :func:`reapply` says; whether anything changed. ``m`` was read before the lock: what it
    does moves the member towards the presence read under it, so a stale ``m`` costs an action
    the PBX takes as a no-op ("already there", "not there", paused again)."""
    want_paused = view.state in PAUSED
    if view.state == P.LOGGED_OUT:
        if view.since is None or m is None or (m.paused and not m.dynamic):
            return False  # never at the desk (queues.conf's say), or out of the queue already
        # a dynamic member the PBX kept or gained while the desk said 下线 leaves; a static one
        # cannot, it is paused
        members.remove(a, s, view.agent)
        return True
    if m is None:
        members.add(a, s, view.agent)
    if m is None or m.paused != want_paused:
        members.pause(a, s, view.agent, want_paused, pause_reason(view.state, view.reason) if want_paused else "")
        return True
    return False
