"""A small run of bench/panel_queries.py and its generator (bench/callgen.py): the figures are read by
hand; what is checked is that the store holds exactly what was generated and every page answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench import panel_queries
from bench.callgen import generate
from hotline.db import make_engine
from hotline.models import Call, RingAttempt


def test_the_generator_writes_the_calls_asked_for_with_the_bench_mix(db_url: str) -> None:
    generate(db_url, 5000, say=lambda _line: None)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Call)) == 5000
        assert conn.scalar(select(func.count(func.distinct(Call.call_id)))) == 5000
        by_disp = dict(conn.execute(select(Call.disposition, func.count()).group_by(Call.disposition)).all())
        answered = conn.scalar(select(func.count()).select_from(Call).where(Call.agent.isnot(None)))
        answering = conn.scalar(select(func.count()).select_from(RingAttempt).where(RingAttempt.result == "answered"))
        orphans = conn.scalar(select(func.count()).select_from(RingAttempt).where(
            ~RingAttempt.call_pk.in_(select(Call.id))))
    engine.dispose()
    assert set(by_disp) == {"answered", "abandoned", "timeout", "ivr"}
    assert by_disp["answered"] == pytest.approx(4000, rel=0.1)  # 80 % answered
    assert answering == answered == by_disp["answered"]  # one answering attempt per answered call
    assert orphans == 0


def test_a_small_panel_bench_run_answers_every_page(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert panel_queries.main(["--url", db_url, "--calls", "2000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "2000 calls," in out and "FAILED" not in out
    assert "GET /supervisor?period=month, first" in out and "a number's ending (4 digits)" in out


def test_the_stamps_before_and_after_run_answers_every_page(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--stamps-only: the same sequences with the kept parts checked against the calls' index, then
    against call_hours (migration 0021)."""
    assert panel_queries.main(["--url", db_url, "--calls", "2000", "--repeat", "1", "--stamps-only"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "the per-hour stamps (call_hours), same store" in out
    assert "after midnight: GET /supervisor?period=month, first after it" in out
    assert "nan" not in out  # every figure measured both ways


def test_the_midnight_and_rewrite_run_answers_every_page(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--midnight-only: the month's first views after midnight and after a past day's rewrite, the
    repeats read from the calls and from the calls kept per hour, interleaved."""
    assert panel_queries.main(["--url", db_url, "--calls", "40000", "--repeat", "1", "--midnight-only"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "runs (before) / kept (after)" in out
    assert "first view after midnight (a panel started since)" in out and "nan" not in out


def test_the_sums_run_answers_every_page(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--sums-only: a panel started after the step, the kept parts vs their sums, interleaved."""
    assert panel_queries.main(["--url", db_url, "--calls", "2000", "--repeat", "1", "--sums-only"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "parts (before) / sums (after)" in out
    assert "month, first view of a panel started since" in out and "nan" not in out
