"""CSV for spreadsheets: every CSV the hotline writes (the panel's table exports, the customer
master, the complaint-category analysis) goes through here, and the customer import reads back.

Formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return
before one) as a formula, and caller names, addresses, notes are typed by strangers. Such a text
cell is written with a leading ``'``, which spreadsheets show as text and do not evaluate; a phone
number like ``+8613800000000`` stays readable (``'+8613800000000``). Numbers the code writes as
numbers (ints and floats, never text) are left as they are: they cannot carry a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
BOM = "\ufeff"  # Excel opens UTF-8 Chinese correctly only with it


def safe_cell(value: Any) -> Any:
    """One cell as written: None → "", an int / float as is, any other value as text, quoted
    with ``'`` when it starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return QUOTE + text if text.startswith(FORMULA_STARTS) else text


def read_cell(text: str) -> str:
    """A cell as read back: the ``'`` safe_cell put before a formula-like text is taken off (a
    ``'`` before anything else was the author's own and stays)."""
    if text.startswith(QUOTE) and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n") -> str:
    """A whole CSV file as text, BOM first, every cell through safe_cell."""
    out = io.StringIO()
    out.write(BOM)
    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return out.getvalue()
