"""``hotline db``: schema migrations."""

from __future__ import annotations

import argparse

from hotline.db import open_db
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database schema (Alembic)")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the schema to the newest revision")
    up.set_defaults(func=_upgrade)


def _upgrade(s: Settings, args: argparse.Namespace) -> int:
    open_db(s, upgrade=True)
    print(f"database at {s.db_url} is up to date")
    return 0
