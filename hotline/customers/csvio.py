"""The customer master as CSV (a supervisor's import and export; Excel's UTF-8 with BOM is read).
An import is all or nothing: every row is checked, and one bad row (reported with its line
number) leaves the master as it was."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.csv_cells import csv_text, read_cell
from hotline.customers.master import CustomerError, CustomerFields, find_customer, numbers_of, save_customer
from hotline.errors import N_
from hotline.models.ivr import Customer
from hotline.settings import Settings
from hotline.timeutil import utcnow

# the columns, in export order; numbers are separated by ";" (or spaces) inside one cell
FIELDS = ("numbers", "name", "address", "district", "area", "vip", "account")
# the same columns as a Chinese sheet names them
ALIASES = {"号码": "numbers", "电话": "numbers", "姓名": "name", "地址": "address", "片区": "district",
           "区域": "district", "城乡": "area", "vip": "vip", "账号": "account"}
YES, NO = ("1", "yes", "y", "true", "是"), ("", "0", "no", "n", "false", "否")


@dataclass(frozen=True)
class CsvRowError:
    line: int  # the file's line the row ends on (the header is line 1)
    problem: CustomerError  # its template and params: the panel says it in its language

    @property
    def message(self) -> str:
        """The English sentence (the CLI's)."""
        return str(self.problem)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[CsvRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _column(name: str) -> str:
    key = name.strip().lower()
    return ALIASES.get(key, ALIASES.get(name.strip(), key))


def _fields(row: dict[str, str]) -> CustomerFields:
    vip = (row.get("vip") or "").strip().lower()
    if vip not in YES + NO:
        raise CustomerError(N_("vip must be yes or no, not %(given)r"), given=vip)
    return CustomerFields(numbers=(row.get("numbers") or "").replace(";", " ").replace(",", " ").split(),
                          name=row.get("name"), address=row.get("address"), district=row.get("district"),
                          area_type=row.get("area"), vip=vip in YES, account=row.get("account"))


def import_csv(db: Session, s: Settings, data: bytes | str, now: datetime | None = None) -> ImportReport:
    """Adds or updates (found by any of its numbers) a customer per row, inside a savepoint that
    is rolled back when any row is bad: the report then lists every bad row and nothing is kept.
    The caller commits a clean import."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError as exc:  # Excel's "CSV" in a Chinese locale is GBK
        line = data[:exc.start].count(b"\n") + 1 if isinstance(data, bytes) else 1
        report.errors.append(CsvRowError(line, CustomerError(N_('not UTF-8: save the sheet as "CSV UTF-8"'))))
        return report
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_column(h) for h in next(reader, [])]
    if "numbers" not in header:
        report.errors.append(CsvRowError(1, CustomerError(N_("no numbers column (columns: %(choices)s)"),
                                                         choices=", ".join(FIELDS))))
        return report
    now = now or utcnow()
    savepoint = db.begin_nested()
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            report.errors.append(CsvRowError(reader.line_num, CustomerError(
                N_("%(n)s cells, the header has %(header)s"), n=len(cells), header=len(header))))
            continue
        row = dict(zip(header, (read_cell(c) for c in cells), strict=False))  # our export's ' taken off
        try:
            fields = _fields(row)
            first = fields.numbers[0] if fields.numbers else None
            existing = find_customer(db, s, first)
            save_customer(db, s, fields, existing.id if existing else None, now=now)
        except CustomerError as exc:
            report.errors.append(CsvRowError(reader.line_num, exc))
            continue
        if existing is None:
            report.created += 1
        else:
            report.updated += 1
    if report.errors:
        savepoint.rollback()
        report.created = report.updated = 0
    else:
        savepoint.commit()
    return report


def export_csv(db: Session) -> str:
    """Every customer, one row each, with a BOM so Excel reads the Chinese text right; a cell that
    starts like a formula (a +86 number too) is quoted with ' (hotline.csv_cells), which the
    import takes off again."""
    def rows() -> Iterator[list[str]]:
        for c in db.scalars(select(Customer).order_by(Customer.id)):
            numbers = numbers_of(db, c) or [c.phone]
            yield [";".join(numbers), c.name or "", c.address or "", c.district or "", c.area_type or "",
                   "yes" if c.vip else "no", c.account or ""]
    return csv_text(FIELDS, rows())
