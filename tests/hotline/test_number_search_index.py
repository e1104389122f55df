"""Migration 0020: on PostgreSQL the call search by a number's ending (`LIKE '%4321'`,
web/calls/search.py) is answered from a trigram index, not by reading every call (over 10 M calls
the scan took seconds: bench/panel_queries.py); SQLite has no such index and is left as it was."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import desc, text

from bench.callgen import generate
from hotline.db import make_engine
from hotline.models import Call
from hotline.settings import load
from web.calls.search import CallFilter, search_query


def test_a_number_ending_is_searched_through_the_trigram_index(db_url: str) -> None:
    engine = make_engine(db_url)
    s = load(config_file=None, env={}, database_url=db_url)
    inspector = SimpleNamespace(role="supervisor", agent=None)
    q = search_query(s, CallFilter.from_args({"number": "4321"}), inspector).order_by(desc(Call.started_at)).limit(51)
    if engine.dialect.name == "postgresql":
        generate(db_url, 20000, say=lambda _line: None)  # enough calls for the planner to prefer the index
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls'"))
            assert "ix_calls_caller_trgm" not in set(names.scalars())
            return
        assert conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_calls_caller_trgm'")
                            ).scalar_one().endswith("USING gin (caller_number gin_trgm_ops)")
        compiled = q.compile(dialect=engine.dialect)
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
    engine.dispose()
    assert "ix_calls_caller_trgm" in plan, plan
