"""The customer master: numbers (E.164, several per customer), name, address, district, area
(urban / rural), VIP, account. Read by the IVR (VIP priority, outage by district), the screen pop
and the cases; filled from the desk and by CSV import (``csvio``). Functions work in the caller's
session and never commit."""

from hotline.customers.csvio import FIELDS, CsvRowError, ImportReport, export_csv, import_csv
from hotline.customers.master import CustomerError, CustomerFields, find_customer, numbers_of, save_customer

__all__ = [
           "FIELDS",
           "CsvRowError",
           "CustomerError",
           "CustomerFields",
           "ImportReport",
           "export_csv",
           "find_customer",
           "import_csv",
           "numbers_of",
           "save_customer",
]
