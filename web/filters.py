"""What a list's filter (``?date_from=``, ``?number=``, ``?status=`` … of the call search, the cases,
the supervisor's, faults', complaints' and callbacks' pages and the API) says about a value it
cannot use, in the page's language: the field by its label, then why, then what was typed
(quoted, cut to 20 characters). Until 6 December these were English on the Chinese panel
(``date_from: not a date (YYYY-MM-DD): 'x'``). The API's ``details`` say the same, in the
session's language (zh unless the user chose English)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _


def _field(key: str) -> str:
    labels = {"date_from": _("Start date"), "date_to": _("End date"), "period": _("Period"), "number": _("Number"),
              "disposition": _("Disposition"), "status": _("Status"), "kind": _("Kind"), "due": _("Due"),
              "reason": _("Reason"), "qa_band": _("QA score band")}
    return labels.get(key, key)


def _typed(raw: str) -> str:
    return repr(raw[:20])


def not_a_date(key: str, raw: str) -> str:
    return _("%(field)s: not a date (YYYY-MM-DD): %(value)s", field=_field(key), value=_typed(raw))


def out_of_range(key: str, raw: str, first: date, last: date) -> str:
    return _("%(field)s: out of range (%(first)s – %(last)s): %(value)s", field=_field(key), first=str(first),
             last=str(last), value=_typed(raw))


def not_one_of(key: str, raw: str, allowed: list[str]) -> str:
    return _("%(field)s: one of %(allowed)s, not %(value)s", field=_field(key), allowed=", ".join(allowed),
             value=_typed(raw))


def not_digits(key: str, raw: str) -> str:
    return _("%(field)s: digits only, not %(value)s", field=_field(key), value=_typed(raw))


def range_cut(days: int) -> str:
    return _("The date range is longer than a year: cut to %(days)s days.", days=days)
