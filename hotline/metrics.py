"""Every metric of the hotline, defined once. Pages, the JSON API and CSV exports all call these
functions; nothing else computes a metric.

Conventions:
- a period is [start, end) in UTC; calls belong to the period of their ``started_at``;
- only inbound calls count for queue metrics; outbound (callback) calls are not "offered";
- a rate is a :class:`Ratio` (numerator and denominator shown, value ``None`` when the
  denominator is 0); a metric whose data does not exist yet is ``None`` ("no data"), never 0;
- thresholds come from settings (``service_level_s``, ``short_abandon_s``, ``ring_threshold_s``,
  ``repeat_window_h``, ``kpi_*``).
"""

from __future__ import annotations

import importlib
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, func, literal_column, not_, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from hotline import callbacks
from hotline.models import Call, QaGrade, RingAttempt
from hotline.rules import ring_rule
from hotline.settings import Settings


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    rule: str | None
    definition: str


# The written definitions (also in README "## Panel"). Keys are used as column ids in tables,
# JSON and CSV.
METRICS: dict[str, Metric] = {m.key: m for m in [
    Metric("offered", "进入队列", "Offered", None,
           "inbound calls that reached the queue (answered + abandoned + timeout, or queued_at set)"),
    Metric("ivr_only", "仅IVR", "IVR only", None,
           "inbound calls that ended in the IVR without reaching the queue (disposition ivr); counted apart"),
    Metric("answered", "接通", "Answered", None, "inbound calls bridged with an agent (disposition answered, agent set)"),
    Metric("asa", "平均应答时间", "ASA", None, "mean wait_seconds of answered calls"),
    Metric("aht", "平均处理时长", "AHT", None,
           "mean of talk_seconds + after-call work over answered calls; after-call work is 0 "
           "(no wrap-up data is recorded yet)"),
    Metric("four_ring_rate", "四声内接听率", "4-ring rate", "R-ANS-4RINGS",
           "answered ring attempts within 4 rings ÷ answered ring attempts, per agent (attempts of the "
           "inbound calls of the period); within = the call's within_4_rings (else ring_seconds ≤ "
           "max_rings × ring_cycle_s)"),
    Metric("four_ring_violations", "超四声违规", "4-ring violations", "R-ANS-4RINGS",
           "answered attempts past 4 rings + every no_answer attempt (rang out) of that agent"),
    Metric("sl", "服务水平", "Service level", None,
           "answered with wait ≤ service_level_s ÷ (answered + abandoned after short_abandon_s + timeouts)"),
    Metric("sl_answered", "服务水平(÷接通)", "SL (÷ answered)", None,
           "answered with wait ≤ service_level_s ÷ answered"),
    Metric("abandon_rate", "放弃率", "Abandon rate", None,
           "abandoned with wait > short_abandon_s ÷ offered; short abandons (wait ≤ short_abandon_s) listed apart"),
    Metric("abandoned", "放弃", "Abandoned", None, "inbound calls abandoned in the queue with wait > short_abandon_s"),
    Metric("short_abandoned", "短时放弃", "Short abandons", None, "abandoned with wait ≤ short_abandon_s"),
    Metric("timeouts", "排队超时", "Timeouts", None, "left the queue unanswered after queue_timeout_s"),
    Metric("hangup_first", "先挂机违规", "Hung up first", "R-ANS-HANGUP-LAST",
           "answered calls where the agent hung up first (hangup_first = agent)"),
    Metric("repeat_rate", "重复来电率", "Repeat-call rate", "R-ONE-CALL",
           "inbound calls from a number that already called within repeat_window_h about a matter "
           "still open (that earlier call was not answered by an agent, or left a fault ticket) ÷ "
           "inbound calls with a caller number"),
    Metric("callback_closure", "未接回拨闭环率", "Callback closure", "R-MISSED-CALLBACK",
           "missed-call tasks made in the period that were closed within callback_missed_due_min of the "
           "missed call — a callback reached the customer, or they called again and were answered — ÷ "
           "missed-call tasks made in the period (withheld numbers make no task and are not counted)"),
    Metric("revisit_done", "故障回访完成率", "Revisits done", "R-FAULT-REVISIT",
           "revisit tasks due in the period that were done (customer reached, answers recorded) ÷ revisit "
           "tasks due in the period that are done, failed, or still open past their deadline; cancelled "
           "tasks and deadlines still ahead do not count"),
    Metric("fault_sla", "故障时限达标率", "Fault SLA met", "R-FAULT-SLA",
           "fault reports (with a fix-by time) closed by their fix-by ÷ reports closed + reports open past "
           "their fix-by; a closed report's updated_at is its repair time"),
    Metric("complaint_clocks", "投诉时限达标率", "Complaint clocks met", "R-COMPLAINT",
           "clocks of the complaints received in the period (contact 2 h; solution 24 h for a general one, "
           "progress 72 h for a complex one) stopped by their deadline ÷ clocks stopped or past their "
           "deadline; clocks still running within their deadline do not count"),
    Metric("complaint_resolution", "投诉处理率", "Complaint resolution", "R-KPI",
           "general complaints received in the period solved within complaint_solution_h ÷ general "
           "complaints solved or past that deadline (the solution clock of complaint_clocks)"),
    Metric("satisfaction", "满意度", "Satisfaction", "R-SURVEY", "surveys answered 1 (satisfied) ÷ surveys answered"),
    Metric("qa_avg", "质检平均分", "QA average", "R-QA",
           "mean score of the current QA grade of each graded call (a correction replaces the grade it corrects)"),
    Metric("compliance", "服务规范达标率", "Standard compliance", "R-KPI",
           "answered calls that were within 4 rings or apologised (HOTLINE_LATE_APOLOGY) and where the "
           "agent did not hang up first ÷ answered calls"),
]}

