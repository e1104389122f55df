"""The desk follows a pause made on the PBX — a desk phone's pause key (``*46``), another CTI's
``QueuePause``, an operator's ``autopause`` — and a member added to or removed from the desk's
queue there — an operator's ``queue add`` / ``queue remove member``, another CTI's ``QueueAdd`` /
``QueueRemove`` — by ``presence.PBX``, with no AMI action (the PBX is in that state already).
``hotline.desk.live.sync`` (the scheduler's tick) runs it under the agent's lock
(``presence.serial``)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.desk import members
from hotline.desk.presence import PAUSED, PBX, REASON_MAX, P, PresenceView, ours, record, with_ami
from hotline.live_snapshot import MemberChange, PauseChange
from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings
from hotline.timeutil import from_epoch, to_epoch
from hotline.vocabulary import AgentPresence

log = logging.getLogger(__name__)
# A PBX pause change is followed only when it is this much newer than the stored row: the PBX
# stamps its events with its own clock, this host the row with its own (hosts' clocks differ),
# and a change we make ourselves is stamped by the PBX just after the row that records it
# (``presence._record_then_apply``). A change within the margin of a row made here is not followed (it
# reads as the same moment); a row followed from the PBX is stamped with the PBX's clock, so no
# margin applies after it (a phone's key pressed twice in a second is followed twice).
PBX_MARGIN_S = 1.0


def _newer(change: PauseChange | MemberChange, cur: PresenceView) -> bool:
    """The PBX's change came after the stored row (see ``PBX_MARGIN_S``)."""
    if cur.since is None:
        return False
    return change.at - (to_epoch(cur.since) or 0.0) > (0.0 if cur.by == PBX else PBX_MARGIN_S)


def _paused_as(reason: str, break_reasons: list[str]) -> tuple[AgentPresence, str | None]:
    """The presence of a member the PBX paused with ``reason``: 小休 with it if it is one of
    ``break_reasons``, else 示忙 keeping its text."""
    if reason in break_reasons:
        return P.BREAK, reason
    return P.BUSY, reason[:REASON_MAX] or None


def pbx_follows(cur: PresenceView, change: PauseChange | None,
                break_reasons: list[str]) -> tuple[AgentPresence, str | None] | None:
    """The presence the PBX's last pause change moves ``cur`` to, or None: the one home of the
    rule. Followed: a change newer than the stored row by more than ``PBX_MARGIN_S``, not ours
    (``ours``), that contradicts it — paused while 示闲 (小休 with that reason if it is one of
    ``break_reasons``, else 示忙 keeping its text), unpaused while 示忙 / 小休 / 话后整理 (示闲).
    Not followed: ringing and talking (the calls own them), 下线 (the login owns it)."""
    if change is None or not _newer(change, cur):
        return None
    if change.paused and not ours(change.reason) and cur.state == P.AVAILABLE:
        return _paused_as(change.reason, break_reasons)
    if not change.paused and cur.state in PAUSED:
        return P.AVAILABLE, None
    return None


def member_follows(cur: PresenceView, change: MemberChange | None,
                   break_reasons: list[str]) -> tuple[AgentPresence, str | None] | None:
    """The presence the PBX's last add / remove of the agent's member in the desk's queue moves
    ``cur`` to, or None: the one home of the rule. Followed, when newer than the stored row as
    a pause (``PBX_MARGIN_S``): removed while logged in, ringing and talking included (the queue
    rings the agent no more; the call goes on, and the wrap-up's pause would find no member to
    pause) → 下线; added while 下线 → 示闲, or, added paused, what a pause while 示闲 makes of its
    reason (``_paused_as``: our own texts too — the queue does not ring the member either way).
    The desk's own log-in / log-out stores its row first (``_record_then_apply``): its add or
    remove agrees with the row, and is not followed."""
    if change is None or not _newer(change, cur):
        return None
    if not change.added and cur.state != P.LOGGED_OUT:
        return P.LOGGED_OUT, None
    if change.added and cur.state == P.LOGGED_OUT:
        return _paused_as(change.reason, break_reasons) if change.paused else (P.AVAILABLE, None)
    return None


def follow_pbx(s: Settings, db: Session, cur: PresenceView, change: PauseChange | None, now: datetime, *,
               ami: Ami | None = None, member: MemberChange | None = None) -> PresenceView:
    """The presence after a pause (``pbx_follows``) and a log-in / log-out (``member_follows``)
    made on the PBX, the older first: each recorded by ``PBX`` from its time, with no AMI action
    (the PBX is in that state already). ``cur``: the agent's presence, as just read
    (``current``)."""
    if member is not None and (change is None or member.at <= change.at):
        cur = _follow_member(s, db, cur, member, now)
        member = None
    if change is not None:
        to = pbx_follows(cur, change, s.desk_break_reasons)
        if to is not None:
            cur = record(db, s, cur.agent, to[0], min(from_epoch(change.at), now), by=PBX, reason=to[1])
        elif _unpaused_while_out(cur, change) and member_follows(cur, member, s.desk_break_reasons) is None:
            _keep_logged_out(s, cur, ami)
    return cur if member is None else _follow_member(s, db, cur, member, now)


def _follow_member(s: Settings, db: Session, cur: PresenceView, member: MemberChange, now: datetime) -> PresenceView:
    to = member_follows(cur, member, s.desk_break_reasons)
    if to is None:
        return cur
    return record(db, s, cur.agent, to[0], min(from_epoch(member.at), now), by=PBX, reason=to[1])


def pbx_acts(s: Settings, cur: PresenceView, change: PauseChange | None, member: MemberChange | None = None) -> bool:
    """``follow_pbx`` would store a change or act on the PBX (``live.sync`` asks before it locks)."""
    return ((change is not None and (pbx_follows(cur, change, s.desk_break_reasons) is not None
                                    or _unpaused_while_out(cur, change)))
            or member_follows(cur, member, s.desk_break_reasons) is not None)


def logs_out(s: Settings, cur: PresenceView, member: MemberChange | None) -> bool:
    """The PBX's last add / remove logs the agent out (``member_follows``)."""
    return member_follows(cur, member, s.desk_break_reasons) == (P.LOGGED_OUT, None)


def _unpaused_while_out(cur: PresenceView, change: PauseChange) -> bool:
    return cur.state == P.LOGGED_OUT and not change.paused and _newer(change, cur)


def _keep_logged_out(s: Settings, cur: PresenceView, ami: Ami | None) -> None:
    """A static member unpaused on the PBX while its agent is 下线 (签出 could only pause it) is
    paused back, so the queue does not ring an agent who logged out. A log-in at the desk stores
    its row before it unpauses the member (``_record_then_apply``): its unpause is never read
    against 下线."""
    try:
        with_ami(s, ami, lambda a: members.pause(a, s, cur.agent, True, members.LOGGED_OUT_REASON))
    except AmiError as e:  # no such member (a dynamic one left the queue): nothing rings it
        log.warning("desk %s: logged out, unpaused on the PBX; pausing it back failed: %s", cur.agent, e)
