"""A small run of bench/flagged_search.py: the figures are read by hand; what is checked is that both
halves answer every page and the store is left as the migrations make it (the index there)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bench import flagged_search
from hotline.db import check_schema, make_engine


def test_a_small_flagged_search_run_answers_every_page(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert flagged_search.main(["--url", db_url, "--calls", "2000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "2000 calls, 0 flagged malicious" in out
    assert out.count("flagged malicious, none exist, first") == 2 and "migration 0023 (the index built)" in out
    engine = make_engine(db_url)
    assert flagged_search.INDEX in {ix["name"] for ix in inspect(engine).get_indexes("calls")}
    check_schema(engine)
    engine.dispose()
