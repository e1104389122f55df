"""The day's QA sample (质检抽检, R-QA: "the centre samples each day's work and keeps daily
statistics", 003 art. 2, 7, 8): ``qa_sample_per_agent`` answered calls per agent and local day,
the calls the record flags first, then the calls already graded (an inspector's work that day
counts towards the quota), then the rest in an order that looks random but is the same at every
draw (a hash of the day and the call). Each drawn row says why it was drawn.

The flags are the record's own one-home checks: answered past 4 rings without the apology
(R-ANS-4RINGS, :func:`~hotline.metrics.queries.call_answered_in_time`), the agent hung up first
(R-ANS-HANGUP-LAST, :func:`~hotline.metrics.queries.call_agent_hung_up_first`), a survey rated
below satisfied (R-SURVEY), a complaint raised on the call (R-COMPLAINT: a complaint naming it,
or a complaint case it is linked to).

Drawing is idempotent: an agent with their quota drawn for the day gets nothing more, and the
same calls give the same picks, so two draws at once collide on the unique call instead of
drawing twice. A day drawn before it ended (the inspector's "today so far") is topped up later
for the agents still short of their quota — and for a call flagged after the agent's quota was
full (a late answer, a hung-up-first, a low survey or a complaint of the afternoon, after a morning
draw took random calls): it takes the place of one of that agent's ``random`` picks not graded yet
(the last in the hash order goes first). A flagged or graded pick, or a random one an inspector has
graded, is never displaced: a draw only ever adds what the record says needs looking at."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import timeutil
from hotline.metrics import current_grades, local_day_start
from hotline.metrics.queries import (
    SATISFIED,
    agent_hung_up_first,
    answered_in_time,
    call_agent_hung_up_first,
    call_answered_in_time,
    qa,
    qa_team,
)
from hotline.models import Call, Case, CaseCall, Complaint, QaGrade, QaSample
from hotline.qa_sheet import Sheet
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import CaseKind, Direction, Disposition

# why a call was drawn: the record's flags (most urgent first), else these two
FLAGS = ("late", "hung_up_first", "low_survey", "complaint")
GRADED, RANDOM = "graded", "random"
# a day is drawn by the scheduler once its last calls have ended and been built: a call started
# at 23:50 is still being talked and stored after midnight
DRAW_AFTER = timedelta(minutes=30)
CATCH_UP_DAYS = 7  # the scheduler draws at most this many finished days missed while it was down


def local_day(s: Settings, at: datetime) -> date:
    return timeutil.local_day(at, s.timezone)


def day_span(s: Settings, day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the operator's local day (hotline.metrics' day)."""
    return local_day_start(day, s.timezone), local_day_start(day + timedelta(days=1), s.timezone)


def _answered(s: Settings, day: date) -> ColumnElement[bool]:
    """The calls a day's sample is drawn from: inbound calls answered by an agent that started that
    local day (the "answered" metric's calls)."""
    start, end = day_span(s, day)
    return and_(Call.started_at >= start, Call.started_at < end, Call.direction == Direction.INBOUND,
                Call.disposition == Disposition.ANSWERED, Call.agent.isnot(None))


def flags_of(c: Call, complained: bool) -> list[str]:
    """The record's reasons to inspect this call (FLAGS), each by its rule's one check."""
    out = []
    if not call_answered_in_time(c):
        out.append("late")  # R-ANS-4RINGS
    if call_agent_hung_up_first(c):
        out.append("hung_up_first")  # R-ANS-HANGUP-LAST
    if c.survey is not None and c.survey != SATISFIED:
        out.append("low_survey")  # R-SURVEY
    if complained:
        out.append("complaint")  # R-COMPLAINT
    return out


def _may_be_flagged(complained: set[int]) -> ColumnElement[bool]:
    """The calls :func:`flags_of` may flag, in SQL — the same rules' SQL homes
    (``answered_in_time``, ``agent_hung_up_first``) — so that a draw where only a flagged call can
    still be added reads no other call; :func:`flags_of` still decides on each row read."""
    return or_(not_(func.coalesce(answered_in_time(), false())),  # late (an apology not stored: not proven)
               agent_hung_up_first(),  # hung_up_first
               and_(Call.survey.isnot(None), Call.survey != SATISFIED),  # low_survey
               Call.id.in_(complained))  # complaint


