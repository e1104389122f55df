"""``hotline customers import|export`` (the customer master as CSV, a supervisor's batch work) and
``hotline cases complaint-categories`` (R-COMPLAINT-CATEGORIES monthly figures as CSV)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("customers", help="the customer master: import or export CSV")
    cu = p.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    q = cu.add_parser("import", help="add or update customers from CSV (all rows or none)")
    q.add_argument("file", type=Path, help="CSV, UTF-8 (with or without BOM): numbers,name,address,district,"
                                           "area,vip,account")
    q.set_defaults(func=_import)
    q = cu.add_parser("export", help="every customer as CSV")
    q.add_argument("file", type=Path, nargs="?", help="default: standard output")
    q.set_defaults(func=_export)

    p = sub.add_parser("cases", help="cases: monthly complaint-category figures")
    ca = p.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    q = ca.add_parser("complaint-categories", help="R-COMPLAINT-CATEGORIES: complaints per category per month")
    q.add_argument("--month", help="YYYY-MM, the last month shown (default: this month)")
    q.add_argument("--months", type=int, default=6, help="how many months (default 6)")
    q.add_argument("--csv", type=Path, help="write the CSV here (default: standard output)")
    q.set_defaults(func=_categories)


def _db(s: Settings) -> sessionmaker[Session]:
    from hotline.db import open_db

    return open_db(s)[1]


def _import(s: Settings, args: argparse.Namespace) -> int:
    from hotline.customers import import_csv
    from hotline.service_settings import in_force

    s = in_force(s)  # the districts the supervisor set in the panel
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"hotline customers: {exc}", file=sys.stderr)
        return 1
    with _db(s)() as db:
        report = import_csv(db, s, data)
        if not report.ok:
            db.rollback()
            for err in report.errors:
                print(f"{args.file}:{err.line}: {err.message}", file=sys.stderr)
            print(f"hotline customers: {len(report.errors)} bad rows, nothing imported", file=sys.stderr)
            return 1
        db.commit()
    print(f"{report.created} customers added, {report.updated} updated")
    return 0


def _export(s: Settings, args: argparse.Namespace) -> int:
    from hotline.customers import export_csv

    with _db(s)() as db:
        text = export_csv(db)
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8", newline="")
    return 0


def _categories(s: Settings, args: argparse.Namespace) -> int:
    from hotline.cases import analysis_csv, complaint_categories
    from hotline.service_settings import in_force

    if args.month:
        try:
            year, month = (int(x) for x in args.month.split("-"))
            if not 1 <= month <= 12:
                raise ValueError(args.month)
        except ValueError:
            print(f"hotline cases: --month wants YYYY-MM, not {args.month!r}", file=sys.stderr)
            return 2
    else:
        today = datetime.now(ZoneInfo(s.timezone))
        year, month = today.year, today.month
    with _db(s)() as db:
        text = analysis_csv(complaint_categories(db, in_force(s), year, month, args.months))  # the panel's categories
    if args.csv is None:
        sys.stdout.write(text)
    else:
        args.csv.write_text(text, encoding="utf-8", newline="")
    return 0
