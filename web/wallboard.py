"""The live wallboard: calls waiting, longest wait, agents ringing / talking / paused, today's SL,
the escalations supervisors have not acknowledged (R-OVERDUE, R-COMPLAINT) and the alerts
(监控告警, ``hotline.live_alerts``: judged once per change for every stream, with today's SL).

The listener keeps ``live_state`` current (one row per Asterisk server). The SSE stream reads it
when the process's ``hotline.live_signal`` watcher reports a change (at least every second; every
``wallboard_poll_s`` with no watcher) and pushes a snapshot whenever it changed, so a change
reaches the browser well under 1 s. The stream uses its own
short database sessions (the request's session ends when the view returns), and rechecks its
user every ``wallboard_user_check_s``: a user disabled, logged out or no longer a supervisor sees
the stream end (the browser's reconnect then meets the login).

From the agent list a supervisor can 监听 / 耳语 / 强插 / 强拆 an agent's live call (issue 13 §4,
``hotline.desk.monitor``): the supervisor's own endpoint rings — ``PJSIP/<ext>`` of the extension on
their user record, else ``settings.desk_supervisor_endpoint`` — and every use is audited and shown on
the call's page (R-PRIVACY). It can also set an agent's presence (示忙 / 小休 with a reason / 签出 /
示闲, ``hotline.desk.presence.force``): stored with ``forced`` and the supervisor as ``by``."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline import live_signal, metrics, sl_alert_since
from hotline.chanvars import ChanVar
from hotline.desk import presence
from hotline.desk.monitor import MonitorMode, monitor
from hotline.field import overdue_orders
from hotline.field.standing import urged
from hotline.live_alerts import TEXTS, AgentOnFloor, Floor, QueueOnFloor, alerts
from hotline.live_snapshot import LiveSnapshot
from hotline.metrics.values import Ratio
from hotline.models import LiveState
from hotline.models.desk import PresenceChange
from hotline.privacy import mask_number
from hotline.settings import Settings
from hotline.timeutil import iso_local, to_epoch, utcnow
from hotline.vocabulary import AgentPresence, AgentState
from web.auth.access import roles, user_of_session
from web.complaints import wallboard_escalations
from web.context import db, session_factory, settings
from web.desk.messages import (
    FORCED_STATES,
    MONITOR_MODES,
    control_message,
    control_name,
    forced_presence_message,
    state_label,
)
from web.i18n import SUBJECTS
from web.refusal import BAD_INPUT, CONFLICT, control_answer, presence_answer, refuse
from web.softphone import has_phone

bp = Blueprint("wallboard", __name__)
HEARTBEAT_S = 15.0
MAX_STREAM_S = 3600.0  # the browser's EventSource reconnects by itself
# today's SL and the overdue work orders are recomputed at least this often (an order goes overdue
# when the clock passes its fix-by, with no row written), and after a live change at most every
# SL_MIN_S, once for every wallboard stream of the process (_SlowPart)
SL_REFRESH_S = 10.0
SL_MIN_S = 2.0
PUSH_FALLBACK_S = 1.0  # with a push, still read this often (SL, escalations: nobody signals those)
QUEUE_SHOWN = 20  # the waiting callers listed; the tile counts them all


def live(db: Session) -> dict[str, Any]:
    """The live part of the snapshot, merged over every server's live_state row."""
    return read_live(db)[0]