def _complained(db: Session, s: Settings, day: date) -> set[int]:
    """The day's answered calls a complaint was raised on: named by a complaint, or linked to a
    complaint case."""
    by_complaint = select(Call.id).join(Complaint, and_(Complaint.call_server == Call.server,
                                                        Complaint.call_id == Call.call_id))
    by_case = (select(Call.id).join(CaseCall, and_(CaseCall.server == Call.server, CaseCall.call_id == Call.call_id))
               .join(Case, Case.id == CaseCall.case_id).where(Case.kind == CaseKind.COMPLAINT))
    return {pk for q in (by_complaint, by_case) for pk in db.scalars(q.where(_answered(s, day)))}


def _order_key(day: date, server: str, call_id: str) -> str:
    """The draw's "random" order: the same for the same day and call at every draw, on any host."""
    return hashlib.sha256(f"{day.isoformat()}|{server}|{call_id}".encode()).hexdigest()


@dataclass
class Pick:
    call: Call
    reason: str  # flag keys joined by ",", or GRADED / RANDOM
    displaces: int | None = None  # a flagged call at quota: the id of the random, ungraded row it replaces


def _ungraded_random() -> ColumnElement[bool]:
    """A drawn row that a flagged call may take the place of: drawn at random, not graded since."""
    return and_(QaSample.reason == RANDOM, ~exists().where(QaGrade.call_pk == QaSample.call_pk))


def picks(db: Session, s: Settings, day: date) -> list[Pick]:
    """What a draw of ``day`` would add now: per agent, the calls to make their quota up to
    ``qa_sample_per_agent`` (flagged first, most flags first; then graded; then the hash order),
    then the flagged calls left over, each displacing a random ungraded pick while there is one."""
    quota = max(0, s.qa_sample_per_agent)
    drawn: dict[str, int] = defaultdict(int)
    taken: set[int] = set()
    for pk, agent in db.execute(select(QaSample.call_pk, QaSample.agent).where(QaSample.day == day)):
        drawn[agent] += 1
        taken.add(pk)
    # a day drawn already: counted per agent first, the calls read only when someone is short or
    # a random pick could still give way to a call flagged since
    counts = db.execute(select(Call.agent, func.count()).where(_answered(s, day)).group_by(Call.agent)).all()
    giving = set(db.scalars(select(QaSample.agent).where(QaSample.day == day, _ungraded_random()).distinct()))
    if all(drawn[str(a)] >= min(quota, n) for a, n in counts) and not giving:
        return []
    complained = _complained(db, s, day)
    # every call of an agent owed picks is ranked; of an agent at quota, only a flagged call can be
    # added (in a random pick's place): the calls that may be flagged are read, not the day's
    # (reading the day's calls for that made every repeat draw cost what the first one does)
    at_quota = [a for a, _n in counts if drawn[str(a)] >= quota]
    calls = list(db.scalars(select(Call).where(_answered(s, day), or_(
        Call.agent.notin_(at_quota), and_(Call.agent.in_(giving), _may_be_flagged(complained))))))
    graded = set(db.scalars(select(QaGrade.call_pk).join(Call, Call.id == QaGrade.call_pk).where(_answered(s, day))))
    by_agent: dict[str, list[tuple[tuple[int, int, str], Pick]]] = defaultdict(list)
    for c in calls:
        if c.id in taken or c.agent is None:
            continue
        flags = flags_of(c, c.id in complained)
        reason = ",".join(flags) or (GRADED if c.id in graded else RANDOM)
        rank = (0 if flags else 1 if c.id in graded else 2, -len(flags), _order_key(day, c.server, c.call_id))
        by_agent[c.agent].append((rank, Pick(c, reason)))
    out: list[Pick] = []
    displaceable = _displaceable(db, s, day)
    for agent in sorted(by_agent):
        ranked = [p for _, p in sorted(by_agent[agent], key=lambda x: x[0])]
        room = max(0, quota - drawn[agent])
        out.extend(ranked[:room])
        flagged_left = [p for p in ranked[room:] if p.reason not in (GRADED, RANDOM)]
        for p, row_id in zip(flagged_left, displaceable.get(agent, []), strict=False):
            p.displaces = row_id
            out.append(p)
    return out


