"""``hotline purge``: apply the retention settings (hotline/retention.py)."""

from __future__ import annotations

import argparse

from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="delete raw AMI events, call records and recordings past their retention "
                                     "(complaint files younger than R-COMPLAINT's minimum are kept)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    p.set_defaults(func=_purge)


def _purge(s: Settings, args: argparse.Namespace) -> int:
    from hotline.db import open_db
    from hotline.retention import purge

    engine, sessions = open_db(s)
    try:
        report = purge(s, sessions, dry_run=args.dry_run)
    finally:
        engine.dispose()
    print(f"retention: raw events {s.retention_raw_events_days} d, calls {s.retention_calls_days} d, "
          f"recordings {s.retention_recordings_days} d (0 = forever); complaints kept ≥ {s.complaint_keep_days} d")
    for line in report.lines():
        print(line)
    return 0