def read_live(db: Session) -> tuple[dict[str, Any], Floor]:
    """The live part of the snapshot and the floor the alerts are judged on (every waiting caller
    of each queue, each agent with its desk presence), from the same read."""
    waiting = 0
    oldest: float | None = None
    counts = {state.value: 0 for state in AgentState}
    agents: list[dict[str, Any]] = []
    gap = False
    stamps = []
    queue: list[dict[str, Any]] = []
    by_queue: dict[str, list[float | None]] = {}  # a queue of the same name on two servers is one
    for row in db.scalars(select(LiveState).order_by(LiveState.server)):
        snap = LiveSnapshot.from_dict(row.data)
        stamps.append([row.server, row.updated_at.isoformat() if row.updated_at else None])
        gap = gap or snap.gap
        for name, callers in snap.queues.items():
            waiting += len(callers)
            by_queue.setdefault(name, []).extend(w.since for w in callers)
            for w in callers:
                if w.since is not None and (oldest is None or w.since < oldest):
                    oldest = w.since
                facts = snap.calls.get(w.call_id or "")
                queue.append({"since": w.since, "number": mask_number(w.caller_number),
                              "vip": bool(facts and facts.vars.get(ChanVar.VIP.value) == "1")})
        for ext, a in sorted(snap.agents.items()):
            counts[a.state] += 1
            agents.append({"server": row.server, "agent": ext, "state": a.state.value, "since": a.since,
                           "call_id": a.call_id, "internal": a.internal, "held_since": a.held_since,
                           "outbound": a.outbound})
    chosen = _presences(db, [str(server) for server, _at in stamps])
    for agent in agents:
        agent["presence"], agent["reason"], agent["presence_since"], agent["wrapup_until"] = chosen.get(
            (agent["server"], agent["agent"]), (None, None, None, None))
    # who waits, longest first (a shared screen: the number masked, no caller name), so a supervisor
    # sees the VIP and the long waits behind the count and calls agents back from a break
    queue.sort(key=lambda w: w["since"] if w["since"] is not None else float("inf"))
    return ({"waiting": waiting, "oldest_since": oldest, "counts": counts, "agents": agents, "gap": gap,
             "stamps": stamps, "escalations": wallboard_escalations(db), "queue": queue[:QUEUE_SHOWN]},
            _floor(by_queue, agents))


def _floor(by_queue: dict[str, list[float | None]], agents: list[dict[str, Any]]) -> Floor:
    return Floor(tuple(QueueOnFloor(name, tuple(w)) for name, w in sorted(by_queue.items())),
                 tuple(AgentOnFloor(a["server"], a["agent"], AgentState(a["state"]), a["held_since"],
                                    AgentPresence(a["presence"]) if a["presence"] in _PRESENCES else None,
                                    a["reason"], a["presence_since"], a["wrapup_until"]) for a in agents))


_PRESENCES = frozenset(p.value for p in AgentPresence)


Presence = tuple[str | None, str | None, float | None, float | None]  # state, reason, since, wrap-up's end


def _presences(db: Session, servers: list[str]) -> dict[tuple[str, str], Presence]:
    """Each agent's current presence, reason, since when and the end of a 话后整理
    (``hotline.desk.presence``), one indexed read of the open rows: the queue only says "paused",
    which is 示忙, 小休 (用餐 …) or 话后整理 at the desk, and the supervisor who forced a break should
    see that break (and the alerts how long it has lasted)."""
    if not servers:
        return {}
    rows = db.execute(select(PresenceChange.server, PresenceChange.agent, PresenceChange.state, PresenceChange.reason,
                             PresenceChange.started_at, PresenceChange.wrapup_until)
                      .where(PresenceChange.server.in_(servers), PresenceChange.ended_at.is_(None))
                      .order_by(PresenceChange.started_at, PresenceChange.id))
    return {(server, agent): (state, reason, to_epoch(started), to_epoch(until))
            for server, agent, state, reason, started, until in rows}  # the newest wins


def today_sl(db: Session, s: Settings) -> dict[str, Any]:
    start, end = metrics.period("day", s)
    sl = metrics.service_level(db, s, start, end)
    return {"num": sl.num, "den": sl.den, "pct": sl.pct, "n": s.service_level_s}


def overdue_work_orders(db: Session, s: Settings) -> list[dict[str, Any]]:
    """R-OVERDUE: open work orders past their fix-by, for a shared screen — ticket, district,
    technician, fix-by and the customer's urges (客户催单 ×count, last time: R-ONE-CALL, as
    /field/orders shows them; one query for the list), no customer number."""
    orders = overdue_orders(db, utcnow())
    urges = urged(db, (o.id for o in orders))

    def when(at: datetime) -> str:
        return (iso_local(at, s.timezone) or "")[5:16].replace("T", " ")  # MM-DD HH:MM

    return [{"id": o.id, "ticket": o.ticket or str(o.id), "district": o.district or "",
             "technician": o.technician or "", "fix_by": when(o.fix_by),
             "urged": {"count": u.count, "last_at": when(u.last_at)} if (u := urges.get(o.id)) else None}
            for o in orders]