def _displaceable(db: Session, s: Settings, day: date) -> dict[str, list[int]]:
    """Per agent, the ids of their random ungraded rows of ``day``, the last in the hash order first
    (the draw would have taken it last)."""
    rows = db.execute(select(QaSample.id, QaSample.agent, Call.server, Call.call_id)
                      .join(Call, Call.id == QaSample.call_pk).where(QaSample.day == day, _ungraded_random(),
                                                                     _answered(s, day)))
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row_id, agent, server, call_id in rows:
        out[agent].append((_order_key(day, server, call_id), row_id))
    return {agent: [row_id for _, row_id in sorted(keyed, reverse=True)] for agent, keyed in out.items()}


def draw(db: Session, s: Settings, day: date, by: str | None = None, now: datetime | None = None) -> int:
    """Draws ``day``'s sample (see :func:`picks`) and commits it; the number of calls added. A draw
    that met another one drawing the same day at the same time adds nothing (that one drew them):
    it collides on the unique call, or finds a row it displaces gone or graded meanwhile."""
    new = picks(db, s, day)
    if not new:
        return 0
    at = now or utcnow()
    gone = [p.displaces for p in new if p.displaces is not None]
    try:
        if gone:
            result: Any = db.execute(delete(QaSample).where(QaSample.id.in_(gone), _ungraded_random())
                                     .execution_options(synchronize_session=False))
            if result.rowcount != len(gone):
                db.rollback()
                return 0
        db.add_all(QaSample(day=day, call_pk=p.call.id, agent=p.call.agent, reason=p.reason, drawn_at=at,
                            drawn_by=by) for p in new)
        db.commit()
    except IntegrityError:
        db.rollback()
        return 0
    return len(new)


def days_due(s: Settings, last: date | None, now: datetime) -> list[date]:
    """The finished days the scheduler draws now: those after ``last`` (the last it drew) up to
    yesterday, once DRAW_AFTER has passed since midnight, CATCH_UP_DAYS at most."""
    yesterday = local_day(s, now - DRAW_AFTER) - timedelta(days=1)
    first = yesterday - timedelta(days=CATCH_UP_DAYS - 1)
    if last is not None:
        first = max(first, last + timedelta(days=1))
    return [first + timedelta(days=i) for i in range((yesterday - first).days + 1)]


def sample_of(db: Session, day: date) -> list[tuple[QaSample, Call]]:
    """The day's sample with its calls, by agent then call start."""
    q = (select(QaSample, Call).join(Call, Call.id == QaSample.call_pk).where(QaSample.day == day)
         .order_by(QaSample.agent, Call.started_at, Call.id))
    return [(row, c) for row, c in db.execute(q).tuples()]


@dataclass
class AgentQa:
    agent: str
    graded: int
    average: float | None
    failing: int  # 不合格: scores in the sheet's lowest band


@dataclass
class DayQa:
    """A day's QA statistics: the current grades of the calls started that day (the metrics'
    qa_count / qa_avg, hotline.metrics.queries.qa), their score bands and per agent."""

    graded: int
    average: float | None
    bands: dict[str, int]  # band key → grades in it, every band of the sheet
    agents: list[AgentQa] = field(default_factory=list)


def _scores(db: Session, s: Settings, day: date) -> Iterable[tuple[str, int]]:
    start, end = day_span(s, day)
    q = (select(QaGrade.agent, QaGrade.score).join(Call, Call.id == QaGrade.call_pk)
         .where(Call.started_at >= start, Call.started_at < end, current_grades(), QaGrade.agent.isnot(None)))
    return [(str(a), int(score)) for a, score in db.execute(q)]


def day_statistics(db: Session, s: Settings, day: date, sheet: Sheet) -> DayQa:
    """R-QA's daily statistics: graded, average, band counts, and per agent (average, count, 不合格)."""
    per = qa(db, *day_span(s, day))
    average, graded = qa_team(per)
    bands = {b.key: 0 for b in sheet.bands}
    failing: dict[str, int] = defaultdict(int)
    for agent, score in _scores(db, s, day):
        bands[sheet.band_of(score).key] += 1
        failing[agent] += sheet.failing(score)
    agents = [AgentQa(a, n, avg, failing[a]) for a, (avg, n) in sorted(per.items())]
    return DayQa(graded, average, bands, agents)