# R-KPI: the four monthly KPIs and the setting holding each target (percent).
KPIS: dict[str, tuple[str, str, str]] = {
    # kpi key: (metric it is measured by, setting with the target, zh label)
    "satisfaction": ("satisfaction", "kpi_satisfaction_pct", "客户满意率"),
    "on_time": ("fault_sla", "kpi_on_time_pct", "及时处理率"),
    "complaint_resolution": ("complaint_resolution", "kpi_complaint_resolution_pct", "投诉处理率"),
    "compliance": ("compliance", "kpi_compliance_pct", "服务规范达标率"),
}


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return None if not self.den else self.num / self.den

    @property
    def pct(self) -> float | None:
        v = self.value
        return None if v is None else round(100.0 * v, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.num, "den": self.den, "value": self.value}

    def __str__(self) -> str:
        p = self.pct
        return f"{self.num}/{self.den}" + ("" if p is None else f" ({p:.1f}%)")


@dataclass
class Figures:
    """The metrics of one group of calls (team, one agent, one time bucket)."""

    offered: int = 0
    ivr_only: int = 0
    answered: int = 0
    abandoned: int = 0  # after the short-abandon threshold
    short_abandoned: int = 0
    timeouts: int = 0
    asa: float | None = None
    aht: float | None = None
    sl: Ratio = field(default_factory=lambda: Ratio(0, 0))
    sl_answered: Ratio = field(default_factory=lambda: Ratio(0, 0))
    abandon_rate: Ratio = field(default_factory=lambda: Ratio(0, 0))
    hangup_first: int = 0
    satisfaction: Ratio = field(default_factory=lambda: Ratio(0, 0))
    compliance: Ratio = field(default_factory=lambda: Ratio(0, 0))
    four_ring_rate: Ratio = field(default_factory=lambda: Ratio(0, 0))
    four_ring_violations: int = 0
    no_answer_attempts: int = 0
    qa_avg: float | None = None
    qa_count: int = 0
    repeat_rate: Ratio | None = None
    callback_closure: Ratio | None = None
    revisit_done: Ratio | None = None
    fault_sla: Ratio | None = None
    complaint_clocks: Ratio | None = None
    complaint_resolution: Ratio | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            attr = getattr(self, k)
            out[k] = attr.as_dict() if isinstance(attr, Ratio) else v
        return out

    def flat(self) -> dict[str, Any]:
        """One scalar per column (CSV): a ratio gives num, den and value."""
        out: dict[str, Any] = {}
        for k in asdict(self):
            attr = getattr(self, k)
            if isinstance(attr, Ratio):
                out[f"{k}_num"], out[f"{k}_den"], out[k] = attr.num, attr.den, attr.value
            elif isinstance(attr, float):
                out[k] = round(attr, 2)
            else:
                out[k] = attr
        return out


# --- periods ----------------------------------------------------------------------------------