class _SlowPart:
    """Today's SL and the overdue work orders, read once for every wallboard stream (and snapshot)
    of this process: when older than SL_REFRESH_S, or SL_MIN_S after the live snapshot changed.
    #17: each stream read them itself on every live change — the whole supervisor page's figures
    of today, whose running hour is computed live — so the panel's work and its transient memory
    grew with the hour's traffic times the open wallboards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = 0.0
        self._live: dict[str, Any] | None = None  # the live snapshot last seen by any stream
        self._dirty = False  # it changed since the value was read
        # 监控告警: judged once for every stream on the floor last seen, again when the floor, today's
        # SL or the settings change, or when a running clock (a caller's wait, a break) reaches a limit
        self._judged: tuple[Floor, dict[str, Any], Settings] | None = None
        self._alerts: list[dict[str, Any]] = []
        self._next_at: float | None = None
        # the SL alert's since this process last judged with; the stored one is every process's
        # (hotline.sl_alert_since): read at each judgement and each refresh of today's SL
        self._sl_since: float | None = None

    def get(self, Session: sessionmaker[Session], s: Settings, live_now: dict[str, Any],
            floor: Floor) -> dict[str, Any]:
        """Today's SL, the overdue orders and the alerts on the ``floor``."""
        with self._lock:  # one reader computes, the others wait for its value
            if live_now != self._live:
                self._live, self._dirty = live_now, True
            age = time.monotonic() - self._at
            refresh = self._value is None or age >= SL_REFRESH_S or (self._dirty and age >= SL_MIN_S)
            now = time.time()
            if refresh or self._due(floor, s, now):
                with Session() as db:
                    if refresh:
                        self._dirty = False
                        self._value = {"sl": today_sl(db, s), "overdue_orders": overdue_work_orders(db, s)}
                        self._at = time.monotonic()
                    stored = sl_alert_since.read(db, s, now)
                    # a refresh judges again when another process (or midnight) changed the stored since
                    if stored != self._sl_since or self._due(floor, s, now):
                        self._judge(db, floor, s, now, stored)
            assert self._value is not None
            return dict(self._value, alerts=self._alerts)

    def _due(self, floor: Floor, s: Settings, now: float) -> bool:
        judged = self._judged
        return (judged is None or self._value is None or judged[0] != floor or judged[1] != self._value["sl"]
                or judged[2] is not s or (self._next_at is not None and now >= self._next_at))

    def _judge(self, db: Session, floor: Floor, s: Settings, now: float, stored: float | None) -> None:
        assert self._value is not None
        sl = self._value["sl"]
        ratio = Ratio(sl["num"], sl["den"])
        found = alerts(floor, ratio, now, s, stored)
        if found.sl_under_since != stored:  # the SL alert began or ended: stored for every process
            kept = sl_alert_since.keep(db, s, now, found.sl_under_since)
            if kept != found.sl_under_since:  # another process stored its since first: that one stands
                found = alerts(floor, ratio, now, s, kept)
        self._judged, self._next_at, self._sl_since = (floor, sl, s), found.next_at, found.sl_under_since
        self._alerts = [a.to_dict() for a in found.items]


_slow_parts: weakref.WeakKeyDictionary[sessionmaker[Session], _SlowPart] = weakref.WeakKeyDictionary()
_slow_lock = threading.Lock()


def slow_part(Session: sessionmaker[Session]) -> _SlowPart:
    """The shared slow part of the app whose session factory is ``Session`` (one per database)."""
    with _slow_lock:
        part = _slow_parts.get(Session)
        if part is None:
            part = _slow_parts[Session] = _SlowPart()
        return part


def stream(Session: sessionmaker[Session], s: Settings, poll: float | None = None,
           allowed: Callable[[Session], bool] | None = None) -> Iterator[str]:
    """The event stream; ``allowed(db)`` says whether its user may still watch (checked at every
    ``wallboard_user_check_s``)."""
    with live_signal.subscribed(s) as watcher:  # wakes on a change of live_state or a presence
        yield from _events(Session, s, s.wallboard_poll_s if poll is None else poll, allowed, watcher)


def _events(Session: sessionmaker[Session], s: Settings, poll: float, allowed: Callable[[Session], bool] | None,
            watcher: live_signal.LiveWatcher | None) -> Iterator[str]:
    seen = watcher.seq if watcher is not None else 0
    started = last_push = checked = time.monotonic()
    last_live: dict[str, Any] | None = None
    sl: dict[str, Any] | None = None  # the slow part: today's SL, the overdue orders and the alerts
    shared = slow_part(Session)
    yield "retry: 1000\n\n"
    while time.monotonic() - started < MAX_STREAM_S:
        with Session() as db:
            now = time.monotonic()
            if allowed is not None and now - checked >= s.wallboard_user_check_s:
                if not allowed(db):
                    return
                checked = now
            snap, floor = read_live(db)
        changed = snap != last_live
        new_sl = shared.get(Session, s, snap, floor)
        changed = changed or new_sl != sl
        sl = new_sl
        if changed:
            last_live = snap
            payload = dict(snap, **(sl or {}), now=time.time())
            yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
            last_push = now
        elif now - last_push >= HEARTBEAT_S:
            yield ": keepalive\n\n"
            last_push = now
        seen = live_signal.wait_for_change(watcher, seen, poll, PUSH_FALLBACK_S)


