"""A short run of bench/soak.py under `hotline run`: every service's memory is sampled and every
call Asterisk completed has exactly one record."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import soak


@pytest.mark.asterisk
def test_a_short_soak_with_tracemalloc_snapshots_every_service_and_says_what_grew(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    heap = tmp_path / "heap"
    code = soak.main(["--minutes", "0.15", "--in-flight", "3", "--agents", "6", "--scale", "0.1",
                      "--sample-s", "2", "--tracemalloc", str(heap), "--snapshot-s", "3", "--frames", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    # each service: its periodic snapshots and the last one (SIGUSR2 once the calls were over), facts beside
    for service in ("listener", "ivr", "panel", "scheduler"):
        snaps = list(heap.glob(f"{service}-*-*.snap"))
        assert len(snaps) >= 2, (service, sorted(p.name for p in heap.iterdir()))
        assert all(p.with_suffix(".json").exists() for p in snaps)
    report = out.split("heap growth after the first quarter", 1)[1]
    for service in ("listener", "ivr", "panel", "scheduler"):
        section = report.split(f"\n{service} (pid ", 1)[1].split("\n\n", 1)[0]
        assert "traced" in section and "RSS" in section and "glibc malloc: arenas" in section, section
        assert "+KB  +blocks" in section, section


@pytest.mark.asterisk
def test_a_short_soak_loses_no_call_samples_every_service_and_traces_only_the_named_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One run for two behaviours (a soak costs ~30 s of the suite): every call Asterisk completed
    has one record and every service's RSS is sampled; and with --tracemalloc-only panel the panel
    alone traces (the others run as shipped and write no snapshot), its report saying what grew in
    it, SQLite's heap included."""
    heap = tmp_path / "heap"
    code = soak.main(["--minutes", "0.15", "--in-flight", "3", "--agents", "6", "--scale", "0.1",
                      "--sample-s", "2", "--tracemalloc", str(heap), "--snapshot-s", "3", "--frames", "5",
                      "--tracemalloc-only", "panel"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "missing 0, duplicated 0" in out
    assert "placed but never completed by Asterisk: 0" in out
    table = out.split("RSS of every service", 1)[1].splitlines()
    for service in ("listener", "ivr", "panel", "scheduler", "asterisk"):
        assert any(line.split()[:1] == [service] for line in table), out
    assert len(list(heap.glob("panel-*-*.snap"))) >= 2, sorted(p.name for p in heap.iterdir())
    assert {p.name.split("-")[0] for p in heap.glob("*.snap")} == {"panel"}
    report = out.split("heap growth after the first quarter", 1)[1]
    assert "\npanel (pid " in report and "SQLite's heap" in report, report