def local_day_start(d: date, tz: str) -> datetime:
    return datetime.combine(d, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def period(kind: str, s: Settings, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the current local day / ISO week / month."""
    now = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(s.timezone))
    today = now.date()
    if kind == "week":
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=7)
    elif kind == "month":
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first, last = today, today + timedelta(days=1)
    return local_day_start(first, s.timezone), local_day_start(last, s.timezone)


def kpi_month(s: Settings, start: datetime, end: datetime) -> tuple[int, int]:
    """The month whose R-KPI table goes with the period [start, end): the one its middle is in."""
    first = period("month", s, end - (end - start) / 2)[0].astimezone(ZoneInfo(s.timezone))
    return first.year, first.month


def month_range(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1)
    return local_day_start(first, tz), local_day_start(last, tz)


# --- the definitions: one grouped scan of the calls, classified in Python ---------------------
#
# The calls of a period are read once, grouped by (agent, direction, disposition, queued?), with
# the per-row conditions summed inside each group; _Acc then applies the definitions to the
# groups. One scan serves the team and every agent (about 3× faster on SQLite than one CASE
# aggregate per metric).

def _n(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _group_keys() -> list[Any]:
    return [Call.agent.label("agent"), Call.direction.label("direction"), Call.disposition.label("disposition"),
            Call.queued_at.isnot(None).label("queued")]


def _sums(s: Settings) -> list[Any]:
    hung = Call.hangup_first == "agent"
    apology = Call.vars["HOTLINE_LATE_APOLOGY"].as_string() == "1"
    return [
        func.count().label("n"),
        _n(Call.wait_seconds <= s.service_level_s).label("in_sl"),
        _n(or_(Call.wait_seconds.is_(None), Call.wait_seconds <= s.short_abandon_s)).label("short"),
        func.coalesce(func.sum(Call.wait_seconds), 0.0).label("wait_sum"),
        func.count(Call.wait_seconds).label("wait_n"),
        # AHT: talk + after-call work; no wrap-up data exists, so after-call work is 0.
        func.coalesce(func.sum(func.coalesce(Call.talk_seconds, 0.0)), 0.0).label("talk_sum"),
        _n(hung).label("hung"),
        _n(Call.survey.isnot(None)).label("surveyed"),
        _n(Call.survey == 1).label("satisfied"),
        _n(and_(or_(Call.within_4_rings.is_(True), apology), or_(Call.hangup_first.is_(None), not_(hung))))
        .label("compliant"),
    ]


class _Acc:
    """The definitions applied to grouped rows (see METRICS)."""

    def __init__(self) -> None:
        self.offered = self.ivr_only = self.answered = self.in_sl = 0
        self.abandoned = self.short_abandoned = self.timeouts = 0
        self.wait_sum = self.talk_sum = 0.0
        self.wait_n = self.hung = self.surveyed = self.satisfied = self.compliant = 0

    def add(self, r: Any) -> None:
        n = int(r.n)
        self.surveyed += int(r.surveyed)
        self.satisfied += int(r.satisfied)
        if r.direction != "inbound":
            return
        disp, queued = r.disposition, bool(r.queued)
        if disp in ("answered", "abandoned", "timeout") or queued:
            self.offered += n
        if disp == "ivr" and not queued:
            self.ivr_only += n
        if disp == "answered" and r.agent is not None:
            self.answered += n
            self.in_sl += int(r.in_sl)
            self.wait_sum += float(r.wait_sum)
            self.wait_n += int(r.wait_n)
            self.talk_sum += float(r.talk_sum)
            self.hung += int(r.hung)
            self.compliant += int(r.compliant)
        elif disp == "abandoned":
            self.short_abandoned += int(r.short)
            self.abandoned += n - int(r.short)
        elif disp == "timeout":
            self.timeouts += n

    def merge(self, other: "_Acc") -> "_Acc":
        """Add the sums of another group of calls (another part of the same period)."""
        for k, v in vars(other).items():
            setattr(self, k, getattr(self, k) + v)
        return self

    def fill(self, f: Figures) -> Figures:
        f.offered, f.ivr_only, f.answered = self.offered, self.ivr_only, self.answered
        f.abandoned, f.short_abandoned, f.timeouts = self.abandoned, self.short_abandoned, self.timeouts
        f.asa = self.wait_sum / self.wait_n if self.wait_n else None
        f.aht = self.talk_sum / self.answered if self.answered else None
        f.sl = Ratio(self.in_sl, self.answered + self.abandoned + self.timeouts)
        f.sl_answered = Ratio(self.in_sl, self.answered)
        f.abandon_rate = Ratio(self.abandoned, self.offered)
        f.hangup_first = self.hung
        f.satisfaction = Ratio(self.satisfied, self.surveyed)
        f.compliance = Ratio(self.compliant, self.answered)
        return f


def _in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Call.started_at >= start, Call.started_at < end)


def _scan(db: Session, s: Settings, start: datetime, end: datetime,
          agents: list[str] | None = None) -> tuple[_Acc, dict[str, _Acc]]:
    """(team, per agent) accumulators of the calls started in [start, end)."""
    keys = _group_keys()
    q = select(*keys, *_sums(s)).where(_in_period(start, end)).group_by(*keys)
    if agents is not None:
        q = q.where(Call.agent.in_(agents))
    team, per = _Acc(), {}
    for r in db.execute(q):
        team.add(r)
        if r.agent is not None:
            per.setdefault(r.agent, _Acc()).add(r)
    return team, per


# --- the days already over are kept, today is read live ----------------------------------------
#
# Over 1 M calls a month of these scans took about 0.5 s on SQLite (bench/panel_queries.py), and
# no index removes that: the cost is per call read (grouping, the CASE sums, the ring-attempt
# join), tens of thousands of calls a month. But the calls of the days already over hardly ever
# change, so a period is cut at the start of today: the part before is computed once and kept as
# long as the calls started in it are the same (same count, same newest built_at: the listener
# sets built_at on every write of a call and of its ring attempts, ami_listener/store.py, and
# retention only deletes), today's part is computed live, and the parts add up (everything kept
# is a count or a sum). The definitions stay the ones above: a part is computed by the same
# functions as a whole period. QA grades and the follow-up tables change on their own and are
# always read live.
#
# The past part is kept per local day, so that at midnight only yesterday is new (the week and
# month periods, the running KPI month: each would otherwise be computed whole again), and a
# rebuilt call costs its own day only. The days are checked together: one look at the whole span
# (count, newest built_at) against the days' kept stamps added up — as strong as one stamp for the
# span (a changed or added call moves the newest built_at, a deleted one the count) and as cheap
# (~15 ms over a month of 1 M calls/year on SQLite); only when that differs are the days looked
# at one by one (~25 ms a month) and the changed ones computed again.
#
# The web process's page threads and its warmer (web/warm.py) share these dicts: a value is built
# whole before it is stored, stored with one assignment and never changed afterwards (callers
# merge kept parts into new objects); eviction runs under _KEPT_LOCK, readers only .get().

_KEPT: dict[tuple[Any, ...], tuple[tuple[int, Any], Any]] = {}
_KEPT_MAX = 1000  # day parts: the supervisor page's three periods and KPI months use ~170, tens of KB each
_KEPT_LOCK = threading.Lock()
# one computation per kept part at a time: a page asking for a day the warmer is computing waits
# for it instead of computing it a second time (striped: a lock per key would need evicting too)
_COMPUTING = tuple(threading.Lock() for _ in range(16))
_STATS = {"computed": 0}
_RECORDING = threading.local()


@dataclass
class _Calls:
    """What the calls (and their ring attempts) of part of a period give; parts add up."""

    team: _Acc = field(default_factory=_Acc)
    per: dict[str, _Acc] = field(default_factory=dict)
    rings: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    repeat: tuple[int, int] = (0, 0)

    def merge(self, other: "_Calls") -> "_Calls":
        self.team.merge(other.team)
        for agent, acc in other.per.items():
            self.per.setdefault(agent, _Acc()).merge(acc)
        for agent, v in other.rings.items():
            old = self.rings.get(agent, (0, 0, 0, 0))
            self.rings[agent] = (old[0] + v[0], old[1] + v[1], old[2] + v[2], old[3] + v[3])
        self.repeat = (self.repeat[0] + other.repeat[0], self.repeat[1] + other.repeat[1])
        return self


def _calls_of(db: Session, s: Settings, start: datetime, end: datetime) -> _Calls:
    team, per = _scan(db, s, start, end)
    # repeats add up across parts: whether a call repeats depends on the calls of the
    # repeat_window_h before it, which repeat_rate reads whatever the period's start
    r = repeat_rate(db, s, start, end)
    return _Calls(team, per, _ring_figures(db, s, start, end), (r.num, r.den))


def _parts(s: Settings, start: datetime, end: datetime) -> list[tuple[datetime, datetime, bool]]:
    """[start, end) cut at the start of today: (from, to, kept) — the days over kept, today live."""
    cut = min(max(period("day", s)[0], start), end)
    return [(a, b, kept) for a, b, kept in ((start, cut, True), (cut, end, False)) if a < b]


def _days(s: Settings, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at every local midnight."""
    tz = ZoneInfo(s.timezone)
    out: list[tuple[datetime, datetime]] = []
    a = start
    while a < end:
        b = min(local_day_start(a.astimezone(tz).date() + timedelta(days=1), s.timezone), end)
        if b <= a:  # cannot happen with a real zone; never loop forever on one that does it
            b = end
        out.append((a, b))
        a = b
    return out


def _stamp_of(n: Any, newest: Any) -> tuple[int, Any]:
    return int(n or 0), newest


def _added(stamps: Iterable[tuple[int, Any]]) -> tuple[int, Any]:
    stamps = list(stamps)
    newest = [m for _, m in stamps if m is not None]
    return sum(n for n, _ in stamps), max(newest) if newest else None


def _day_stamps(db: Session, days: list[tuple[datetime, datetime]]) -> list[tuple[int, Any]]:
    """(count, newest built_at) of the calls started in each [a, b): one statement per 100 days."""
    out: list[tuple[int, Any]] = []
    for i in range(0, len(days), 100):
        chunk = days[i:i + 100]
        q = union_all(*[select(literal_column(str(j)).label("j"), func.count().label("n"),
                               func.max(Call.built_at).label("m")).where(_in_period(a, b))
                        for j, (a, b) in enumerate(chunk)])
        got = {r.j: _stamp_of(r.n, r.m) for r in db.execute(q)}
        out.extend(got.get(j, (0, None)) for j in range(len(chunk)))
    return out


def _kept(db: Session, s: Settings, what: tuple[Any, ...], start: datetime, end: datetime,
          compute: Any) -> list[Any]:
    """compute(db, s, a, b) for every local day [a, b) of [start, end), each computed again only
    when the calls started in that day changed (count or newest built_at; ix_calls_started_built
    answers that from the index). The caller adds the days up."""
    rec = getattr(_RECORDING, "kept", None)
    if rec is not None:
        rec.setdefault((what, start, end), compute)
    url = str(db.get_bind().url)
    days = _days(s, start, end)
    keys = [(url, what, a, b, s.timezone, s.service_level_s, s.short_abandon_s, ring_rule(s).threshold_s,
             s.repeat_window_h) for a, b in days]
    hits = [_KEPT.get(k) for k in keys]
    # read before computing: a call written meanwhile makes the next look compute again
    if all(h is not None for h in hits):
        whole = _stamp_of(*db.execute(select(func.count(), func.max(Call.built_at))
                                      .where(_in_period(start, end))).one())
        if _added(h[0] for h in hits) == whole:  # type: ignore[index]
            return [h[1] for h in hits]  # type: ignore[index]
    out = []
    for key, (a, b), hit, stamp in zip(keys, days, hits, _day_stamps(db, days)):
        out.append(hit[1] if hit is not None and hit[0] == stamp else _compute(db, s, key, stamp, compute, a, b))
    return out


def _compute(db: Session, s: Settings, key: tuple[Any, ...], stamp: tuple[int, Any], compute: Any,
             a: datetime, b: datetime) -> Any:
    with _COMPUTING[hash(key) % len(_COMPUTING)]:
        hit = _KEPT.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]  # another thread (the warmer) computed it while this one waited
        value = compute(db, s, a, b)
        with _KEPT_LOCK:
            if len(_KEPT) >= _KEPT_MAX:
                for old in list(_KEPT)[:_KEPT_MAX // 2]:  # the longest kept first
                    del _KEPT[old]
            _KEPT[key] = (stamp, value)
            _STATS["computed"] += 1
    return value


def kept_computed() -> int:
    """How many kept day parts were computed since the process started (the warmer logs it)."""
    return _STATS["computed"]


@contextmanager
def recording_kept() -> Iterator[dict[tuple[Any, ...], Any]]:
    """Records, on this thread, which kept spans the metric functions called inside read:
    {(what, start, end): compute}. :func:`check_kept` looks at them again without the live part."""
    _RECORDING.kept = rec = {}
    try:
        yield rec
    finally:
        _RECORDING.kept = None


def check_kept(db: Session, s: Settings, recorded: dict[tuple[Any, ...], Any]) -> None:
    """Check the kept days of spans recorded by :func:`recording_kept` (the validation queries
    only) and compute again those whose calls changed — what the warmer does between midnights."""
    for (what, start, end), compute in recorded.items():
        _kept(db, s, what, start, end, compute)


def _calls(db: Session, s: Settings, start: datetime, end: datetime) -> _Calls:
    out = _Calls()  # a new object each time: what is kept is never changed
    for a, b, kept in _parts(s, start, end):
        for part in (_kept(db, s, ("calls",), a, b, _calls_of) if kept else [_calls_of(db, s, a, b)]):
            out.merge(part)
    return out


def _scan_kept(db: Session, s: Settings, start: datetime, end: datetime) -> tuple[_Acc, dict[str, _Acc]]:
    """:func:`_scan` of every agent, past days kept (the R-KPI months)."""
    out = _Calls()
    for a, b, kept in _parts(s, start, end):
        for team, per in (_kept(db, s, ("scan",), a, b, _scan) if kept else [_scan(db, s, a, b)]):
            out.merge(_Calls(team, per))
    return out.team, out.per


# --- team and per-agent figures -----------------------------------------------------------------

def figures(db: Session, s: Settings, start: datetime, end: datetime, agent: str | None = None) -> Figures:
    """All metrics for the team (agent None) or one agent over [start, end)."""
    if agent is not None:
        return agent_figures(db, s, start, end, agents=[agent]).get(agent) or Figures()
    return team_and_agents(db, s, start, end)[0]


def agent_figures(db: Session, s: Settings, start: datetime, end: datetime,
                  agents: Iterable[str] | None = None) -> dict[str, Figures]:
    """Metrics per agent (answering agent of each call; ring attempts of each agent)."""
    wanted = list(agents) if agents is not None else None
    if wanted is None:
        c = _calls(db, s, start, end)
        return _agents(db, s, start, end, c.per, None, rings=c.rings)
    _team, per = _scan(db, s, start, end, wanted)
    return _agents(db, s, start, end, per, wanted)


def team_and_agents(db: Session, s: Settings, start: datetime, end: datetime) -> tuple[Figures, dict[str, Figures]]:
    """Team figures and per-agent figures from one reading of the calls (the supervisor page)."""
    c = _calls(db, s, start, end)
    f = c.team.fill(Figures())
    rings = c.rings
    total = [0, 0, 0, 0]
    for v in rings.values():
        total = [a + b for a, b in zip(total, v)]
    _set_rings(f, tuple(total))
    qa = _qa(db, start, end)
    n = sum(c for _, c in qa.values())
    f.qa_count = n
    f.qa_avg = (sum(a * c for a, c in qa.values()) / n) if n else None
    f.repeat_rate = Ratio(*c.repeat)
    _team_only(db, s, start, end, f)
    return f, _agents(db, s, start, end, c.per, None, rings=rings, qa=qa)


def _agents(db: Session, s: Settings, start: datetime, end: datetime, per: dict[str, _Acc],
            wanted: list[str] | None, rings: dict[str, tuple[int, int, int, int]] | None = None,
            qa: dict[str, tuple[float, int]] | None = None) -> dict[str, Figures]:
    out: dict[str, Figures] = {a: Figures() for a in (wanted if wanted is not None else s.agents)}
    for a, acc in per.items():
        out[a] = acc.fill(Figures())
    if rings is None:
        rings = _ring_figures(db, s, start, end, wanted)
    elif wanted is not None:
        rings = {a: v for a, v in rings.items() if a in wanted}
    for a, v in rings.items():
        _set_rings(out.setdefault(a, Figures()), v)
    if qa is None:
        qa = _qa(db, start, end, wanted)
    for a, (avg, n) in qa.items():
        if wanted is None or a in wanted:
            f = out.setdefault(a, Figures())
            f.qa_avg, f.qa_count = avg, n
    for f in out.values():
        # offered/abandoned/timeouts are queue facts, not an agent's: per agent they stay 0
        f.offered = f.abandoned = f.short_abandoned = f.timeouts = f.ivr_only = 0
        f.sl = Ratio(f.sl.num, f.answered)
        f.abandon_rate = Ratio(0, 0)
    return dict(sorted(out.items()))


def _ring_figures(db: Session, s: Settings, start: datetime, end: datetime,
                  agents: list[str] | None = None) -> dict[str, tuple[int, int, int, int]]:
    """Per agent: (answered attempts, answered within 4 rings, no_answer attempts, late answers)."""
    answered = RingAttempt.result == "answered"
    within = and_(answered, or_(Call.within_4_rings.is_(True),
                                and_(Call.within_4_rings.is_(None), RingAttempt.ring_seconds <= ring_rule(s).threshold_s)))
    q = (select(RingAttempt.agent, _n(answered).label("a"), _n(within).label("w"),
                _n(RingAttempt.result == "no_answer").label("na"))
         .select_from(Call).join(RingAttempt, RingAttempt.call_pk == Call.id)
         # attempts belong to the period of their call (like every metric; uses the started_at
         # index); an agent's phone ringing for an outbound (callback) call is not a caller kept waiting
         .where(_in_period(start, end), Call.direction == "inbound"))
    if agents is not None:
        q = q.where(RingAttempt.agent.in_(agents))
    return {r.agent: (int(r.a), int(r.w), int(r.na), int(r.a) - int(r.w))
            for r in db.execute(q.group_by(RingAttempt.agent))}


def _set_rings(f: Figures, v: tuple[int, ...]) -> None:
    answered, within, no_answer, late = v
    f.four_ring_rate = Ratio(within, answered)
    f.no_answer_attempts = no_answer
    # R-ANS-4RINGS: every ring-out counts against the agent as well as every late answer
    f.four_ring_violations = late + no_answer


def current_grades() -> Any:
    """QA grades that count: those no later grade corrects."""
    newer = aliased(QaGrade)
    return not_(exists(select(1).where(newer.corrects_id == QaGrade.id)))


def _qa(db: Session, start: datetime, end: datetime,
        agents: list[str] | None = None) -> dict[str, tuple[float, int]]:
    q = (select(QaGrade.agent, func.avg(QaGrade.score), func.count())
         .join(Call, Call.id == QaGrade.call_pk)
         .where(_in_period(start, end), current_grades(), QaGrade.agent.isnot(None)))
    if agents is not None:
        q = q.where(QaGrade.agent.in_(agents))
    return {a: (float(avg), int(n)) for a, avg, n in db.execute(q.group_by(QaGrade.agent))}


# --- R-ONE-CALL ----------------------------------------------------------------------------------

def repeat_rate(db: Session, s: Settings, start: datetime, end: datetime) -> Ratio:
    """Computed in Python over (number, time) pairs: portable, and the window arithmetic on
    stored UTC times differs between SQLite and PostgreSQL."""
    window = timedelta(hours=s.repeat_window_h)
    answered = and_(Call.disposition == "answered", Call.agent.isnot(None))
    ticket = Call.vars["HOTLINE_FAULT_TICKET"].as_string().isnot(None)
    in_window = and_(Call.direction == "inbound", Call.caller_number.isnot(None), Call.caller_number != "",
                     Call.started_at >= start - window, Call.started_at < end)
    den = int(db.scalar(select(func.count()).where(in_window, Call.started_at >= start)) or 0)
    # only numbers seen more than once can repeat: read just their calls
    again = select(Call.caller_number).where(in_window).group_by(Call.caller_number).having(func.count() > 1)
    rows = db.execute(
        select(Call.caller_number, Call.started_at, case((or_(not_(answered), ticket), 1), else_=0))
        .where(in_window, Call.caller_number.in_(again))
        .order_by(Call.caller_number, Call.started_at)).all()
    num = 0
    last_open: dict[str, datetime] = {}
    for number, at, is_open in rows:
        if at >= start:
            prev = last_open.get(number)
            if prev is not None and at - prev <= window:
                num += 1
        if is_open:
            last_open[number] = at
    return Ratio(num, den)


# --- data other features own: "no data" until their tables exist --------------------------------

def _feature(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# --- follow-up work (R-ONE-CALL): hotline.callbacks gives the raw counts, the rates are defined here

def _team_only(db: Session, s: Settings, start: datetime, end: datetime, f: Figures) -> Figures:
    """The metrics that belong to the team, not to an agent (tasks, reports and complaints are
    not per agent): per agent they stay None ("no data")."""
    f.callback_closure = callback_closure(db, s, start, end)
    f.revisit_done = revisit_done(db, start, end)
    f.fault_sla = fault_sla(db, s, start, end)
    clocks = callbacks.complaint_clock_counts(db, start, end)
    f.complaint_clocks = complaint_clocks(db, s, start, end, counts=clocks)
    f.complaint_resolution = complaint_resolution(db, start, end, counts=clocks)
    return f


def callback_closure(db: Session, s: Settings, start: datetime, end: datetime) -> Ratio:
    """R-MISSED-CALLBACK: missed-call tasks made in [start, end) closed within
    callback_missed_due_min of the missed call (reached by a callback, or the customer called again
    and was answered) ÷ missed-call tasks made in [start, end)."""
    c = callbacks.missed_callback_counts(db, s, start, end, within_min=s.callback_missed_due_min)
    return Ratio(c["closed_within"], c["tasks"])


def revisit_done(db: Session, start: datetime, end: datetime, now: datetime | None = None) -> Ratio:
    """R-FAULT-REVISIT: revisit tasks due in [start, end) done ÷ those done, failed or open past
    their deadline (a deadline still ahead is not yet owed; a cancelled task is not owed)."""
    c = callbacks.revisit_counts(db, start, end, now=now)
    return Ratio(c["done"], c["done"] + c["failed"] + c["overdue"])


def fault_sla(db: Session, s: Settings, start: datetime, end: datetime,
              now: datetime | None = None) -> Ratio | None:
    """R-FAULT-SLA: reports (made in the period, with a fix-by time) closed by their fix-by ÷
    reports closed + reports still open past their fix-by. The report table has no closed_at:
    a closed report's updated_at is taken as its repair time."""
    m = _feature("hotline.models.ivr")
    FR = getattr(m, "FaultReport", None)
    if FR is None:
        return None
    now = now or datetime.now(timezone.utc)
    closed = FR.status == "closed"
    met = and_(closed, FR.updated_at <= FR.fix_by)
    due = or_(closed, and_(FR.status == "open", FR.fix_by < now))
    row = db.execute(select(_n(met), _n(due)).where(FR.created_at >= start, FR.created_at < end,
                                                    FR.fix_by.isnot(None))).one()
    return Ratio(int(row[0]), int(row[1]))


def complaint_clocks(db: Session, s: Settings, start: datetime, end: datetime,
                     counts: dict[str, dict[str, int]] | None = None) -> Ratio:
    """R-COMPLAINT: every clock (contact, solution / progress) of the complaints received in
    [start, end) met ÷ met + missed; a clock still running inside its deadline is not counted."""
    c = counts if counts is not None else callbacks.complaint_clock_counts(db, start, end)
    met = sum(v["met"] for v in c.values())
    return Ratio(met, met + sum(v["missed"] for v in c.values()))


def complaint_resolution(db: Session, start: datetime, end: datetime,
                         counts: dict[str, dict[str, int]] | None = None) -> Ratio:
    """R-KPI complaint resolution: the solution clock (general complaints, complaint_solution_h)
    met ÷ met + missed."""
    sol = (counts if counts is not None else callbacks.complaint_clock_counts(db, start, end))["solution"]
    return Ratio(sol["met"], sol["met"] + sol["missed"])


# --- time series for the charts ------------------------------------------------------------------

def _bucket(db: Session, s: Settings, unit: str, start: datetime) -> Any:
    offset = ZoneInfo(s.timezone).utcoffset(start.replace(tzinfo=None)) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if db.get_bind().dialect.name == "sqlite":
        fmt = "%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d"
        return func.strftime(fmt, Call.started_at, f"{minutes:+d} minutes")
    fmt = "YYYY-MM-DD HH24:00" if unit == "hour" else "YYYY-MM-DD"
    return func.to_char(Call.started_at + func.make_interval(0, 0, 0, 0, 0, minutes), fmt)  # a bare timedelta would be bound as a UTCDateTime


def series(db: Session, s: Settings, start: datetime, end: datetime, unit: str | None = None) -> dict[str, Any]:
    """Offered / answered / SL / abandon rate per hour (periods up to 2 days) or per day."""
    unit = unit or ("hour" if end - start <= timedelta(days=2) else "day")

    def buckets(db: Session, s: Settings, a: datetime, b: datetime) -> dict[str, _Acc]:
        # the zone offset of the period's start for every part: the labels do not depend on the cut
        label = _bucket(db, s, unit, start).label("b")
        keys = _group_keys()
        out: dict[str, _Acc] = {}
        for row in db.execute(select(label, *keys, *_sums(s)).where(_in_period(a, b)).group_by(label, *keys)):
            out.setdefault(row.b, _Acc()).add(row)
        return out

    accs: dict[str, _Acc] = {}
    for a, b, kept in _parts(s, start, end):
        for part in (_kept(db, s, ("series", unit, start), a, b, buckets) if kept else [buckets(db, s, a, b)]):
            for k, acc in part.items():
                accs.setdefault(k, _Acc()).merge(acc)
    found = {k: acc.fill(Figures()) for k, acc in accs.items()}
    out: dict[str, Any] = {"unit": unit, "labels": [], "offered": [], "answered": [], "ivr_only": [],
                           "sl_pct": [], "abandon_pct": []}
    for label in _labels(s, unit, start, end) or sorted(found):
        f = found.pop(label, Figures())
        out["labels"].append(label)
        out["offered"].append(f.offered)
        out["answered"].append(f.answered)
        out["ivr_only"].append(f.ivr_only)
        out["sl_pct"].append(f.sl.pct)
        out["abandon_pct"].append(f.abandon_rate.pct)
    return out


def _labels(s: Settings, unit: str, start: datetime, end: datetime) -> list[str]:
    """Every bucket of the period (empty hours and days included), in the operator's zone."""
    tz = ZoneInfo(s.timezone)
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    fmt = "%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d"
    out, t = [], start
    while t < end and len(out) < 1000:
        out.append(t.astimezone(tz).strftime(fmt))
        t += step
    return out


# --- R-KPI ------------------------------------------------------------------------------------------

@dataclass
class KpiCell:
    value: Ratio | None
    target: float

    @property
    def below(self) -> bool:
        p = None if self.value is None else self.value.pct
        return p is not None and p < self.target


# KPI months are read often (every supervisor page) and change slowly: a closed month is kept
# for an hour, the running month for a minute.
_KPI_CACHE: dict[tuple[Any, ...], tuple[float, dict[str, Figures]]] = {}
KPI_CACHE_S = {"closed": 3600.0, "current": 60.0}


def clear_cache() -> None:
    with _KEPT_LOCK:
        _KPI_CACHE.clear()
        _KEPT.clear()


def _kpi_month(db: Session, s: Settings, year: int, month: int, agents: list[str] | None) -> dict[str, Figures]:
    import time as _time

    a, b = month_range(year, month, s.timezone)
    key = (str(db.get_bind().url), year, month, s.timezone, s.service_level_s, s.short_abandon_s,
           tuple(agents) if agents is not None else None)
    hit = _KPI_CACHE.get(key)
    if hit and hit[0] > _time.monotonic():
        return hit[1]
    _team, per = _scan(db, s, a, b, agents) if agents is not None else _scan_kept(db, s, a, b)
    out = {ag: acc.fill(Figures()) for ag, acc in per.items()}
    for ag in (agents if agents is not None else s.agents):
        out.setdefault(ag, Figures())
    ttl = KPI_CACHE_S["closed" if b <= datetime.now(timezone.utc) else "current"]
    with _KEPT_LOCK:  # shared with the warmer: stored whole, never changed afterwards
        if len(_KPI_CACHE) > 500:
            _KPI_CACHE.clear()
        _KPI_CACHE[key] = (_time.monotonic() + ttl, out)
    return out


def _months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def kpis(db: Session, s: Settings, year: int, month: int,
         agents: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per agent: the four R-KPI values of the month with their targets, and ``retraining``: the
    KPIs below target in each of the last ``kpi_retraining_months`` months (this one included)."""
    months = _months_back(year, month, max(1, s.kpi_retraining_months))
    wanted = list(agents) if agents is not None else None
    per_month = [_kpi_month(db, s, y, m, wanted) for y, m in months]
    names = sorted(set().union(*[set(pm) for pm in per_month]))
    out: dict[str, dict[str, Any]] = {}
    for agent in names:
        cells_by_month = []
        for pm in per_month:
            f = pm.get(agent, Figures())
            cells_by_month.append({k: KpiCell(getattr(f, metric), getattr(s, target))
                                   for k, (metric, target, _) in KPIS.items()})
        retraining = [k for k in KPIS if all(c[k].below for c in cells_by_month)]
        out[agent] = {"cells": cells_by_month[0], "retraining": retraining}
    return out


def team_kpis(db: Session, s: Settings, year: int, month: int) -> dict[str, Any]:
    """The four R-KPI values of the month for the whole team: on-time handling and complaint
    resolution exist only at team level (reports and complaints belong to no agent). Retraining
    is a person's matter, so the team row never carries it."""
    a, b = month_range(year, month, s.timezone)
    team, _per = _scan_kept(db, s, a, b)
    f = _team_only(db, s, a, b, team.fill(Figures()))
    return {"cells": {k: KpiCell(getattr(f, metric), getattr(s, target)) for k, (metric, target, _) in KPIS.items()},
            "retraining": []}
