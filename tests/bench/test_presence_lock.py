"""A small run of bench/presence_lock.py: every way prints its figures (read by hand, no time
asserted), every change measured made a change, on the suite's database and on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from bench import presence_lock as bench
from tests.support.postgres import dispose_engines, server

SCENARIOS = ("serial() around nothing, sequential", "a click (extend_wrapup), sequential",
             "a ring or its end (a row each), sequential", "a click, 2 threads, one agent",
             "a click, 2 threads, an agent each", "a click, 2 processes, one agent",
             "a click, 2 processes, an agent each")
FIGURES = re.compile(r"^  (.+?)\s+(\d+\.\d\d) +(\d+\.\d\d) +(\d+\.\d\d) +(\d+\.\d\d) +×\s*(\d+\.\d\d)", re.M)


def _run(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert bench.main(["--url", url, "--changes", "8", "--rounds", "1", "--threads", "2"]) == 0
    out = capsys.readouterr().out
    measured = {m[0]: m for m in FIGURES.findall(out)}
    assert set(measured) == set(SCENARIOS), out
    assert all(float(figure) > 0 for m in measured.values() for figure in m[1:]), out
    assert "(8 changes, 2 workers)" in out and "load average" in out, out
    return out


def test_a_small_run_prints_each_ways_figures(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run(db_url, capsys)


def test_a_small_run_on_postgres_counts_the_lock_connections_round_trips(
        capsys: pytest.CaptureFixture[str]) -> None:
    url = server().create_database("bench")
    try:
        out = _run(url, capsys)
    finally:
        dispose_engines(url)
        server().drop_database(url)
    assert "the lock connection per change: 2 statements, 0 pool pings" in out, out
