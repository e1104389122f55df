"""The customer master (hotline.customers): several numbers per customer found by any form of
any of them, the IVR's look-up (phone) kept working, CSV import all-or-nothing with line numbers,
Excel's BOM tolerated, export round trip."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.csv_cells import FORMULA_STARTS
from hotline.customers import CustomerError, CustomerFields, export_csv, find_customer, import_csv, save_customer
from hotline.models.cases import CustomerNumber
from hotline.models.ivr import Customer
from hotline.settings import Settings


def test_a_customer_is_found_by_any_of_its_numbers(settings: Settings, db: Session) -> None:
    c = save_customer(db, settings, CustomerFields(numbers=["138 0000 0001", "+86 10 6552 9988"], name="张三",
                                                   district="东城", area_type="urban", vip=True, account="A-1"))
    db.commit()
    assert c.phone == "13800000001"  # what the IVR matches the caller id against (ivr/store.py)
    assert db.scalar(select(Customer).where(Customer.phone == "13800000001")) is c
    for form in ("13800000001", "+8613800000001", "008613800000001", "01065529988", "+861065529988"):
        assert find_customer(db, settings, form) is c, form
    assert find_customer(db, settings, "13900000009") is None
    assert find_customer(db, settings, "anonymous") is None
    assert (c.district, c.area, c.area_type, c.vip) == ("东城", "东城", "urban", True)


def test_a_number_belongs_to_one_customer_and_districts_are_checked(settings: Settings, db: Session) -> None:
    save_customer(db, settings, CustomerFields(numbers=["13800000001"]))
    with pytest.raises(CustomerError, match="belongs to customer"):
        save_customer(db, settings, CustomerFields(numbers=["13700000002", "+8613800000001"]))
    with pytest.raises(CustomerError, match="not a phone number"):
        save_customer(db, settings, CustomerFields(numbers=["12"]))
    with pytest.raises(CustomerError, match="area must be one of"):
        save_customer(db, settings, CustomerFields(numbers=["13700000002"], area_type="suburb"))
    s = settings.replace(districts=["东城", "西城"])
    with pytest.raises(CustomerError, match="unknown district"):
        save_customer(db, s, CustomerFields(numbers=["13700000002"], district="南城"))
    assert save_customer(db, s, CustomerFields(numbers=["13700000002"], district="西城")).district == "西城"


GOOD = ("numbers,name,address,district,area,vip,account\r\n"
        "13800000001;13800000011,张三,\"东城区 1 号, 2 单元\",东城,urban,yes,A-1\r\n"
        "13800000002,李四,西城区,西城,rural,no,A-2\r\n")


def test_csv_import_with_bom_and_export_round_trip(settings: Settings, db: Session) -> None:
    report = import_csv(db, settings, ("\ufeff" + GOOD).encode("utf-8"))
    db.commit()
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    zhang = find_customer(db, settings, "13800000011")
    assert zhang is not None and (zhang.name, zhang.address, zhang.vip) == ("张三", "东城区 1 号, 2 单元", True)
    text = export_csv(db)
    assert text.startswith("\ufeffnumbers,name,address,district,area,vip,account\r\n")
    assert "'+8613800000001;+8613800000011,张三" in text  # readable, never a formula
    again = import_csv(db, settings, text.encode("utf-8"))  # the export reads back: updates, nothing new
    assert (again.ok, again.created, again.updated) == (True, 0, 2)


def test_csv_import_with_a_bad_row_imports_nothing(settings: Settings, db: Session) -> None:
    bad = GOOD + "12,坏号码,,,,no,\r\n" + "13800000003,王五,,,urban,maybe,\r\n" + "13800000004,赵六,,,,no,\r\n"
    report = import_csv(db, settings, bad.encode("utf-8"))
    assert not report.ok
    assert [(e.line, e.message) for e in report.errors] == [
        (4, "not a phone number: '12'"), (5, "vip must be yes or no, not 'maybe'")]
    assert (report.created, report.updated) == (0, 0)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Customer)) == 0  # none half-imported
    assert db.scalar(select(func.count()).select_from(CustomerNumber)) == 0


def test_csv_import_needs_a_numbers_column(settings: Settings, db: Session) -> None:
    report = import_csv(db, settings, "name,address\n张三,东城\n")
    assert [(e.line, e.message[:20]) for e in report.errors] == [(1, "no numbers column (c")]


def test_csv_import_of_a_gbk_file_is_refused_with_its_line(settings: Settings, db: Session) -> None:
    report = import_csv(db, settings, GOOD.encode("gbk"))
    assert [(e.line, e.message) for e in report.errors] == [(2, 'not UTF-8: save the sheet as "CSV UTF-8"')]
    assert db.scalar(select(func.count()).select_from(Customer)) == 0


def test_export_neutralises_formulas_and_the_import_takes_the_quote_off(settings: Settings, db: Session) -> None:
    """CSV injection: a name, address or account typed by anyone that starts like a formula is
    written with a leading ' (hotline.csv_cells); reading the export back restores the text."""
    hostile = {"name": "=HYPERLINK(\"http://x\",\"点我\")", "address": "@SUM(1+1)", "account": "-2+3"}
    save_customer(db, settings, CustomerFields(numbers=["13800000021"], **hostile))
    save_customer(db, settings, CustomerFields(numbers=["13800000022"], name="+1 800 CALL", address="'普通 引号"))
    db.commit()
    text = export_csv(db)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    first, second = rows[1], rows[2]
    assert first[:3] == ["'+8613800000021", "'" + hostile["name"], "'" + hostile["address"]]
    assert first[6] == "'-2+3"
    assert second[1] == "'+1 800 CALL" and second[2] == "'普通 引号"  # a quote before plain text is the author's
    for cell in (c for row in rows[1:] for c in row):
        assert not cell.startswith(FORMULA_STARTS), cell
    again = import_csv(db, settings, text.encode("utf-8"))
    db.commit()
    assert (again.ok, again.created, again.updated) == (True, 0, 2)
    back = find_customer(db, settings, "13800000021")
    assert back is not None and (back.name, back.address, back.account) == (
        hostile["name"], hostile["address"], hostile["account"])
    other = find_customer(db, settings, "13800000022")
    assert other is not None and (other.name, other.address) == ("+1 800 CALL", "'普通 引号")