@bp.get("/wallboard")
@roles("supervisor")
def board() -> Any:
    # R-OVERDUE: work orders past their fix-by as of the page load; the stream keeps the list current
    return render_template("wallboard/board.html", overdue=overdue_work_orders(db(), settings()),
                           reasons=settings().desk_break_reasons, softphone=has_phone(),
                           alert_texts={kind.value: _(text) for kind, text in TEXTS.items()},
                           subjects={kind: _(word) for kind, word in SUBJECTS.items()},
                           # a list: tojson would sort a mapping's keys (强插 / 强拆 first)
                           modes=[[m, control_name(m)] for m in MONITOR_MODES],
                           forced_states={str(st): state_label(st) for st in FORCED_STATES})


@bp.get("/wallboard/stream")
@roles("supervisor")
def events() -> Response:
    session_id = current_user.get_id()

    def allowed(db: Session) -> bool:
        user = user_of_session(db, session_id)
        return user is not None and user.has("supervisor")

    resp = Response(stream(session_factory(), settings(), allowed=allowed), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


@bp.get("/wallboard/snapshot")
@roles("supervisor")
def snapshot() -> Any:
    s = settings()
    Session = session_factory()
    with Session() as db:
        snap, floor = read_live(db)
    return dict(snap, **slow_part(Session).get(Session, s, snap, floor), now=time.time())


def supervisor_endpoint(s: Settings, ext: str | None) -> str | None:
    """What rings for this supervisor: their own phone, else the configured endpoint."""
    if ext:
        return f"PJSIP/{ext}"
    return s.desk_supervisor_endpoint or None


@bp.post("/wallboard/monitor")
@roles("supervisor")
def monitor_call() -> Any:
    """监听 / 耳语 / 强插 / 强拆 of one agent's live call: the answer is the control's message."""
    s, f = settings(), request.form
    try:
        mode = MonitorMode(f.get("mode") or "")
    except ValueError:
        wanted = (f.get("mode") or "")[:40]
        return refuse(BAD_INPUT, "unknown_mode", _("Unknown mode: %(mode)s", mode=wanted), what=wanted)
    agent, call_id = f.get("agent") or "", f.get("call_id") or ""
    if agent not in s.agents or not call_id:
        return refuse(BAD_INPUT, "no_call", _("No live call of an agent of this hotline given."), what=mode.value,
                      call_id=call_id[:64], detail=f"agent {agent[:40]!r}")
    endpoint = supervisor_endpoint(s, current_user.agent)
    if endpoint is None and mode != MonitorMode.FORCE_HANGUP:
        # the setting is the admin's word (hotline.toml), not the supervisor's: the log names it
        return refuse(CONFLICT, "no_phone", _("No phone to ring: ask an administrator to give your user an "
                                              "extension."), what=mode.value, call_id=call_id[:64],
                      detail="no extension on the user, no desk_supervisor_endpoint")
    r = monitor(s, db(), current_user.username, agent, call_id, mode, endpoint or "")
    return control_answer(r, control_message(r))


@bp.post("/wallboard/presence")
@roles("supervisor")
def force_presence() -> Any:
    """A supervisor sets an agent's state (issue 13 §1): audited as forced, by this supervisor."""
    s, f = settings(), request.form
    agent, reason, wanted = f.get("agent") or "", f.get("reason") or None, f.get("state") or ""
    if wanted not in presence.CHOSEN:  # not a call phase: those follow the calls (StrEnum == its string)
        return refuse(BAD_INPUT, "unknown_state", _("Unknown state: %(state)s", state=wanted[:40]), what=wanted[:40])
    if agent not in s.agents:
        return refuse(BAD_INPUT, "not_an_agent", _("%(agent)s is not an agent of this hotline.", agent=agent[:40]),
                      what=wanted, detail=f"agent {agent[:40]!r}")
    r = presence.force(s, db(), current_user.username, agent, AgentPresence(wanted), reason)
    return presence_answer(r.ok, r.reason, forced_presence_message(r, s.desk_break_reasons), r.message,
                           r.presence.state.value, what=f"{wanted} of {agent}")
