"""What the agent desk shows now, and the desk's event stream (issue 13 §1–2).

The desk's state is the agent's presence (``hotline.desk.presence``: 签出 / 示闲 / 示忙 / 小休 /
话后整理, stored) over the listener's live snapshot (ringing / talking and the call, for dynamic
and static queue members alike), with the screen-pop of the call ringing or talking.

An open desk's stream also keeps its agent's presence in step with the calls at once
(``hotline.desk.live.sync``); the scheduler does the same for every agent about once a second,
so the presence moves with no desk open too."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline import live_signal
from hotline.db import log_retry
from hotline.desk import consult, controls, presence
from hotline.desk.live import agent_in, live_of, snapshots, sync
from hotline.desk.presence import PresenceView
from hotline.live_snapshot import AgentLive, CallLive, LiveSnapshot
from hotline.models import Call, LiveState
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence, AgentState
from web.desk.pop import pop

log = logging.getLogger(__name__)
HEARTBEAT_S = 15.0
MAX_STREAM_S = 3600.0  # the browser's EventSource reconnects by itself
# with a push, the stream still reads once this often: a wrap-up's end that nobody wrote (no
# scheduler running), a change the watcher missed while its connection was down
PUSH_FALLBACK_S = 1.0
P = AgentPresence


def _presence_dict(v: PresenceView) -> dict[str, Any]:
    return {"state": v.state.value, "reason": v.reason, "since": v.since.timestamp() if v.since else None,
            "call_id": v.call_id, "wrapup_until": v.wrapup_until.timestamp() if v.wrapup_until else None}


class DeskState:
    """One desk's view, the pop computed once per call (its history does not change while it rings)."""

    def __init__(self, s: Settings, agent: str):
        self.s, self.agent = s, agent
        self._pops: dict[tuple[str, str], dict[str, Any]] = {}
        self._stamps: list[Any] | None = None
        self._live: tuple[AgentLive | None, CallLive | None, bool] = (None, None, False)

    def _live_of(self, db: Session) -> tuple[AgentLive | None, CallLive | None, bool]:
        """``live_of``, read again only when a live_state row was rewritten: many desks poll often,
        the snapshot changes far less."""
        stamps = list(db.execute(select(LiveState.server, LiveState.updated_at).order_by(LiveState.server)))
        if stamps != self._stamps:
            self._live, self._stamps = live_of(db, self.agent, self.s.queue_name), stamps
        return self._live

    def _pop(self, db: Session, call_id: str, call: CallLive | None) -> dict[str, Any]:
        key = (call_id, json.dumps(call.to_dict() if call else None, sort_keys=True))
        if key not in self._pops:
            self._pops = {k: v for k, v in self._pops.items() if k[0] == call_id}
            self._pops[key] = pop(db, self.s, call_id, call)
        return self._pops[key]

    def __call__(self, db: Session, keep_step: bool = True,
                 live_now: tuple[AgentLive | None, CallLive | None, bool] | None = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        live, call, gap = self._live_of(db) if live_now is None else live_now
        view = sync(self.s, db, self.agent, live, now) if keep_step else presence.current(db, self.s, self.agent)
        on_call = live is not None and live.state in (AgentState.RINGING, AgentState.TALKING) and live.call_id
        if on_call and live is not None:
            shown = self._pop(db, str(live.call_id), call)
            if live.outbound:  # the agent's own dial (外呼 / 回拨): its party is the customer dialled
                shown = dict(shown, outbound=True)
        elif view.state == P.WRAP_UP and view.call_id:
            shown = self._wrapup_pop(db, view.call_id)
        else:
            shown = None
        return {"agent": self.agent, "presence": _presence_dict(view), "gap": gap,
                # held_since: the PBX's word (Hold/Unhold on the agent's channel), so a reload, a second
                # tab and a desk phone's hold key show the same 保持中; consulting: a 咨询转接 of the
                # call under way, begun on this desk or the phone (*2): desk.js offers 完成转接 / 取消咨询
                "live": None if live is None else {"state": live.state.value, "since": live.since,
                                                   "call_id": live.call_id, "held_since": live.held_since,
                                                   "outbound": live.outbound,
                                                   "consulting": consult.under_way(live),
                                                   # 咨询中 (来自 …): another agent consults this one
                                                   "consulted_by": controls.consulted_by(live, live.call_id)},
                "pop": shown}

    def _wrapup_pop(self, db: Session, call_id: str) -> dict[str, Any]:
        """话后整理's pop: the call just ended, its caller and its IVR path (menu, fault report, VIP)
        from the call's record (the live snapshot forgot them at the hang-up), so a desk opened or
        reloaded during the wrap-up still shows whom to record a case for, about what, and whom
        to call back — until 6 December it showed nothing, then the caller without the IVR's facts.
        The record is built once the caller hangs up: a caller sent to the survey (转满意度) is still
        on the line through the whole wrap-up, so the live snapshot still has the call's facts;
        between a hang-up and its record, the pop this desk showed during the call stands. Until
        7 December both showed an empty 已结束 pop, the number the agent records a case for gone."""
        rec = db.execute(select(Call.caller_number, Call.caller_name, Call.vars).where(
            Call.server == self.s.server_id, Call.call_id == call_id)).first()
        if rec is not None:
            caller: CallLive | None = CallLive(
                caller_number=rec[0], caller_name=rec[1],
                vars={str(k): str(v) for k, v in (rec[2] or {}).items() if v is not None})
        else:
            caller = next((snap.calls[call_id] for snap in snapshots(db) if call_id in snap.calls), None)
            seen = [p for k, p in self._pops.items() if k[0] == call_id and p.get("number")]
            if caller is None and seen:
                return dict(seen[-1], ended=True)
        return dict(self._pop(db, call_id, caller), ended=True)


    def step(self, db: Session, live_now: tuple[AgentLive | None, CallLive | None, bool] | None = None) -> None:
        """The stored presence follows the call (``hotline.desk.live.sync``): a write, so with a
        push it comes after the event went out — the pop never waits for the database's write
        lock; the presence row it adds wakes the stream again."""
        live, _call, _gap = self._live_of(db) if live_now is None else live_now
        sync(self.s, db, self.agent, live, datetime.now(UTC))


def stream(Session: sessionmaker[Session], s: Settings, agent: str, allowed: Callable[[Session], bool],
           poll: float | None = None) -> Iterator[str]:
    """The desk's server-sent events: the state whenever it changed — read when the process's
    ``live_signal`` watcher reports a change of the live snapshot or a presence (else every
    ``poll``); the user rechecked every ``wallboard_user_check_s`` (disabled, logged out, no
    longer this agent: the stream ends)."""
    with live_signal.subscribed(s) as watcher:  # one per process: the stream wakes on a change
        yield from _events(Session, s, agent, allowed, s.wallboard_poll_s if poll is None else poll, watcher)


class _Snapshots:
    """The live snapshots read and parsed once per change for every desk stream of this process:
    one change wakes them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: str | None = None
        self._snaps: list[LiveSnapshot] = []

    def get(self, db: Session, key: str | None) -> list[LiveSnapshot]:
        """The snapshots whose stamps the watcher reported as ``key`` (None: read them again)."""
        with self._lock:
            if key is None or key != self._key:
                self._snaps, self._key = snapshots(db), key
            return self._snaps


SHARED = _Snapshots()


def _concern(live: tuple[AgentLive | None, CallLive | None, bool]) -> tuple[Any, ...]:
    a, c, gap = live
    return (a.to_dict() if a else None, c.to_dict() if c else None, gap)


def _events(Session: sessionmaker[Session], s: Settings, agent: str, allowed: Callable[[Session], bool],
            poll: float, watcher: live_signal.LiveWatcher | None) -> Iterator[str]:
    seen = watcher.seq if watcher is not None else 0
    state = DeskState(s, agent)
    started = last_push = checked = time.monotonic()
    read_at = 0.0
    read_for: tuple[Any, ...] | None = None  # what this agent's last read saw: skip a wake-up that changes nothing here
    last: dict[str, Any] | None = None
    yield "retry: 1000\n\n"
    while time.monotonic() - started < MAX_STREAM_S:
        now = time.monotonic()
        live_now = None
        if watcher is not None:
            with Session() as db:
                live_now = agent_in(SHARED.get(db, watcher.live_key), agent, s.queue_name)
            concern = (_concern(live_now), watcher.presence_mark(agent))
            if (concern == read_for and now - read_at < PUSH_FALLBACK_S
                    and now - checked < s.wallboard_user_check_s):
                seen = watcher.wait(seen, PUSH_FALLBACK_S - (now - read_at))
                continue  # another agent's change
            read_for = concern
        read_at = now
        with Session() as db:
            if now - checked >= s.wallboard_user_check_s:
                if not allowed(db):
                    return
                checked = now
            snap: dict[str, Any] | None
            try:
                snap = state(db, keep_step=watcher is None, live_now=live_now)
            except Exception as exc:  # one bad poll (a locked database) must not end the desk
                log_retry(log, f"desk state of {agent}", exc, "read again at the next poll")
                db.rollback()
                snap = last
        if snap is not None and snap != last:
            last = snap
            yield f"data: {json.dumps(dict(snap, now=time.time()), ensure_ascii=False)}\n\n"
            last_push = now
        elif now - last_push >= HEARTBEAT_S:
            yield ": keepalive\n\n"
            last_push = now
        if watcher is not None:
            _step(Session, state, agent, live_now)
        seen = live_signal.wait_for_change(watcher, seen, poll, PUSH_FALLBACK_S)


def _step(Session: sessionmaker[Session], state: DeskState, agent: str,
          live_now: tuple[AgentLive | None, CallLive | None, bool] | None) -> None:
    with Session() as db:
        try:
            state.step(db, live_now)
        except Exception as exc:  # a locked database: the next read tries again, the scheduler too
            log_retry(log, f"desk presence step of {agent}", exc, "tried again at the next read")
            db.rollback()
