"""What the team's repeats (R-ONE-CALL, :func:`hotline.metrics.followup.repeat_counts`) read of the
calls, kept per closed UTC hour: the number, start and openness of every inbound call with a
number, in the order of their start (and id).

Why (#17): whether a call repeats depends on the calls of the repeat window before it, so a
reading of the repeats of any part reads a window (24 h by default) more than the part. After a
past day's call was written again, the repeats of every part whose window reaches it are
computed again: yesterday's hours after it, today's closed hours, the running hour — one reading of
~44–47 hours of calls at 10 M calls a year (60–130 ms on PostgreSQL, more the more numbers call
again: every call of such a number is read). Kept per hour, that reading becomes the changed hour's
calls and the running hour's, read again; every other hour is taken from this process's memory or
from its rollup row, and the repeats are counted from them in Python, as they were from the
reading.

An hour's calls are kept like any kept part (:mod:`hotline.metrics.cache`): checked by the stamp of
the calls started in it (count and newest ``built_at``, from ``call_hours``), so a call of the hour
written again, deleted or moved out of it, or one moved into it, makes it read again; written by
the scheduler's step (its rollup rows, ``what`` = :data:`WHAT`), read by the panels. Only the hours
a page's repeats read can reach are kept: from yesterday's start less the repeat window
(:func:`kept_from`); a reading of older calls (a far-past range, the scheduler's first step) reads
the calls as before. ~28 KB an hour at 10 M calls a year, ~72 rows."""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy.orm import Session

from hotline.metrics import cache, rollups, stamps
from hotline.metrics.periods import EPOCH, HOUR, period, utc_hour
from hotline.settings import Settings

WHAT: tuple[Any, ...] = ("repeat_inputs",)
US = timedelta(microseconds=1)
# R-ONE-CALL's reading of the calls of [a, b): (number, started_at, open) by started_at and id
Read = Callable[[Session, datetime, datetime], Sequence[Any]]


def micros(t: datetime) -> int:
    return (t - EPOCH) // US


@dataclass
class Calls:
    """Calls in the order of their start (and id), as kept: each closed hour's text and the live
    rows, turned into (number, start in µs since the epoch, open) only as :meth:`rows` walks them,
    an hour at a time. #17: parsed all at once into lists, a page's day of kept hours was ~190
    bytes a call — the panel's and the scheduler's largest transient, growing with the day's calls
    (2.3 MB at 12 000 calls, every supervisor view of the day at once): it set where their memory's
    high-water ends."""

    # (the hour's start in µs, its numbers' text, starts after it, opens, only its open calls)
    hours: list[tuple[int, str, str, str, bool]] = field(default_factory=list)
    live: Sequence[Any] = ()  # the rows read live (of the hour now is in, and after)

    def rows(self, since: int, all_from: int) -> Iterator[tuple[str, int, bool]]:
        """The calls from ``since`` (µs since the epoch): the open ones only before ``all_from``,
        then all of them."""
        return chain.from_iterable(self._hours(since, all_from))  # an hour's calls pass through C

    def _hours(self, since: int, all_from: int) -> Iterator[Iterable[tuple[str, int, bool]]]:
        for base, numbers, starts, opens, open_only in self.hours:
            if not opens:
                continue
            ats = [base + int(x) for x in starts.split(",")]
            calls = zip(_numbers(numbers), ats, map("1".__eq__, opens), strict=True)
            if open_only or ats[0] < max(since, all_from):  # an hour the bounds cut
                yield ((n, at, o) for n, at, o in calls if at >= since and (o or at >= all_from))
            else:
                yield calls
        yield ((r[0], micros(r[1]), bool(r[2])) for r in self.live)


def kept_from(s: Settings, now: datetime | None = None) -> datetime:
    """The first hour kept: yesterday's start less the repeat window, on a whole UTC hour (a page's
    running hour, today's closed hours and yesterday's, the whole of a rewrite of yesterday, read
    no further back)."""
    today = period("day", s, now)[0]
    first = period("day", s, today - HOUR)[0] - timedelta(hours=s.repeat_window_h)
    return utc_hour(first)


