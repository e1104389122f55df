"""The follow-up metrics: R-ONE-CALL repeat calls, and the rates of the follow-up work
(callbacks, revisits, fault repairs, complaints) whose raw counts hotline.callbacks gives. These
belong to the team, not to an agent: tasks, reports and complaints are not per agent."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, not_, or_, select, union_all
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.chanvars import ChanVar
from hotline.metrics import repeat_inputs
from hotline.metrics.cases import case_figures, set_case_kpis
from hotline.metrics.queries import count_if
from hotline.metrics.values import Figures, Ratio
from hotline.models import Call, FaultReport
from hotline.models.field import WorkOrder
from hotline.rules import in_time, overdue
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import Direction, Disposition

# an order that ended with the service back: the technician fixed it, or its outage was closed
REPAIRED_ORDER_STATUSES = ("fixed", "restored")


def repeat_rate(db: Session, s: Settings, start: datetime, end: datetime) -> Ratio:
    """R-ONE-CALL over [start, end): repeat calls ÷ inbound calls with a number (:func:`repeat_counts`)."""
    return Ratio(*repeat_counts(db, s, [(start, end)])[0])


def repeat_counts(db: Session, s: Settings, spans: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """R-ONE-CALL, the rule's one home: (repeat calls, inbound calls with a number) started in each
    of ``spans`` (sorted, disjoint), from one reading of the calls of [first start - repeat_window_h,
    last end). A call is a repeat when its number made an open call (:func:`_open`) within
    repeat_window_h before it: a property of the call alone, whatever span it is counted in, so the
    spans of one reading give what each computed alone gives (#17: a run of stale hours costs one
    reading, not one each, hotline.metrics.cache). The reading is of the calls kept per hour
    (hotline.metrics.repeat_inputs: only the hours whose calls changed, and the running hour, are
    read again) when it starts after yesterday's window, else of the calls themselves. Counted in
    Python over (number, time) pairs either way: portable, and the window arithmetic on stored UTC
    times differs between SQLite and PostgreSQL."""
    if not spans:
        return []
    window = timedelta(hours=s.repeat_window_h)
    first, last = spans[0][0], spans[-1][1]
    kept = repeat_inputs.calls(db, s, first - window, last, _calls_between, first)
    if kept is not None:
        return _from_kept(spans, kept, window)
    in_window = and_(_with_number(), Call.started_at >= first - window, Call.started_at < last)
    dens: dict[int, int] = {}
    for i in range(0, len(spans), 100):  # a count per span, each an index range (SQLite: ≤ 500 per compound)
        counts: list[Any] = [select(literal_column(str(j)).label("j"), func.count().label("n"))
                             .where(in_window, Call.started_at >= a, Call.started_at < b)
                             for j, (a, b) in enumerate(spans[i:i + 100], start=i)]
        dens.update(db.execute(union_all(*counts) if len(counts) > 1 else counts[0]).tuples().all())
    # only numbers seen more than once can repeat: read just their calls (the id orders calls of
    # one number at the same time alike in every scan)
    again = select(Call.caller_number).where(in_window).group_by(Call.caller_number).having(func.count() > 1)
    # before the first span only the open calls matter (a closed one neither counts nor opens)
    rows = db.execute(
        select(Call.caller_number, Call.started_at, case((_open(), 1), else_=0))
        .where(in_window, Call.caller_number.in_(again), or_(Call.started_at >= first, _open()))
        .order_by(Call.caller_number, Call.started_at, Call.id)).all()
    nums = _tally(list(spans), rows, window)
    return [(num, int(dens.get(i) or 0)) for i, num in enumerate(nums)]


def _with_number() -> Any:
    return and_(Call.direction == Direction.INBOUND, Call.caller_number.isnot(None), Call.caller_number != "")


def _open() -> Any:
    """R-ONE-CALL's open call: not answered by an agent, or one that left a fault ticket."""
    answered = and_(Call.disposition == Disposition.ANSWERED, Call.agent.isnot(None))
    return or_(not_(answered), Call.vars[ChanVar.FAULT_TICKET].as_string().isnot(None))


def _calls_between(db: Session, a: datetime, b: datetime) -> Sequence[Any]:
    """(number, started_at, open) of the inbound calls with a number started in [a, b), in the
    order of their start and id: what hotline.metrics.repeat_inputs keeps per hour."""
    return db.execute(select(Call.caller_number, Call.started_at, case((_open(), 1), else_=0))
                      .where(_with_number(), Call.started_at >= a, Call.started_at < b)
                      .order_by(Call.started_at, Call.id)).all()


def _from_kept(spans: Sequence[tuple[datetime, datetime]], kept: repeat_inputs.Calls,
               window: timedelta) -> list[tuple[int, int]]:
    """:func:`repeat_counts` from the calls kept per hour, walked once in the order of start and id
    (times in µs, :meth:`repeat_inputs.Calls.rows`): before the first span its open calls of the
    window, then every call of the spans — what :func:`_tally` counts of its reading of the calls
    (calls of a number seen once count nothing either way; each number's calls come in the same
    order). Each span's calls are counted in the same walk."""
    us = repeat_inputs.micros
    first, back = us(spans[0][0]), window // repeat_inputs.US
    cut = [(us(a), us(b)) for a, b in spans]
    dens = [0] * len(spans)
    nums = _tally(cut, kept.rows(first - back, first), back, dens)
    return list(zip(nums, dens, strict=True))


