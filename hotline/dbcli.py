"""``hotline db upgrade|status|backup|restore``: the schema's version, and backups
(hotline/backup.py). Only `db upgrade` (and `hotline run`, through it) migrates; every other
command refuses a schema that is not current."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hotline.db import head_revision, open_db, schema_revisions, settings_engine
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database schema (Alembic)")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dsub.add_parser("upgrade", help="create or migrate the schema to the newest revision").set_defaults(func=_upgrade)
    dsub.add_parser("status", help="the revision the database is at and the one this hotline needs; "
                                   "exit status 1 when they differ").set_defaults(func=_status)
    b = dsub.add_parser("backup", help="a consistent copy of the database while the services run "
                                       "(SQLite: online backup; PostgreSQL: pg_dump --format=custom)")
    b.add_argument("file", type=Path)
    b.set_defaults(func=_backup)
    r = dsub.add_parser("restore", help="replace the database with a backup of this schema version; "
                                        "refused while a service uses the database")
    r.add_argument("file", type=Path)
    r.add_argument("--force", action="store_true", help="restore even though other processes use the database")
    r.set_defaults(func=_restore)


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


def _backup(s: Settings, args: argparse.Namespace) -> int:
    from hotline.backup import BackupError, backup

    try:
        done = backup(s, args.file)
    except BackupError as exc:
        print(f"hotline db backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {done.path} ({done.how})")
    return 0


def _restore(s: Settings, args: argparse.Namespace) -> int:
    from hotline.backup import BackupError, restore

    try:
        done = restore(s, args.file, force=args.force)
    except BackupError as exc:
        print(f"hotline db restore: {exc}", file=sys.stderr)
        return 1
    print(f"database restored ({done.how})")
    return 0
