"""Presentation helpers shared by pages, API and CSV: number masking (R-PRIVACY), time and figure
formatting, tables that render as HTML or CSV."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, Response, abort, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from hotline.csv_cells import csv_text
from hotline.metrics import Ratio
from hotline.privacy import KEEP_DIGITS, mask_number, sees_numbers
from hotline.timeutil import iso_local
from web.context import settings

VISIBLE_DIGITS = KEEP_DIGITS  # R-PRIVACY: what an inspector sees of a number — its last 4 digits


def masked_numbers(user: Any = None) -> bool:
    """Whether this user sees numbers masked (R-PRIVACY)."""
    return not sees_numbers(getattr(user or current_user, "role", "") or "")


def number_for(number: str | None, user: Any = None) -> str | None:
    """R-PRIVACY: inspectors see only the last 4 digits; agents only ever see their own calls
    (they call customers back, so they see the full number); supervisors and admins see all."""
    if number is None or not masked_numbers(user):
        return number
    return mask_number(number)


def keyed_for(value: Any, user: Any = None) -> str:
    """R-PRIVACY for what a caller keyed in the IVR (a contact number, an account) or a transfer
    target: inspectors see a one-key menu choice and an agent's extension as they are; any other
    entry masked — a phone-length one (8 digits or more) keeps its last 4 digits like a number,
    a shorter one (an account, a ticket) none."""
    text = "" if value is None else str(value)
    if len(text) <= 1 or not masked_numbers(user) or text in settings().agents:
        return text
    if len(text) >= 8:
        return "*" * (len(text) - VISIBLE_DIGITS) + text[-VISIBLE_DIGITS:]
    return "*" * len(text)


def local_time(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    iso = iso_local(dt, settings().timezone)
    if iso is None:
        return ""
    return datetime.fromisoformat(iso).strftime(fmt)


def seconds(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def ratio(r: Ratio | None) -> str:
    if r is None:
        return "—"
    return str(r) if r.den else f"{r.num}/0"


def pct(r: Ratio | None) -> str:
    if r is None or r.pct is None:
        return "—"
    return f"{r.pct:.1f}%"


def hms(v: float) -> str:
    """Seconds as h:mm:ss (the agents' time in states runs to hours)."""
    secs = round(v)
    return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(local=local_time, secs=seconds, ratio=ratio, pct=pct, number=number_for,
                                 keyed=keyed_for, hms=hms)
    app.jinja_env.globals.update(settings=settings, get_locale=get_locale, csv_url=csv_url)


def export_table(args: Mapping[str, str], tables: Collection[str] = (), default: str | None = None) -> str | None:
    """What a page's query asks for: None for the page itself, else the CSV table (``""`` for a page
    with one table). An unknown format, or a table without ``format=csv``, is a 400 saying so —
    never a page that ignores it or a 500; an unknown table is a 404 (a file that is not there)."""
    fmt = args.get("format")
    table = args.get("table")
    if fmt not in (None, "", "csv"):
        abort(400, f"format: only csv, not {fmt[:20]!r}")
    if fmt != "csv":
        if table is not None:
            abort(400, "table: only with format=csv")
        return None
    table = table or default or ""
    if (tables and table not in tables) or (not tables and table):
        choices = ", ".join(tables) or "none"
        abort(404, f"table: one of {choices}, not {table[:20]!r}")
    return table


def csv_url(table: str | None = None) -> str:
    """This page as CSV, with the same filters (and ``table``, on a page with several)."""
    args = {k: v for k, v in request.args.items() if k not in ("format", "table")}
    if table:
        args["table"] = table
    values: dict[str, Any] = {**(request.view_args or {}), **args, "format": "csv"}
    return url_for(request.endpoint or "home.index", **values)


@dataclass
class Column:
    """One column of a table, for HTML (``show``: display text, ``css``: cell class) and CSV
    (``get``: the raw value)."""

    key: str
    label: str
    get: Callable[[Any], Any]
    show: Callable[[Any], Any] | None = None
    css: Callable[[Any], str] | None = None

    def text(self, row: Any) -> Any:
        v = self.get(row)
        if self.show is not None:
            return self.show(row)
        if isinstance(v, Ratio):
            return ratio(v)
        if isinstance(v, float):
            return f"{v:.1f}"
        if v is None:
            return "—"
        return v

    def cls(self, row: Any) -> str:
        return self.css(row) if self.css else ""


def _cell(v: Any) -> Any:
    if isinstance(v, Ratio):
        return "" if v.value is None else round(v.value, 4)
    if isinstance(v, float):
        return round(v, 2)
    return v  # the rest, formula-like text included, is csv_text's (hotline.csv_cells)


def csv_response(name: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    text = csv_text([c.key for c in columns], ([_cell(c.get(row)) for c in columns] for row in rows))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
