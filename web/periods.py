"""The period a page or API call covers: ?period=day|week|month, or ?date_from=&date_to= (local dates,
inclusive)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from hotline import metrics
from hotline.settings import Settings
from web import filters

# the dates a filter may name: wide enough for any call on record, narrow enough that a day's
# start in the operator's zone and the day after stay representable (no OverflowError → 500)
FIRST_DATE = date(1970, 1, 2)
LAST_DATE = date(2999, 12, 31)


def parse_date(name: str, raw: str) -> date:
    """A local date ``YYYY-MM-DD`` within [FIRST_DATE, LAST_DATE]; ValueError naming the field, in
    the page's language."""
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(filters.not_a_date(name, raw)) from None
    if not FIRST_DATE <= d <= LAST_DATE:
        raise ValueError(filters.out_of_range(name, raw, FIRST_DATE, LAST_DATE))
    return d


def from_args(args: Mapping[str, str], s: Settings) -> tuple[datetime, datetime, str, list[str]]:
    errors: list[str] = []
    kind = args.get("period") or "day"
    if kind not in ("day", "week", "month"):
        errors.append(filters.not_one_of("period", kind, {"day": _("Today"), "week": _("This week"),
                                                          "month": _("This month")}))
        kind = "day"
    start, end = metrics.period(kind, s)
    raw_from, raw_to = (args.get("date_from") or "").strip(), (args.get("date_to") or "").strip()
    if raw_from or raw_to:
        try:
            d_from = parse_date("date_from", raw_from) if raw_from else None
            d_to = parse_date("date_to", raw_to) if raw_to else None
        except ValueError as exc:
            errors.append(str(exc))
        else:
            d_from = d_from or d_to
            d_to = d_to or d_from
            assert d_from and d_to
            if d_to < d_from:
                d_from, d_to = d_to, d_from
            if (d_to - d_from).days > 366:
                errors.append(filters.range_cut(366))
                d_from = d_to - timedelta(days=366)
            start = metrics.local_day_start(d_from, s.timezone)
            end = metrics.local_day_start(d_to + timedelta(days=1), s.timezone)
            kind = "range"
    return start, end, kind, errors
