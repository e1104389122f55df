"""Asterisk's own durable logs — CEL (``cel_custom``: Master.csv, microsecond times) and
``queue_log`` — where they are, how a line is timed, and reading them by time window. Both are
appended in time order, so a window is found by a binary search on byte offsets and only the
window is read: the listener's backfill reads calls from them, the retention purge cuts them."""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from hotline.pbx.config import Layout
from hotline.settings import Settings

LineTime = Callable[[bytes], float | None]


def cel_path(s: Settings) -> Path:
    return Path(s.cel_csv_path) if s.cel_csv_path else Layout(s.asterisk_dir).cel_csv


def queue_log_path(s: Settings) -> Path:
    return Path(s.queue_log_path) if s.queue_log_path else Layout(s.asterisk_dir).queue_log


def log_paths(s: Settings) -> tuple[Path, Path]:
    """Where Asterisk writes CEL (Master.csv) and queue_log for this server."""
    return cel_path(s), queue_log_path(s)


def log_problem(s: Settings) -> str | None:
    """Why the listener cannot read Asterisk's logs (then a call made while AMI was not read is
    lost: nothing backfills it), or None. An existing Asterisk's logs are not where the private
    one's are: ``cel_csv_path`` / ``queue_log_path`` name them."""
    for setting, path in (("cel_csv_path", cel_path(s)), ("queue_log_path", queue_log_path(s))):
        if not path.is_file():
            return f"{path} does not exist ({setting})"
        if not os.access(path, os.R_OK):
            return f"{path} is not readable by this user ({setting})"
    return None


# Master.csv columns, as asterisk/cel_custom.conf writes them
CEL_COLUMNS = ("eventtype", "eventtime", "cid_name", "cid_num", "cid_ani", "cid_rdnis", "cid_dnid", "exten",
               "context", "channame", "appname", "appdata", "amaflags", "accountcode", "uniqueid", "linkedid",
               "peer", "userfield", "userdeftype", "extra")


# the longest call a gap backfill looks back for: a call that ended in the gap may have started this long before
MAX_CALL_S = 12 * 3600.0


def cel_time(line: bytes) -> float | None:
    """A CEL line's time (its second column), or None for a line that is not one."""
    parts = line.split(b",", 2)
    if len(parts) < 2:
        return None
    try:
        return float(parts[1].strip(b'"'))
    except ValueError:
        return None


def queue_log_time(line: bytes) -> float | None:
    """A queue_log line's time (before the first |), or None."""
    try:
        return float(line.split(b"|", 1)[0])
    except ValueError:
        return None


def seek_time(fh: IO[bytes], t: float, time_of: Callable[[bytes], float | None], block: int = 1 << 16) -> None:
    """Positions ``fh`` at the start of a line no later than the first line timed ``t`` or later,
    in a file appended in time order: a binary search on byte offsets, then at most one block read."""
    fh.seek(0, os.SEEK_END)
    lo, hi = 0, fh.tell()
    while hi - lo > block:
        mid = (lo + hi) // 2
        fh.seek(mid)
        fh.readline()  # the rest of a line cut in the middle
        found = None
        while found is None:
            line = fh.readline()
            if not line or fh.tell() > hi:
                break
            found = time_of(line)
        if found is not None and found < t:
            lo = mid
        else:
            hi = mid
    fh.seek(lo)
    if lo:
        fh.readline()


def lines_between(path: Path, since: float, until: float, time_of: Callable[[bytes], float | None]) -> Iterator[bytes]:
    """The lines of a time-ordered log from ``since`` on, until the first one past ``until``."""
    with open(path, "rb") as fh:
        seek_time(fh, since, time_of)
        for line in fh:
            t = time_of(line)
            if t is not None and t >= until:
                return
            if t is None or t >= since:
                yield line


def read_cel(path: Path, since: float, until: float, lookback: float = MAX_CALL_S) -> dict[str, list[dict[str, str]]]:
    """CEL rows by Linkedid for the calls that ended (LINKEDID_END) in [since, until) and
    started at most ``lookback`` before ``since``."""
    if not path.exists():
        return {}
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    ended: set[str] = set()
    lines = (line.decode("utf-8", "replace") for line in lines_between(path, since - lookback, until + 1, cel_time))
    for values in csv.reader(lines):
        if len(values) < len(CEL_COLUMNS):
            continue
        row = dict(zip(CEL_COLUMNS, values[:len(CEL_COLUMNS)], strict=True))  # later columns: not ours
        try:
            t = float(row["eventtime"])
        except ValueError:
            continue
        lid = row["linkedid"]
        if row["eventtype"] == "LINKEDID_END":
            if since <= t < until:
                ended.add(lid)
            elif t < since:
                rows.pop(lid, None)  # ended before the window: memory stays bounded by the calls open
                continue
        if t < until:
            rows[lid].append(row)
    # only calls seen from their start: one that began before the window would be built in part
    return {lid: rows[lid] for lid in ended
            if any(r["eventtype"] == "CHAN_START" and r["uniqueid"] == lid for r in rows.get(lid, ()))}


def read_queue_log(path: Path, since: float, until: float) -> dict[str, list[list[str]]]:
    """queue_log lines by callid (the caller channel's Uniqueid), timed in [since, until)."""
    out: dict[str, list[list[str]]] = defaultdict(list)
    if not path.exists():
        return {}
    for raw in lines_between(path, since, until, queue_log_time):
        parts = raw.decode("utf-8", "replace").rstrip("\n").split("|")
        if len(parts) < 5:
            continue
        out[parts[1]].append(parts)
    return out
