"""``/supervisor/pbx-presence``: one local day (``?date=``, default today) of the PBX's record —
each agent's sessions (queue, 签入, 签出 or 在线, duration), pauses (reason, from–to, duration)
and totals — and each table as CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _

from hotline import pbx_presence
from hotline.desk.presence import state_of_pause
from hotline.pbx_presence import DayRecord, Span
from hotline.timeutil import iso_local, local_day, utcnow
from web.auth.access import roles
from web.context import db, settings
from web.desk.messages import state_label
from web.periods import parse_date
from web.view import Column, csv_response, export_table, hms, local_time

bp = Blueprint("pbx_presence", __name__)
CSV_TABLES = ("totals", "sessions", "pauses")


@bp.get("/supervisor/pbx-presence")
@roles("supervisor")
def index() -> Any:
    s = settings()
    day = local_day(utcnow(), s.timezone)
    raw = (request.args.get("date") or "").strip()
    if raw:
        try:
            day = parse_date("date", raw)
        except ValueError as exc:
            flash(str(exc), "error")
    table = export_table(request.args, CSV_TABLES)
    rec = pbx_presence.day_record(db(), s, day)
    sessions = [(rec, sp) for a in rec.agents for sp in a.sessions]
    pauses = [(rec, sp) for a in rec.agents for sp in a.pauses]
    if table == "totals":
        return csv_response(f"pbx-presence-{day}", total_columns(), rec.agents)
    if table == "sessions":
        return csv_response(f"pbx-sessions-{day}", session_columns(), sessions)
    if table == "pauses":
        return csv_response(f"pbx-pauses-{day}", pause_columns(), pauses)
    return render_template("pbx_presence/index.html", rec=rec, day=day, max_rows=pbx_presence.MAX_ROWS,
                           totals=rec.agents, total_columns=total_columns(),
                           sessions=sessions, session_columns=session_columns(),
                           pauses=pauses, pause_columns=pause_columns())


def _who(name: str, pool_ids: list[str]) -> str:
    """An agent as the call records name it, with the pool agent id it logged in with beside it
    (hotline.pbx_presence.Span.pool_id): ``Alice (1001)``."""
    return f"{name} ({', '.join(pool_ids)})" if pool_ids else name


def _queue(sp: Span) -> str:
    return _("Agent pool") if sp.in_pool else sp.queue


def _at(rec: DayRecord, at: datetime) -> str:
    """A time of the day as its clock time; one of another day (a session begun the evening
    before) with its date, so it is not read as today's."""
    shown_day = date.fromisoformat(local_time(at, "%Y-%m-%d"))
    return local_time(at, "%H:%M:%S" if shown_day == rec.day else "%Y-%m-%d %H:%M:%S")


def _iso(at: datetime | None) -> str:
    return iso_local(at, settings().timezone) or ""


def _r(fn: Callable[[DayRecord, Span], Any]) -> Callable[[tuple[DayRecord, Span]], Any]:
    """A column's function of a (day, span) row."""
    return lambda row: fn(*row)


def total_columns() -> list[Column]:
    """Rows are AgentDay; CSV gets whole seconds."""
    def t(key: str, label: str, attr: str) -> Column:
        return Column(key, label, lambda a: round(getattr(a, attr)), show=lambda a: hms(getattr(a, attr)))

    return [
        Column("agent", _("Agent"), lambda a: _who(a.agent, a.pool_ids)),
        Column("sessions", _("Sessions"), lambda a: len(a.sessions)),
        t("online_s", _("Online time"), "online_s"),
        Column("pauses", _("Pauses"), lambda a: len(a.pauses)),
        t("paused_s", _("Paused time"), "paused_s"),
    ]


def session_columns() -> list[Column]:
    """Rows are (DayRecord, Span)."""
    return [
        Column("agent", _("Agent"), _r(lambda rec, sp: _who(sp.agent, [sp.pool_id] if sp.pool_id else []))),
        Column("queue", _("Queue"), _r(lambda rec, sp: _queue(sp))),
        Column("login_at", _("Logged in at"), _r(lambda rec, sp: _iso(sp.start)),
               show=_r(lambda rec, sp: _at(rec, sp.start))),
        Column("logout_at", _("Logged out at"), _r(lambda rec, sp: _iso(sp.end)),
               show=_r(lambda rec, sp: _("online") if sp.end is None else _at(rec, sp.end)),
               css=_r(lambda rec, sp: "open" if sp.end is None else "")),
        Column("seconds", _("Duration in the day"), _r(lambda rec, sp: round(sp.seconds)),
               show=_r(lambda rec, sp: hms(sp.seconds))),
    ]


def _said(reason: str | None) -> str:
    """A pause reason in the page's language: the hotline's own (``wrap-up``, ``break:培训``) by the
    desk's words for its state (话后整理, 小休:培训); another system's as the PBX has it."""
    ours = state_of_pause(reason or "")
    if ours is None:
        return reason or "—"
    state, own = ours
    return f"{state_label(state)}:{own}" if own else state_label(state)


def pause_columns() -> list[Column]:
    """Rows are (DayRecord, Span)."""
    return [
        Column("agent", _("Agent"), _r(lambda rec, sp: sp.agent)),
        Column("queue", _("Queue"), _r(lambda rec, sp: _queue(sp))),
        Column("reason", _("Reason"), _r(lambda rec, sp: sp.reason or ""), show=_r(lambda rec, sp: _said(sp.reason))),
        Column("paused_at", _("From"), _r(lambda rec, sp: _iso(sp.start)), show=_r(lambda rec, sp: _at(rec, sp.start))),
        Column("unpaused_at", _("To"), _r(lambda rec, sp: _iso(sp.end)),
               show=_r(lambda rec, sp: _("still paused") if sp.end is None else _at(rec, sp.end)),
               css=_r(lambda rec, sp: "open" if sp.end is None else "")),
        Column("seconds", _("Duration in the day"), _r(lambda rec, sp: round(sp.seconds)),
               show=_r(lambda rec, sp: hms(sp.seconds))),
    ]

