"""``hotline settings show|set|history``: the panel's service settings for scripted deployments,
through the same functions as the panel (same checks, same history)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from hotline.db import open_db
from hotline.service_settings import FIELDS, GROUPS, ValidationFailed, history, save, unset, values
from hotline.service_settings.fields import BY_KEY
from hotline.service_settings.store import overrides
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="service settings edited in the panel (hours, ring rule, repair limits…)")
    ssub = p.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    ssub.add_parser("show", help="every service setting in force, and where it comes from").set_defaults(func=_show)
    q = ssub.add_parser("set", help="set one setting (checked as in the panel; kept in the history)")
    q.add_argument("key", choices=[f.key for f in FIELDS], metavar="KEY")
    q.add_argument("value", nargs="*", help="the value; for a list, one argument per item (none: empty list)")
    q.add_argument("--by", default=f"cli:{getpass.getuser()}", help="who is named in the history")
    q.set_defaults(func=_set)
    q = ssub.add_parser("unset", help="revert settings to their file value (hotline.toml / HOTLINE_*; in the history)")
    q.add_argument("key", nargs="+", choices=[f.key for f in FIELDS], metavar="KEY")
    q.add_argument("--by", default=f"cli:{getpass.getuser()}", help="who is named in the history")
    q.set_defaults(func=_unset)
    q = ssub.add_parser("history", help="the changes, newest first")
    q.add_argument("--key", choices=[f.key for f in FIELDS], metavar="KEY")
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=_history)


def _show(s: Settings, args: argparse.Namespace) -> int:
    engine, sessions = open_db(s)
    try:
        with sessions() as db:
            current = values(s, db)
            saved = overrides(db)
    finally:
        engine.dispose()
    for group, title in GROUPS.items():
        print(f"# {title}")
        for f in (f for f in FIELDS if f.group == group):
            value = current[f.key]
            source = "panel" if f.key in saved else "file"
            print(f"{f.key} = {_flat(f.display(value))}    [{source}]")
    return 0


def _set(s: Settings, args: argparse.Namespace) -> int:
    f = BY_KEY[args.key]
    if not f.is_list and len(args.value) != 1:
        print(f"hotline settings set: {args.key} takes one value", file=sys.stderr)
        return 2
    engine, sessions = open_db(s)
    try:
        with sessions.begin() as db:
            done = save(db, s, {args.key: "\n".join(args.value)}, args.by, datetime.now(UTC))
    except ValidationFailed as exc:
        for key, message in exc.errors.items():
            print(f"hotline settings set: {key}: {message}; nothing saved", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for c in done:
        print(f"{c.key}: {_flat(f.display(c.old))} → {_flat(f.display(c.new))} (every service within "
              f"{s.service_settings_ttl_s:g} s)")
    if not done:
        print(f"{args.key}: unchanged")
    return 0


def _unset(s: Settings, args: argparse.Namespace) -> int:
    engine, sessions = open_db(s)
    try:
        with sessions.begin() as db:
            done = unset(db, s, args.key, args.by, datetime.now(UTC))
    except ValidationFailed as exc:
        for key, message in exc.errors.items():
            print(f"hotline settings unset: {key}: {message}; nothing reverted", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for c in done:
        f = BY_KEY[c.key]
        print(f"{c.key}: {_flat(f.display(c.old))} → {_flat(f.display(c.new))} (the file's value, from now on; every "
              f"service within {s.service_settings_ttl_s:g} s)")
    for key in sorted(set(args.key) - {c.key for c in done}):
        print(f"{key}: already the file's value")
    return 0


def _history(s: Settings, args: argparse.Namespace) -> int:
    engine, sessions = open_db(s)
    try:
        with sessions() as db:
            changes = history(db, args.limit, args.key)
    finally:
        engine.dispose()
    for c in changes:
        f = BY_KEY.get(c.key)
        old, new = (f.display(c.old), f.display(c.new)) if f else (str(c.old), str(c.new))
        to_file = " (reverted to the file's value)" if c.to_file else ""
        print(f"{c.at.isoformat(timespec='seconds')}  {c.by}  {c.key}: {_flat(old)} → {_flat(new)}{to_file}")
    return 0


def _flat(text: str) -> str:
    return text or "(empty)"
