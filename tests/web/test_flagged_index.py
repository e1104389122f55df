"""The call search's filter 恶意骚扰标记 reads the partial index of the flagged calls (migration
0023) rather than testing every call's JSON: the planner of the backend the suite runs on uses it
for the filter's real query, and the index's WHERE as the migration wrote it is the filter's
expression (hotline.models.calls.flagged_malicious) as SQLAlchemy renders it on either database —
else no planner could prove the query reads only the calls the index holds."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from psycopg.sql import Literal
from sqlalchemy import Engine, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from hotline.db import MIGRATIONS, make_engine
from hotline.models import Call
from hotline.settings import load
from hotline.timeutil import utcnow
from hotline.vocabulary import Role
from web.calls.search import CallFilter, search, search_query

INDEX = "ix_calls_flagged_started"
BOSS = SimpleNamespace(role=Role.SUPERVISOR, agent=None)
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.psycopg.dialect()}


def _migration() -> ModuleType:
    path = next((MIGRATIONS / "versions").glob("0023_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0023", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sql(statement: Any, dialect: Dialect) -> str:
    """The statement's text as it is sent (keys written in, other values bound)."""
    return str(statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))


@pytest.mark.parametrize("name", DIALECTS)
def test_the_migrated_index_is_the_filters_expression(tmp_path: Path, name: str) -> None:
    where = _migration().WHERE[name]
    dialect = DIALECTS[name]
    s = load(config_file=None, env={}, runtime_dir=tmp_path)
    query = _sql(search_query(s, CallFilter(malicious=True), BOSS), dialect)
    # the query names the column with its table, the index's WHERE without
    assert re.sub(r"\bvars\b", "calls.vars", where) in query
    # and the models (whose index is made of flagged_malicious) describe what the migration made
    index = next(ix for ix in Call.__table__.indexes if ix.name == INDEX)
    assert str(CreateIndex(index).compile(dialect=dialect)).endswith(f" WHERE {where}")


def _store(engine: Engine) -> tuple[int, int]:
    """3 000 calls over a month, two flagged: (the newer flagged call's id, the older's)."""
    now = utcnow()
    rows = [{"server": "pbx1", "call_id": f"c-{i}", "direction": "inbound", "caller_number": "13800000000",
             "started_at": now - timedelta(minutes=15 * i), "disposition": "answered", "agent": "8001",
             "hangup_first": "agent", "built_at": now, "vars": {}, "transfers": []} for i in range(3000)]
    rows[40]["vars"] = {"HOTLINE_MALICIOUS": "8001"}
    rows[2500]["vars"] = {"HOTLINE_MALICIOUS": "8002", "HOTLINE_SURVEY_AGENT": "8002"}
    with engine.begin() as conn:
        conn.execute(insert(Call), rows)
        ids = dict(conn.execute(text("SELECT call_id, id FROM calls WHERE call_id IN ('c-40', 'c-2500')")).all())
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE calls"))  # what autovacuum does to a table of calls
    return ids["c-40"], ids["c-2500"]


def _plans(engine: Engine, s: Any, f: CallFilter) -> tuple[list[int], list[str]]:
    """The ids search() finds for ``f`` and the plans of the statement it ran for them (PostgreSQL:
    with the values bound, and the generic plan)."""
    ran: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as db:
            found = [c.id for c in search(db, s, f, BOSS)[0]]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    statement, parameters = next((st, p) for st, p in ran if st.lstrip().upper().startswith("SELECT"))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    with engine.connect() as conn:
        plans.append(conn.exec_driver_sql(explain + statement, parameters).all())
        if engine.dialect.name == "postgresql":
            # the generic plan PostgreSQL may keep for a statement psycopg has prepared (run 5 times
            # on a connection): planned with the bound values unknown
            order: dict[str, str] = {}
            prepared = re.sub(r"%\((\w+)\)s", lambda m: order.setdefault(m.group(1), f"${len(order) + 1}"),
                              statement)
            conn.exec_driver_sql(f"PREPARE flagged_search AS {prepared}")
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            raw = conn.connection.dbapi_connection
            values = ", ".join(Literal(parameters[name]).as_string(raw) for name in order)
            plans.append(conn.exec_driver_sql(f"EXPLAIN EXECUTE flagged_search({values})").all())
            conn.exec_driver_sql("DEALLOCATE flagged_search")
        conn.rollback()
    return found, ["\n".join(" ".join(str(v) for v in row) for row in rows) for rows in plans]


def test_the_search_for_flagged_calls_reads_their_index(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    newer, older = _store(engine)
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=db_url)
    found, plans = _plans(engine, s, CallFilter(malicious=True))
    assert found == [newer, older], plans  # newest first
    assert all(INDEX in plan for plan in plans), plans
    # another filter on the same calls walks the calls by time: the index answers only this one
    found, plans = _plans(engine, s, CallFilter(hangup_first=True))
    assert len(found) == 50 and not any(INDEX in plan for plan in plans), plans
    engine.dispose()
