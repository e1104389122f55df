"""The backfill reads Asterisk's never-rotated logs by time window (issue #19): a binary search
finds where the window starts, calls are chosen by when they ended, whenever they started, and
nothing before the window is held in memory."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotline import asterisk_logs
from hotline.asterisk_logs import CEL_COLUMNS, cel_time, read_cel, read_queue_log, seek_time


def _row(kind: str, t: float, lid: str, uid: str | None = None) -> list[str]:
    row = dict.fromkeys(CEL_COLUMNS, "")
    row.update(eventtype=kind, eventtime=f"{t:.6f}", linkedid=lid, uniqueid=uid or lid, channame=f"Local/x-{lid};1")
    return [row[c] for c in CEL_COLUMNS]


def _cel(path: Path, calls: list[tuple[str, float, float]]) -> None:
    """Each call: (linkedid, start, end), rows written in time order like cel_custom does."""
    rows = []
    for lid, start, end in calls:
        rows += [_row("CHAN_START", start, lid), _row("HANGUP", end - 0.001, lid), _row("LINKEDID_END", end, lid)]
    rows.sort(key=lambda r: float(r[1]))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)


def test_seek_lands_just_before_the_window(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    _cel(path, [(f"old-{i}", 1000.0 + i, 1000.5 + i) for i in range(20000)])
    with open(path, "rb") as fh:
        seek_time(fh, 15000.0, cel_time)
        skipped = fh.tell()
        first = cel_time(fh.readline())
    size = path.stat().st_size
    assert first is not None and 15000.0 - 300 <= first <= 15000.0  # at most one 64 KiB block early
    assert skipped > size * 0.6  # most of the file was never read


def test_calls_are_chosen_by_their_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Master.csv"
    gap = (50_000.0, 50_020.0)
    calls = [(f"old-{i}", 1000.0 + i, 1001.0 + i) for i in range(5000)]
    calls += [
        ("long", gap[0] - 3600, gap[0] + 5),  # queued an hour before the gap, ended in it
        ("inside", gap[0] + 1, gap[0] + 8),
        ("before", gap[0] - 30, gap[0] - 2),  # ended before the gap: its record exists
        ("after", gap[0] + 10, gap[1] + 40),  # still going when the gap closed: the live path has it
        ("ancient", gap[0] - 20 * 3600, gap[0] + 3),  # longer than the look-back: not from its start
    ]
    _cel(path, calls)
    lines_read = []
    real = asterisk_logs.lines_between

    def counting(*args, **kw):  # type: ignore[no-untyped-def]
        for line in real(*args, **kw):
            lines_read.append(line)
            yield line

    monkeypatch.setattr(asterisk_logs, "lines_between", counting)
    got = read_cel(path, *gap)
    assert set(got) == {"long", "inside"}
    assert [r["eventtype"] for r in got["long"]] == ["CHAN_START", "HANGUP", "LINKEDID_END"]
    assert len(lines_read) < 1000  # of the 15 000 rows of earlier calls, at most one block was read


def test_queue_log_by_window(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text("".join(f"{1000 + i}|u{i}|hotline|NONE|ENTERQUEUE||1380000{i:04d}|1\n" for i in range(5000)))
    got = read_queue_log(path, 3000, 3010)
    assert sorted(got) == [f"u{i}" for i in range(2000, 2010)]
