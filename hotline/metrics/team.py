"""The figures of a period for the team and per agent, assembled from one reading of the calls
(past days kept, see :mod:`hotline.metrics.cache`), the ring attempts, QA and the follow-up work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.metrics import cache, queries
from hotline.metrics.cases import CaseFigures, case_figures, set_case_kpis
from hotline.metrics.followup import repeat_counts, team_only
from hotline.metrics.queries import Acc, RingCounts, set_rings
from hotline.metrics.values import Figures, Ratio
from hotline.settings import Settings


@dataclass
class Calls:
    """What the calls (and their ring attempts) of part of a period give; parts add up."""

    team: Acc = field(default_factory=Acc)
    per: dict[str, Acc] = field(default_factory=dict)
    rings: dict[str, RingCounts] = field(default_factory=dict)
    repeat: tuple[int, int] = (0, 0)

    def merge(self, other: Calls) -> Calls:
        self.team.merge(other.team)
        for agent, acc in other.per.items():
            self.per.setdefault(agent, Acc()).merge(acc)
        for agent, v in other.rings.items():
            old = self.rings.get(agent, (0, 0, 0, 0))
            self.rings[agent] = (old[0] + v[0], old[1] + v[1], old[2] + v[2], old[3] + v[3])
        self.repeat = (self.repeat[0] + other.repeat[0], self.repeat[1] + other.repeat[1])
        return self


def calls_of(db: Session, s: Settings, start: datetime, end: datetime) -> Calls:
    """One part of a period, computed whole (what is kept per day and per hour): the repeats are a
    part of their own (:func:`repeats_of`)."""
    team, per = queries.scan(db, s, start, end)
    return Calls(team, per, queries.ring_figures(db, s, start, end))


def repeats_of(db: Session, s: Settings, start: datetime, end: datetime) -> tuple[int, int]:
    """The repeats (R-ONE-CALL) of one part: (repeat calls, calls). Kept apart from the calls'
    other figures because they depend on the calls of the repeat_window_h before the part
    (followup.repeat_counts): a change to a call makes the repeats of the parts of the next
    repeat_window_h computed again, and only the repeats (#17: after a past day's rewrite its
    calls' figures are computed for the changed hour only, hotline.metrics.cache.days_from_hours).
    Several stale parts are computed from one scan (followup.repeat_counts, the ``run`` of
    cache.by_day)."""
    return repeat_counts(db, s, [(start, end)])[0]


def _no_repeats() -> tuple[int, int]:
    return 0, 0


def read_calls(db: Session, s: Settings, start: datetime, end: datetime, repeats: bool = True) -> Calls:
    out = Calls()  # a new object each time: what is kept is never changed
    if repeats:
        # first: their look (over the repeat window too) gives the calls' stamp as well
        # (stamps.one_reading). Repeats add up across parts: whether a call repeats depends on the
        # calls of the repeat_window_h before it, which repeat_counts reads whatever the part's start
        window = timedelta(hours=s.repeat_window_h)
        for num, den in cache.by_day(db, s, ("repeats",), start, end, repeats_of, window, _no_repeats,
                                     run=repeat_counts):
            out.repeat = (out.repeat[0] + num, out.repeat[1] + den)
    for part in cache.by_day(db, s, ("calls",), start, end, calls_of, empty=Calls):
        # a row written before the repeats were a part of their own holds them too: not counted here
        out.merge(Calls(part.team, part.per, part.rings))
    return out


def figures(db: Session, s: Settings, start: datetime, end: datetime, agent: str | None = None) -> Figures:
    """All metrics for the team (agent None) or one agent over [start, end)."""
    if agent is not None:
        return agent_figures(db, s, start, end, agents=[agent]).get(agent) or _agent_only(Figures())
    return team_and_agents(db, s, start, end)[0]


def service_level(db: Session, s: Settings, start: datetime, end: datetime) -> Ratio:
    """The team's SL over [start, end), as :func:`figures` gives it, from the calls' part alone (kept
    per day and closed hour): the wallboard's figure, without the supervisor page's QA, follow-ups,
    repeats and per-agent work (#17: the wallboard read all of that on every live change)."""
    return read_calls(db, s, start, end, repeats=False).team.fill(Figures()).sl or Ratio(0, 0)


def agent_figures(db: Session, s: Settings, start: datetime, end: datetime,
                  agents: Iterable[str] | None = None) -> dict[str, Figures]:
    """Metrics per agent (answering agent of each call; ring attempts of each agent)."""
    wanted = list(agents) if agents is not None else None
    if wanted is None:
        c = read_calls(db, s, start, end, repeats=False)
        return _agents(db, s, start, end, c.per, None, rings=c.rings)
    _team, per = queries.scan(db, s, start, end, wanted)
    return _agents(db, s, start, end, per, wanted)


def team_and_agents(db: Session, s: Settings, start: datetime, end: datetime) -> tuple[Figures, dict[str, Figures]]:
    """Team figures and per-agent figures from one reading of the calls (the supervisor page)."""
    c = read_calls(db, s, start, end)
    f = c.team.fill(Figures())
    total = (0, 0, 0, 0)
    for v in c.rings.values():
        total = (total[0] + v[0], total[1] + v[1], total[2] + v[2], total[3] + v[3])
    set_rings(f, total)
    qa = queries.qa(db, start, end)
    f.qa_avg, f.qa_count = queries.qa_team(qa)
    f.repeat_rate = Ratio(*c.repeat)
    team_only(db, s, start, end, f)
    return f, _agents(db, s, start, end, c.per, None, rings=c.rings, qa=qa)


def _agent_only(f: Figures) -> Figures:
    """Offered, abandons, timeouts, callers with no agent or refused by a full queue and the SL ÷
    offered are queue facts, not an agent's: per agent they stay 0 / None (an agent's service level
    is sl_answered)."""
    f.offered = f.abandoned = f.short_abandoned = f.timeouts = f.no_agent = f.queue_full = f.ivr_only = 0
    f.sl = None
    f.abandon_rate = Ratio(0, 0)
    return f


def _agents(db: Session, s: Settings, start: datetime, end: datetime, per: dict[str, Acc],
            wanted: list[str] | None, rings: dict[str, RingCounts] | None = None,
            qa: dict[str, tuple[float, int]] | None = None) -> dict[str, Figures]:
    out: dict[str, Figures] = {a: Figures() for a in (wanted if wanted is not None else s.agents)}
    for a, acc in per.items():
        out[a] = acc.fill(Figures())
    if rings is None:
        rings = queries.ring_figures(db, s, start, end, wanted)
    elif wanted is not None:
        rings = {a: v for a, v in rings.items() if a in wanted}
    for a, v in rings.items():
        set_rings(out.setdefault(a, Figures()), v)
    if qa is None:
        qa = queries.qa(db, start, end, wanted)
    for a, (avg, n) in qa.items():
        if wanted is None or a in wanted:
            f = out.setdefault(a, Figures())
            f.qa_avg, f.qa_count = avg, n
    owned = case_figures(db, start, end)[1]
    for a, f in out.items():
        _agent_only(f)
        set_case_kpis(f, owned.get(a, CaseFigures()))  # R-KPI: the cases the agent owns
    return dict(sorted(out.items()))
