"""bench/memory_kinds.py: each minute read at its lowest RSS (the reading after the trim), the kinds
taken from that reading, the second half's slope in MB/hour, readings after the soak's calls left out."""

from __future__ import annotations

from typing import Any

from bench.memory_kinds import lowest_per_minute, report


def _reading(service: str, at: float, rss_mb: float, in_use_mb: float) -> dict[str, Any]:
    return {"service": service, "at": at, "rss_kb": rss_mb * 1024, "threads": 97,
            "malloc": {"in_use_bytes": in_use_mb * 1048576, "arenas": 2}}


def _log() -> list[dict[str, Any]]:
    rows = []
    for minute in range(12):
        # twice a minute: a high reading before the trim, the lowest after it; glibc in use +1 MB a minute
        rows.append(_reading("panel", minute * 60 + 5, 200.0, 0.0))
        rows.append(_reading("panel", minute * 60 + 35, 100.0 + minute, 10.0 + minute))
    rows.append(_reading("panel", 12 * 60 + 5, 50.0, 0.0))  # after the calls: left out
    return rows


def test_each_minute_is_its_lowest_reading_within_the_soak() -> None:
    lows = lowest_per_minute(_log(), minutes=12)["panel"]
    assert [m for m, _d in lows] == list(range(12))
    assert [d["rss_kb"] / 1024 for _m, d in lows] == [100.0 + m for m in range(12)]


def test_the_report_gives_the_quarter_the_end_and_the_second_halfs_slope() -> None:
    text = report(_log(), minutes=12)
    assert "panel: 12 minutes, threads 97, glibc arenas [2], per-thread cache not logged" in text
    assert "RSS             103.0 →   111.0 MB, 2nd half  +60.0 MB/hour" in text, text
    assert "glibc in use     13.0 →    21.0 MB, 2nd half  +60.0 MB/hour" in text, text


def test_the_report_says_whether_the_per_thread_cache_was_off() -> None:
    rows = [dict(d, thread_cache_off=True) for d in _log()]
    assert "glibc arenas [2], per-thread cache off" in report(rows, minutes=12)
