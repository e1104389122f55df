"""The metrics' one cache: values built whole, stored with one assignment and never changed
afterwards, under one lock. Two stores use it: the kept days (a past local day's figures, valid
while its calls are the same) and the R-KPI months (valid for a time).

Why days are kept: over 1 M calls a month the scans took about 0.5 s on SQLite
(bench/panel_queries.py), and no index removes that: the cost is per call read (grouping, the CASE
sums, the ring-attempt join). But the calls of the days already over hardly ever change, so a
period is cut at the start of today: the part before is computed once per local day and kept as
long as the calls started in that day are the same (same count, same newest built_at: the listener
sets built_at on every write of a call and of its ring attempts, ami_listener/store.py, and
retention only deletes), today's part is computed live, and the parts add up (everything kept is a
count or a sum). A part is computed by the same functions as a whole period. QA grades and the
follow-up tables change on their own and are always read live.

Today is kept by closed hour the same way (#17: at 10 M calls a year today alone is ~27 000 calls,
too many to read on every page): the part cut off is the running hour, and a closed hour of today is
kept, checked and shared like a past day (every metric counts a call in the part it started in, so a
call across an hour's edge counts once). Once a day is over its hours stay kept beside its own row
(until the previous month's start, hotline.metrics.refresh), so that a past day whose own value is
missing (yesterday, just after midnight) or stale (a call of it written again) is the sum of its
hours, with only the changed ones computed (:func:`days_from_hours`, #17). A figure that reads calls
before its part (the team's repeats: a repeat window back) computes its stale parts together, one
reading per run of them split per part afterwards (:func:`compute_parts`, :func:`compute_run`): a
rewrite of a past day's call leaves a run of stale hours behind it (that day's, today's closed hours
the window reaches); the reading takes its unchanged hours' calls from :mod:`~.repeat_inputs`.

Kept per local day so that at midnight only yesterday is new, and a rebuilt call costs its own day
only. The days are checked together: one look at the whole span against the days' stamps added up
(as strong as one stamp for the span); only when that differs are they looked at one by one. A look
(:mod:`hotline.metrics.stamps`) reads the stamps kept per hour (``call_hours``, migration 0021):
~24 rows a day whatever the calls (#17: the calls' own index was ~850 000 entries a month at 10 M
calls a year); a span not on whole UTC hours (a :30 zone) is looked at in ``ix_calls_started_built``.

Shared through the database: a day this process does not hold is read from its rollup
(``metric_rollups``, :mod:`hotline.metrics.rollups`), kept up to date by the scheduler daemon
(:mod:`hotline.metrics.refresh`): a panel process that starts computes nothing of the days over; a
day whose rollup no longer holds (its calls changed since the step) is computed here. The sum of
the parts of each span a page adds up is kept too (:func:`sum_key`): one row per figure when the
span's calls did not change.

A process's page threads share these stores: eviction runs under LOCK, readers only ``get``;
callers merge kept parts into new objects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline.metrics import rollups, stamps
from hotline.metrics.periods import HOUR, kept_spans, running_hour
from hotline.settings import Settings

Compute = Callable[[Session, Settings, datetime, datetime], Any]
# the values of several parts (sorted, disjoint spans) from one reading: a run of stale hours of the
# team's repeats is one scan of the calls, not one per hour (#17)
ComputeRun = Callable[[Session, Settings, list[tuple[datetime, datetime]]], list[Any]]
Stamp = rollups.Stamp
Part = tuple[tuple[Any, ...], datetime, datetime, Stamp]  # (key, a, b, stamp) of a part to compute
LIVE: tuple[Any, ...] = ("live",)  # the key of a part computed with others but never kept (the running hour)

LOCK = threading.Lock()


class Cache:
    """Entries (check, value) by key: ``check`` says whether the value still holds (a day's
    stamp, an expiry time). When full, the longest kept half goes."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def get(self, key: tuple[Any, ...]) -> tuple[Any, Any] | None:
        return self._entries.get(key)

    def put(self, key: tuple[Any, ...], check: Any, value: Any) -> None:
        with LOCK:
            if len(self._entries) >= self.max_entries:
                for old in list(self._entries)[:max(1, self.max_entries // 2)]:
                    del self._entries[old]
            self._entries[key] = (check, value)

    def fresh(self, key: tuple[Any, ...]) -> Any | None:
        """The value of a time-limited entry (check = its monotonic expiry), None when gone."""
        hit = None if writing_on() else self._entries.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put_for(self, key: tuple[Any, ...], seconds: float, value: Any) -> None:
        self.put(key, time.monotonic() + seconds, value)

    def drop(self, keep: Callable[[tuple[Any, ...]], bool] = lambda _k: False) -> None:
        with LOCK:
            for k in [k for k in self._entries if not keep(k)]:
                del self._entries[k]

    def keys(self) -> list[tuple[Any, ...]]:
        return list(self._entries)


KEPT = Cache(1000)  # day parts: the supervisor page's three periods and KPI months use ~170, tens of KB each
KPI = Cache(500)  # R-KPI months: a closed month is kept for an hour, the running month a minute
# one computation per kept part at a time: a page asking for a day another thread is computing waits
# for it instead of computing it a second time (striped: a lock per key would need evicting too)
_COMPUTING = tuple(threading.Lock() for _ in range(16))
_WRITING = threading.local()


def database(db: Session) -> str:
    """Which database a value was read from (part of every key: tests and tools open several)."""
    return str(db.get_bind().engine.url)


def clear() -> None:
    KEPT.drop()
    KPI.drop()


def parts(s: Settings, start: datetime, end: datetime) -> list[tuple[datetime, datetime, bool]]:
    """[start, end) cut at the start of the running hour: (from, to, kept) — the days over and
    today's closed hours kept, the running hour live."""
    cut = min(max(running_hour(s), start), end)
    return [(a, b, kept) for a, b, kept in ((start, cut, True), (cut, end, False)) if a < b]


def by_day(db: Session, s: Settings, what: tuple[Any, ...], start: datetime, end: datetime,
           compute: Compute, back: timedelta = timedelta(0), empty: Callable[[], Any] | None = None,
           run: ComputeRun | None = None) -> list[Any]:
    """compute(db, s, a, b) of the parts of [start, end): one per past local day and per closed
    hour of today (kept), and the running hour's live. The caller adds them up. ``back``: how far
    before a part the calls its value depends on reach (the repeat window: a call is a repeat by
    the calls before it), so that a change there makes it computed again too. ``empty``: the
    value of a part that no call started in (every figure counts a call in the part it started
    in), given without computing a kept part whose stamp counts no call. ``run``: what computes
    several parts at once (:data:`ComputeRun`), when reading them together is cheaper than one by
    one (:func:`compute_parts`)."""
    cut = parts(s, start, end)
    if run is not None and [kept for _a, _b, kept in cut] == [True, False]:
        # the running hour joins the reading of the stale parts before it (a view after a rewrite)
        return kept_days(db, s, what, cut[0][0], cut[0][1], compute, back, empty, run, live=cut[1][:2])
    out: list[Any] = []
    for a, b, kept in cut:
        out.extend(kept_days(db, s, what, a, b, compute, back, empty, run) if kept else [compute(db, s, a, b)])
    return out


def kept_days(db: Session, s: Settings, what: tuple[Any, ...], start: datetime, end: datetime,
              compute: Compute, back: timedelta = timedelta(0), empty: Callable[[], Any] | None = None,
              run: ComputeRun | None = None, live: tuple[datetime, datetime] | None = None) -> list[Any]:
    """compute(db, s, a, b) for every local day [a, b) of [start, end) (today's by hour:
    :func:`~hotline.metrics.periods.kept_spans`), each computed again only when the calls started
    in it changed (count or newest built_at: :func:`stamps.stamp_query`), or their kept sum
    (:func:`sum_key`). A day this process does not hold is read from its rollup; while
    :func:`writing_rollups` is on, only the rollups count and every day computed is written. A day
    no call started in is given ``empty()`` (when given) instead of computed. ``live``: a span
    after [start, end) never kept (the running hour), given last, computed in the reading of the
    stale parts (``run``) when there are any."""
    params = rollups.params_of(s)
    spans = kept_spans(s, start, end)
    keys = [(database(db), what, a, b, *params) for a, b in spans]
    writing = writing_on()
    total = sum_key(keys[0][0], what, start, end, params) if len(spans) > 1 else None
    whole = stamps.span_stamp(db, start, end, back) if total is not None else None
    if (held := _sum_held(db, total, whole, writing)) is not None:
        return [held] + ([compute(db, s, *live)] if live else [])
    hits = [None if writing else KEPT.get(k) for k in keys]
    if any(h is None for h in hits):
        shared = rollups.read(db, what, params, [span for span, h in zip(spans, hits, strict=True) if h is None])
        for i, (a, _b) in enumerate(spans):
            if hits[i] is None and a in shared:
                hits[i] = shared[a]
                if not writing:
                    KEPT.put(keys[i], *shared[a])
    # read before computing: a call written meanwhile makes the next look compute again
    if all(h is not None for h in hits):
        whole = whole or stamps.span_stamp(db, start, end, back)
        if stamps.added(h[0] for h in hits if h is not None) == whole:
            values = _keep_sum(total, start, end, whole, [h[1] for h in hits if h is not None])
            return values + ([compute(db, s, *live)] if live else [])
    now_stamps = stamps.day_stamps(db, spans, back)
    stale = [i for i, h in enumerate(hits) if h is not None and h[0] != now_stamps[i]]
    if stale and not writing:
        # this process's value is out of date: the scheduler's step may have written the new one already
        shared = rollups.read(db, what, params, [spans[i] for i in stale])
        for i in stale:
            if spans[i][0] in shared and shared[spans[i][0]][0] == now_stamps[i]:
                hits[i] = shared[spans[i][0]]
                KEPT.put(keys[i], *shared[spans[i][0]])
    todo = [i for i, h in enumerate(hits) if h is None or h[0] != now_stamps[i]]
    days: list[Part] = [(keys[i], *spans[i], now_stamps[i]) for i in todo]
    summed = days_from_hours(db, s, what, days, back, empty, run)
    # the stale hours of the days summed and the days computed whole, computed together: a run of
    # them (a rewritten day's hours, today's closed hours its repeat window reaches) in one reading
    todo_parts = [h for hours in summed.values() for h, held in hours if held is None]
    todo_parts += [d for d in days if d[0] not in summed]
    if live and todo_parts and run is not None:
        todo_parts.append((LIVE, *live, (1, None)))
    computed = compute_parts(db, s, todo_parts, compute, back, empty, run)
    out = []
    for key, (a, b), hit, stamp in zip(keys, spans, hits, now_stamps, strict=True):
        if hit is not None and hit[0] == stamp:
            out.append(hit[1])
        elif key in summed:
            hours = [held[1] if held is not None else computed[h[0]] for h, held in summed[key]]
            out.append(keep(key, a, b, stamp, rollups.added(hours)))
        else:
            out.append(computed[key])
    out = _keep_sum(total, start, end, whole, out)
    if live:
        out.append(computed[LIVE] if LIVE in computed else compute(db, s, *live))
    return out


def sum_key(base: str, what: tuple[Any, ...], start: datetime, end: datetime,
            params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The key of the sum of the kept parts of [start, end) (two or more), or None: none kept (#17:
    a panel started since read and added up a month page's ~30 days and today's closed hours per
    figure and three R-KPI months of days, ~150–300 rows). Kept and shared like a part, checked by
    the span's stamp (the look a page makes anyway); when it differs the parts are read as before."""
    return (base, (rollups.SUM, *what), start, end, *params)


def _sum_held(db: Session, key: tuple[Any, ...] | None, whole: Stamp | None, writing: bool) -> Any | None:
    """The kept sum's value while it holds at ``whole`` (from this process, else its rollup)."""
    if key is None:
        return None
    hit = None if writing else KEPT.get(key)
    if hit is None or hit[0] != whole:
        hit = rollups.read(db, key[1], key[4:], [key[2:4]]).get(key[2])
        if hit is not None and hit[0] == whole and not writing:
            KEPT.put(key, *hit)
    return hit[1] if hit is not None and hit[0] == whole else None


def _keep_sum(key: tuple[Any, ...] | None, start: datetime, end: datetime, whole: Stamp | None,
              values: list[Any]) -> list[Any]:
    """``values`` (the parts, in order), their sum kept at ``whole`` (read before them), added in
    the callers' order from an empty value (:func:`rollups.added`): its figures are theirs exactly."""
    if key is not None and whole is not None and all(v is not None for v in values):
        keep(key, start, end, whole, rollups.added(values))
    return values


# what computing a part costs besides its calls, in hours of calls read (bench/panel_queries.py on
# PostgreSQL at 10 M calls a year: a day's scan ~160 ms, an hour's ~35 ms)
PART_OVERHEAD = 4 * HOUR


def days_from_hours(db: Session, s: Settings, what: tuple[Any, ...], days: list[Part], back: timedelta,
                    empty: Callable[[], Any] | None, run: ComputeRun | None = None
                    ) -> dict[tuple[Any, ...], list[tuple[Part, tuple[Stamp, Any] | None]]]:
    """The past days of ``days`` (missing or stale) that are cheaper summed from their hours than
    computed whole, by key: each hour of the day with its kept (stamp, value), or None when it is
    to be computed. A day's hours are kept after it is over (in this process, and as the
    scheduler's rollups: :func:`rollups.purge_hours_before`), so after midnight yesterday is the
    sum of its 24 kept hours, and after a call of a past day changed only the hours whose stamp
    changed are computed: that hour, and the hours whose repeat window (``back``) reaches it.
    Worth it while those hours' readings (:func:`scans`) cost less than the day's
    (:data:`PART_OVERHEAD`); a day no hour of which is kept is computed whole. Only on whole hours
    (:func:`on_hours`): in a zone with a :30 offset a day is computed whole as before. The caller
    keeps (and, while :func:`writing_rollups` is on, writes) each day summed like a computed one,
    with the day's stamp, read before its hours' stamps: a call written meanwhile makes the next
    look compute it again."""
    days = [d for d in days if d[2] - d[1] > HOUR and stamps.on_hours(d[1], d[2], back) and (empty is None or d[3][0])]
    if not days:
        return {}
    params = rollups.params_of(s)
    base = database(db)
    hours = {d[0]: _hours(d[1], d[2]) for d in days}
    held: dict[tuple[datetime, datetime], tuple[Stamp, Any]] = {}
    if not writing_on():
        for h in (h for d in days for h in hours[d[0]]):
            hit = KEPT.get((base, what, *h, *params))
            if hit is not None:
                held[h] = hit
    missing = [h for d in days for h in hours[d[0]] if h not in held]
    shared = rollups.read(db, what, params, missing)
    for h in (h for h in missing if h[0] in shared):
        held[h] = shared[h[0]]
        if not writing_on():  # the day's next change reads them here
            KEPT.put((base, what, *h, *params), *held[h])
    days = [d for d in days if any(h in held for h in hours[d[0]])]
    spans = [h for d in days for h in hours[d[0]]]
    hour_stamps = dict(zip(spans, stamps.day_stamps(db, spans, back), strict=True))
    out: dict[tuple[Any, ...], list[tuple[Part, tuple[Stamp, Any] | None]]] = {}
    for key, a, b, _stamp in days:
        plan: list[tuple[Part, tuple[Stamp, Any] | None]] = [
            (((base, what, *h, *params), *h, hour_stamps[h]),
             held[h] if h in held and held[h][0] == hour_stamps[h] else None)
            for h in hours[key]]
        stale = [part for part, hit in plan if hit is None]
        if cost(scans(stale, back, run is not None), back) >= PART_OVERHEAD + (b - a) + back:
            continue  # computed whole: most of its hours changed, or their readings cost more
        out[key] = plan
    return out


# the most one reading of parts spans (the window before it aside): a long run of stale parts (a
# year's range in a process with no rollups) is read in pieces, never all of its calls at once
READING_MAX = 48 * HOUR


def scans(parts: list[Part], back: timedelta, together: bool) -> list[list[Part]]:
    """The readings that compute ``parts`` (sorted by start): one each, or (``together``: a
    :data:`ComputeRun`) one per run of them, a gap read through while that costs less than a
    reading's overhead and window (the calls of a gap are read but counted in no part), up to
    :data:`READING_MAX` of calls (a part's calls end now: the running hour's part ends with its
    period)."""
    out: list[list[Part]] = []
    now = datetime.now(UTC)
    for part in sorted(parts, key=lambda p: p[1]):
        if (together and out and part[1] - out[-1][-1][2] < PART_OVERHEAD + back
                and min(part[2], now) - out[-1][0][1] <= READING_MAX):
            out[-1].append(part)
        else:
            out.append([part])
    return out


def cost(readings: list[list[Part]], back: timedelta) -> timedelta:
    """What ``readings`` (:func:`scans`) cost, in hours of calls read: each its overhead, its
    window before and its span."""
    return sum((PART_OVERHEAD + back + (r[-1][2] - r[0][1]) for r in readings), timedelta(0))


def compute_parts(db: Session, s: Settings, parts: list[Part], compute: Compute, back: timedelta,
                  empty: Callable[[], Any] | None, run: ComputeRun | None) -> dict[tuple[Any, ...], Any]:
    """The values of ``parts`` (missing or stale), by key, each kept (:func:`keep`): a part no
    call started in is ``empty()`` (when given: kept and written as if computed), the others
    computed one by one, or with ``run`` one reading per :func:`scans` run."""
    out: dict[tuple[Any, ...], Any] = {}
    read: list[Part] = []  # those computed by ``run``
    for key, a, b, stamp in parts:
        if empty is not None and not stamp[0]:
            out[key] = compute_day(db, s, key, stamp, lambda *_a: empty(), a, b)
        elif run is None:
            out[key] = compute_day(db, s, key, stamp, compute, a, b)
        else:
            read.append((key, a, b, stamp))
    if run is not None:
        for reading in scans(read, back, together=True):
            out.update(compute_run(db, s, reading, run))
    return out


def _hours(a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """[a, b) (on whole hours) cut into hours elapsed from a, as today is cut
    (:func:`~hotline.metrics.periods.kept_spans`): a DST day has 23 or 25."""
    return [(a + HOUR * i, a + HOUR * (i + 1)) for i in range((b - a) // HOUR)]


def keep(key: tuple[Any, ...], a: datetime, b: datetime, stamp: Stamp, value: Any) -> Any:
    """Keep a part's value at its stamp in this process, and write it to its rollup while
    :func:`writing_rollups` is on. ``key``: (database, what, a, b, *params)."""
    KEPT.put(key, stamp, value)
    if writing_on():
        _WRITING.rows[key] = (a, b, stamp, value)
    return value


def compute_day(db: Session, s: Settings, key: tuple[Any, ...], stamp: Stamp, compute: Compute,
                a: datetime, b: datetime) -> Any:
    """The value of one day whose kept value is missing or no longer holds; written to its rollup
    too while :func:`writing_rollups` is on. ``key``: (database, what, a, b, *params)."""
    with _COMPUTING[hash(key) % len(_COMPUTING)]:
        hit = KEPT.get(key)
        if hit is not None and hit[0] == stamp:
            return keep(key, a, b, stamp, hit[1])  # another thread computed it while this one waited
        return keep(key, a, b, stamp, compute(db, s, a, b))


def compute_run(db: Session, s: Settings, parts: list[Part], run: ComputeRun) -> dict[tuple[Any, ...], Any]:
    """:func:`compute_day` of several parts (sorted, disjoint) from one reading, ``run``: those
    another thread computed meanwhile are taken from it; a :data:`LIVE` part is computed, not
    kept. By key."""
    out: dict[tuple[Any, ...], Any] = {}
    # every stripe the parts need, in one order for every thread: no two wait for each other
    stripes = sorted({hash(p[0]) % len(_COMPUTING) for p in parts if p[0] is not LIVE})
    for i in stripes:
        _COMPUTING[i].acquire()
    try:
        todo: list[Part] = []
        for key, a, b, stamp in parts:
            hit = None if key is LIVE else KEPT.get(key)
            if hit is not None and hit[0] == stamp:
                out[key] = keep(key, a, b, stamp, hit[1])
            else:
                todo.append((key, a, b, stamp))
        values = run(db, s, [(a, b) for _k, a, b, _s in todo]) if todo else []
        for (key, a, b, stamp), value in zip(todo, values, strict=True):
            out[key] = value if key is LIVE else keep(key, a, b, stamp, value)
    finally:
        for i in reversed(stripes):
            _COMPUTING[i].release()
    return out


@contextmanager
def writing_rollups() -> Iterator[dict[tuple[Any, ...], tuple[datetime, datetime, Stamp, Any]]]:
    """On this thread, the metric functions called inside check the rollups only (not this
    process's memory nor its R-KPI months) and write every day they compute (the scheduler's
    step, hotline.metrics.refresh). Yields a dict, filled once done: the rows to write, by key
    (database, what, a, b, *params) → (a, b, stamp, value); the caller writes them together (on
    SQLite, a write holds the database's lock until the commit: not while the step computes)."""
    _WRITING.on, _WRITING.rows = True, {}
    rows: dict[tuple[Any, ...], tuple[datetime, datetime, Stamp, Any]] = {}
    try:
        yield rows
    finally:
        rows.update(_WRITING.rows)
        _WRITING.on, _WRITING.rows = False, {}


def writing_on() -> bool:
    return bool(getattr(_WRITING, "on", False))