def _tally(spans: list[tuple[Any, Any]], rows: Iterable[Any], window: Any, dens: list[int] | None = None) -> list[int]:
    """The repeat calls of each span from (number, time, open) rows, each number's in the order of
    time and id (times and ``window`` in one unit: datetimes, or µs): a call is one when the last
    open call of its number before it is within the window. ``dens``: each span's calls counted
    into it as well (when the rows are every call of the spans)."""
    nums = [0] * len(spans)
    starts = [a for a, _b in spans]
    last_open: dict[str, Any] = {}
    for number, at, is_open in rows:
        i = bisect_right(starts, at) - 1
        if i >= 0 and at < spans[i][1]:
            if dens is not None:
                dens[i] += 1
            prev = last_open.get(number)
            if prev is not None and at - prev <= window:
                nums[i] += 1
        if is_open:
            last_open[number] = at
    return nums


def team_only(db: Session, s: Settings, start: datetime, end: datetime, f: Figures) -> Figures:
    """The metrics that belong to the team, not to an agent (tasks, reports and complaints are
    not per agent): per agent they stay None ("no data"). The case KPIs have a team value too
    (every case, owned or not); per agent they are set from the cases they own."""
    f.callback_closure = callback_closure(db, s, start, end)
    f.revisit_done = revisit_done(db, start, end)
    f.fault_sla = fault_sla(db, s, start, end)
    f.complaint_clocks = complaint_clocks(db, s, start, end)
    return set_case_kpis(f, case_figures(db, start, end)[0])


def callback_closure(db: Session, s: Settings, start: datetime, end: datetime) -> Ratio:
    """R-MISSED-CALLBACK: missed-call tasks made in [start, end) closed within
    callback_missed_due_min (reached by a callback, or the customer called again and was answered)
    of the missed call, or of the next opening for one missed out of hours (nobody calls back
    before it) ÷ missed-call tasks made in [start, end)."""
    c = callbacks.missed_callback_counts(db, s, start, end, within_min=s.callback_missed_due_min)
    return Ratio(c["closed_within"], c["tasks"])


def revisit_done(db: Session, start: datetime, end: datetime, now: datetime | None = None) -> Ratio:
    """R-FAULT-REVISIT: revisit tasks due in [start, end) done (with both answers) ÷ those done,
    reached without the answers, failed or open past their deadline (a deadline still ahead is
    not yet owed; a cancelled task is not owed)."""
    c = callbacks.revisit_counts(db, start, end, now=now)
    return Ratio(c["done"], c["done"] + c["unanswered"] + c["failed"] + c["overdue"])


def fault_sla(db: Session, s: Settings, start: datetime, end: datetime,
              now: datetime | None = None) -> Ratio:
    """R-FAULT-SLA: reports (made in the period, with a fix-by time or a work order) repaired by their fix-by ÷
    reports repaired + reports still unrepaired past their fix-by.

    A report with a work order (issue 15) is judged by the order's real times: met when the order
    was fixed (or restored with its outage) by the order's fix-by, which is the big-fault limit
    once the technician reported a big fault; an order not repaired (open, cannot fix, under an
    outage) counts once past its fix-by. A report without an order as before: the report table
    has no closed_at, so a closed report's updated_at is taken as its repair time."""
    fr, wo = FaultReport, WorkOrder
    now = now or utcnow()
    has_order, no_order = wo.id.isnot(None), wo.id.is_(None)
    repaired = wo.status.in_(REPAIRED_ORDER_STATUSES)
    closed = fr.status == "closed"
    met = or_(and_(has_order, repaired, in_time(wo.closed_at, wo.fix_by)),
              and_(no_order, closed, in_time(fr.updated_at, fr.fix_by)))
    due = or_(and_(has_order, or_(repaired, overdue(wo.fix_by, now))),
              and_(no_order, or_(closed, and_(fr.status == "open", overdue(fr.fix_by, now)))))
    row = db.execute(select(count_if(met), count_if(due)).select_from(fr)
                     .outerjoin(wo, wo.fault_report_id == fr.id)
                     .where(fr.created_at >= start, fr.created_at < end,
                            or_(has_order, fr.fix_by.isnot(None)))).one()
    return Ratio(int(row[0]), int(row[1]))


def complaint_clocks(db: Session, s: Settings, start: datetime, end: datetime,
                     counts: dict[str, dict[str, int]] | None = None) -> Ratio:
    """R-COMPLAINT: every clock (contact, solution / progress) of the complaints received in
    [start, end) met ÷ met + missed; a clock still running inside its deadline is not counted."""
    c = counts if counts is not None else callbacks.complaint_clock_counts(db, start, end)
    met = sum(v["met"] for v in c.values())
    return Ratio(met, met + sum(v["missed"] for v in c.values()))
