"""The call search's filter 恶意骚扰标记 (``/calls?malicious=1``) before and after its partial index
(migration 0023), in one run on one store of generated calls (bench/panel_queries.py's store: 1 M
SQLite calls by default, ``--postgres`` a private PostgreSQL filled every run). "Before" drops the
index; "after" makes it again through the migration (its build time is printed). Each time, the call
search of bench/panel_queries.py: every filter's first view, then its best of ``--repeat``. Exit
status 1 when the store does not hold the calls generated or a page does not answer 200.

    .venv/bin/python bench/flagged_search.py [--calls 1000000] [--postgres] [--url URL]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bench.panel_queries import FAILURES, OUT, call_search, logged_in, store
from hotline.db import migrate, open_db
from hotline.models import Call
from hotline.models.calls import flagged_malicious
from hotline.settings import load
from tests.support.alembic import alembic

INDEX = "ix_calls_flagged_started"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--postgres", action="store_true", help="a private PostgreSQL (generated every run)")
    ap.add_argument("--url", help="a database to measure, filled with --calls calls first when it holds none")
    ap.add_argument("--repeat", type=int, default=3, help="warm figures: best of this many")
    a = ap.parse_args(argv)
    a.fresh = False
    OUT.mkdir(exist_ok=True)
    FAILURES.clear()
    url, release = store(a)
    try:
        s = load(config_file=None, env={}, runtime_dir=OUT, database_url=url)
        engine, Session = open_db(s)
        with Session() as db:
            n = db.scalar(select(func.count()).select_from(Call)) or 0
            flagged = db.scalar(select(func.count()).select_from(Call).where(flagged_malicious())) or 0
        print(f"{n} calls, {flagged} flagged malicious, in {url.split('://')[0]}", flush=True)
        if n != a.calls:
            FAILURES.append(f"the store holds {n} calls, {a.calls} were generated")
        for mode in ("before", "after"):
            if mode == "before":
                with engine.begin() as conn:
                    conn.execute(text(f"DROP INDEX IF EXISTS {INDEX}"))
            else:
                alembic(engine, "stamp", "0022")  # back to 0022 (no index), then the migration makes it
                t = time.perf_counter()
                migrate(engine, "0023")  # that one alone: the later ones' changes are in the store already
                print(f"migration 0023 (the index built): {time.perf_counter() - t:.1f} s", flush=True)
                alembic(engine, "stamp", "head")
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE calls"))
            print(f"--- {mode}: {'no index' if mode == 'before' else INDEX}", flush=True)
            _app, c = logged_in(s, Session)
            call_search(s, c, a.repeat)
        engine.dispose()
    finally:
        release()
    for line in FAILURES:
        print(f"FAILED: {line}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    raise SystemExit(main())
