"""``hotline db upgrade|status``: the schema's version. Only `db upgrade` (and `hotline run`,
through it) migrates; every other command refuses a schema that is not current."""

from __future__ import annotations

import argparse

from hotline.db import head_revision, open_db, schema_revisions, settings_engine
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database schema (Alembic)")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dsub.add_parser("upgrade", help="create or migrate the schema to the newest revision").set_defaults(func=_upgrade)
    dsub.add_parser("status", help="the revision the database is at and the one this hotline needs; "
                                   "exit status 1 when they differ").set_defaults(func=_status)


def _upgrade(s: Settings, args: argparse.Namespace) -> int:
    engine, _ = open_db(s, upgrade=True)
    engine.dispose()
    print(f"database at {s.db_url} is up to date")
    return 0


def _status(s: Settings, args: argparse.Namespace) -> int:
    engine = settings_engine(s)
    try:
        at = schema_revisions(engine)
    finally:
        engine.dispose()
    need = head_revision()
    print(f"database {s.db_url}: at {', '.join(at) or 'empty (no schema)'}; this hotline needs {need}")
    return 0 if at == (need,) else 1
