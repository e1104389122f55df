"""Call search and visibility: the same filters for the search page, the agent's own calls,
CSV export and the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import Session

from hotline.metrics import current_grades, local_day_start
from hotline.metrics.queries import agent_hung_up_first
from hotline.models import Call, QaGrade
from hotline.models.calls import flagged_malicious
from hotline.qa_sheet import Band, Sheet
from hotline.settings import Settings
from hotline.timeutil import iso_local
from hotline.vocabulary import Disposition, Role
from web import filters
from web.i18n import lang
from web.periods import parse_date
from web.view import VISIBLE_DIGITS, masked_numbers, number_for

DISPOSITIONS = tuple(d.value for d in Disposition if d is not Disposition.UNKNOWN)  # what a search may ask for
PAGE_SIZE = 50


@dataclass
class CallFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    agent: str | None = None
    server: str | None = None  # one Asterisk of several (calls are keyed by server and Linkedid)
    number: str | None = None
    disposition: str | None = None
    late: bool = False  # answered past 4 rings (R-ANS-4RINGS)
    hangup_first: bool = False  # agent hung up first (R-ANS-HANGUP-LAST)
    malicious: bool = False  # flagged 恶意骚扰 by the agent (R-ANS-HANGUP-LAST's exception), for review
    recording: bool = False
    qa: str | None = None  # graded | ungraded
    qa_band: Band | None = None  # the current grade's score in this band of the score sheet (R-QA)
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str], sheet: Sheet | None = None) -> CallFilter:
        """The filter of a query's arguments; ``qa_band`` is one of ``sheet``'s bands."""
        f = cls()
        for name in ("date_from", "date_to"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, parse_date(name, raw))
                except ValueError as exc:
                    f.errors.append(str(exc))
        f.agent = (args.get("agent") or "").strip()[:64] or None
        f.server = (args.get("server") or "").strip()[:64] or None
        raw_number = (args.get("number") or "").strip()
        number = "".join(ch for ch in raw_number if ch.isdigit() or ch == "+")[:32]
        if raw_number and not number:
            f.errors.append(filters.not_digits("number", raw_number))
        f.number = number or None
        disp = (args.get("disposition") or "").strip()
        if disp and disp not in DISPOSITIONS:
            f.errors.append(filters.not_one_of("disposition", disp, list(DISPOSITIONS)))
        f.disposition = disp if disp in DISPOSITIONS else None
        f.late = args.get("late") in ("1", "on", "true")
        f.hangup_first = args.get("hangup_first") in ("1", "on", "true")
        f.malicious = args.get("malicious") in ("1", "on", "true")
        f.recording = args.get("recording") in ("1", "on", "true")
        qa = (args.get("qa") or "").strip()
        f.qa = qa if qa in ("graded", "ungraded") else None
        if qa and f.qa is None:  # as the select names them
            f.errors.append(filters.not_one_of("qa", qa, {"graded": _("graded"), "ungraded": _("not graded")}))
        band = (args.get("qa_band") or "").strip()
        if band:
            f.qa_band = sheet.band(band) if sheet else None
            if f.qa_band is None:
                bands = {b.key: b.label(lang()) for b in sheet.bands} if sheet else {}
                f.errors.append(filters.not_one_of("qa_band", band, bands))
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.errors.append(filters.backwards(f.date_from, f.date_to))
        try:
            f.page = max(1, min(int(args.get("page") or 1), 100000))
        except ValueError:
            f.page = 1
        return f

    def args(self) -> dict[str, str]:
        """Back to query arguments (for links to other pages of the same search)."""
        out: dict[str, str] = {}
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        for k in ("agent", "server", "number", "disposition", "qa"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        if self.qa_band:
            out["qa_band"] = self.qa_band.key
        for k in ("late", "hangup_first", "malicious", "recording"):
            if getattr(self, k):
                out[k] = "1"
        return out


def own_calls(agent: str | None) -> Any:
    """R-PRIVACY: the calls an agent may see — those they answered or ended up with."""
    if not agent:
        return Call.id.is_(None)  # an agent user without extension sees nothing
    return or_(Call.agent == agent, Call.final_agent == agent)


def visible(user: Any) -> Any:
    return own_calls(user.agent) if user.role == Role.AGENT else Call.id.isnot(None)


def search_query(s: Settings, f: CallFilter, user: Any) -> Select[Any]:
    q = select(Call).where(visible(user))
    if f.date_from:
        q = q.where(Call.started_at >= local_day_start(f.date_from, s.timezone))
    if f.date_to:
        q = q.where(Call.started_at < local_day_start(f.date_to + timedelta(days=1), s.timezone))
    if f.agent:
        q = q.where(or_(Call.agent == f.agent, Call.final_agent == f.agent))
    if f.server:
        q = q.where(Call.server == f.server)
    if f.number:
        # the full number, or its ending — for an inspector only an ending they can see (R-PRIVACY:
        # searching ever longer endings would otherwise recover a number digit by digit)
        ending_ok = sum(ch.isdigit() for ch in f.number) <= VISIBLE_DIGITS or not masked_numbers(user)
        ending = Call.caller_number.like(f"%{f.number}") if ending_ok else false()
        q = q.where(or_(Call.caller_number == f.number, ending))
    if f.disposition:
        q = q.where(Call.disposition == f.disposition)
    if f.late:
        q = q.where(Call.disposition == Disposition.ANSWERED, Call.within_4_rings.is_(False))
    if f.hangup_first:
        q = q.where(agent_hung_up_first())
    if f.malicious:
        q = q.where(flagged_malicious())
    if f.recording:
        q = q.where(Call.recording.isnot(None))
    if f.qa == "graded":
        # graded calls are a sample: read them from the grades rather than test every call in turn
        # (over 1 M calls on SQLite that read the whole table when few or none were graded)
        q = q.where(Call.id.in_(select(QaGrade.call_pk)))
    elif f.qa == "ungraded":
        q = q.where(~exists(select(1).where(QaGrade.call_pk == Call.id)))
    if f.qa_band:
        # R-QA: the band of the grade that counts (a corrected grade's old score does not)
        q = q.where(Call.id.in_(select(QaGrade.call_pk).where(current_grades(), f.qa_band.holds(QaGrade.score))))
    return q


def search(db: Session, s: Settings, f: CallFilter, user: Any, page_size: int = PAGE_SIZE,
           limit: int | None = None) -> tuple[list[Call], bool]:
    """A page of matching calls, newest first, and whether there is a next page."""
    q = search_query(s, f, user).order_by(Call.started_at.desc(), Call.id.desc())
    if limit is not None:
        return list(db.scalars(q.limit(limit))), False
    rows = list(db.scalars(q.offset((f.page - 1) * page_size).limit(page_size + 1)))
    return rows[:page_size], len(rows) > page_size


def get_visible(db: Session, call_pk: int, user: Any) -> Call | None:
    return db.scalar(select(Call).where(Call.id == call_pk, visible(user)))


GRADES_PER_QUERY = 5000  # a CSV's 100 000 calls: SQLite allows 32 766 bound values in a statement


def grades_of(db: Session, call_pks: list[int]) -> dict[int, QaGrade]:
    """The current QA grade of each call that has one."""
    out: dict[int, QaGrade] = {}
    for i in range(0, len(call_pks), GRADES_PER_QUERY):
        rows = db.scalars(select(QaGrade).where(QaGrade.call_pk.in_(call_pks[i:i + GRADES_PER_QUERY]),
                                                current_grades()).order_by(QaGrade.created_at))
        out.update((g.call_pk, g) for g in rows)
    return out


def qa_of(grade: QaGrade | None, sheet: Sheet) -> dict[str, Any]:
    """A call's current grade as the API and the CSV give it: its score, the sheet's band of it
    (R-QA, ``Sheet.band_of``) and whether the score was typed before the score sheet."""
    return {"qa_score": grade.score if grade else None,
            "qa_band": sheet.band_of(grade.score).key if grade else None,
            "qa_typed": grade.sheet is None if grade else None}


def count(db: Session, q: Select[Any]) -> int:
    return int(db.scalar(select(func.count()).select_from(q.subquery())) or 0)


def call_json(c: Call, user: Any, grade: QaGrade | None, tz: str, sheet: Sheet) -> dict[str, Any]:
    return {
        "id": c.id, "server": c.server, "call_id": c.call_id, "direction": c.direction,
        "caller_number": number_for(c.caller_number, user), "caller_name": c.caller_name,
        "started_at": iso_local(c.started_at, tz), "queued_at": iso_local(c.queued_at, tz),
        "answered_at": iso_local(c.answered_at, tz), "ended_at": iso_local(c.ended_at, tz),
        "queue": c.queue, "agent": c.agent, "final_agent": c.final_agent,
        "transferred_out": number_for(c.transferred_out, user),
        "wait_seconds": c.wait_seconds, "ring_seconds": c.ring_seconds, "rings": c.rings,
        "within_4_rings": c.within_4_rings, "talk_seconds": c.talk_seconds,
        "holds": c.holds, "hold_seconds": c.hold_seconds,
        "disposition": c.disposition, "hangup_first": c.hangup_first,
        "has_recording": c.recording is not None, "survey": c.survey,
        **qa_of(grade, sheet),
    }