def calls(db: Session, s: Settings, a: datetime, b: datetime, read: Read, open_before: datetime | None = None,
          now: datetime | None = None) -> Calls | None:
    """The calls of ``read`` started from the UTC hour ``a`` is in to ``b`` (the caller cuts them at
    ``a``; the last hour may end after ``b``) (:class:`Calls`): the closed hours taken from this
    process or their rollups while their stamp holds, the others read (and kept); the hour now is
    in and what follows read live. ``open_before``: of the hours over by then only the open calls
    (all the repeats need of the window before their first span: #17, the running hour's repeats
    read a day of kept hours on every first view, turned into numbers and times here). None when
    ``a`` is before :func:`kept_from`."""
    now = now or datetime.now(UTC)
    if a < kept_from(s, now):
        return None
    first, live = utc_hour(a), utc_hour(now)
    hours = [(first + HOUR * i, first + HOUR * (i + 1)) for i in range((min(live, b) - first + HOUR - US) // HOUR)]
    held = _held(db, s, hours, read)  # read before the live hour: its calls end where theirs begin
    # of the hours over by ``open_before`` only the open calls (all the repeats need of the window
    # before their first span)
    out = Calls([(micros(h[0]), numbers, at, o, open_before is not None and h[1] <= open_before)
                 for h, (numbers, at, o) in zip(hours, held, strict=True)])
    if live < b:
        out.live = read(db, live, b)
    return out


def _held(db: Session, s: Settings, hours: list[tuple[datetime, datetime]], read: Read) -> list[tuple[str, str, str]]:
    """The kept value of each closed hour: (numbers (:func:`_numbers_text`), starts as µs after the
    hour's start, opens), from this process, its rollup, or read (one statement per run of hours to
    read) and kept."""
    params = rollups.params_of(s)
    base = cache.database(db)
    keys = [(base, WHAT, a, b, *params) for a, b in hours]
    now_stamps = stamps.day_stamps(db, hours)  # before the calls: a call written meanwhile is read again next time
    writing = cache.writing_on()
    got: dict[int, tuple[str, str, str]] = {}
    for i, key in enumerate(keys):
        hit = None if writing else cache.KEPT.get(key)
        if hit is not None and hit[0] == now_stamps[i]:
            got[i] = hit[1]
        elif not now_stamps[i][0]:
            got[i] = ("", "", "")  # no call started in it: nothing to read nor keep
    missing = [i for i in range(len(hours)) if i not in got]
    shared = rollups.read(db, WHAT, params, [hours[i] for i in missing]) if missing else {}
    for i in missing:
        row = shared.get(hours[i][0])
        if row is not None and row[0] == now_stamps[i]:
            got[i] = row[1]
            if not writing:
                cache.KEPT.put(keys[i], *row)
    todo = [i for i in range(len(hours)) if i not in got]
    while todo:  # a run of consecutive hours at a time
        n = next((j for j in range(1, len(todo)) if todo[j] != todo[0] + j), len(todo))
        run, todo = todo[:n], todo[n:]
        rows = read(db, hours[run[0]][0], hours[run[-1]][1])
        starts = [r[1] for r in rows]
        for i in run:
            a, b = hours[i]
            mine = rows[bisect_left(starts, a):bisect_left(starts, b)]
            value = (_numbers_text([r[0] for r in mine]),
                     ",".join(str(micros(r[1]) - micros(a)) for r in mine), "".join("1" if r[2] else "0" for r in mine))
            got[i] = cache.keep(keys[i], a, b, now_stamps[i], value)
    return [got[i] for i in range(len(hours))]


def _numbers_text(numbers: list[str]) -> str:
    """Numbers as one text: each after a comma (a rollup row's JSON holds it without escapes, and
    splitting it is cheap), or as a JSON list when a number holds a comma."""
    if any("," in n for n in numbers):
        return json.dumps(numbers, ensure_ascii=False)
    return "".join("," + n for n in numbers)


def _numbers(text: str) -> list[str]:
    return text.split(",")[1:] if not text.startswith("[") else list(json.loads(text))
