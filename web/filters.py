"""What a list's filter (``?date_from=``, ``?number=``, ``?status=`` … of the call search, the cases,
the supervisor's, faults', complaints' and callbacks' pages and the API) says about a value it
cannot use, in the page's language: the field by its label, then why, then what was typed
(quoted, cut to 20 characters). Until 6 December these were English on the Chinese panel
(``date_from: not a date (YYYY-MM-DD): 'x'``). The API's ``details`` say the same, in the
session's language (zh unless the user chose English)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from flask_babel import gettext as _

from web.i18n import label


def _field(key: str) -> str:
    labels = {"date_from": _("Start date"), "date_to": _("End date"), "period": _("Period"), "number": _("Number"),
              "disposition": _("Disposition"), "status": _("Status"), "kind": _("Kind"), "due": _("Due"),
              "reason": _("Reason"), "qa_band": _("QA score band"), "qa": _("QA")}
    return labels.get(key, key)


def _typed(raw: str) -> str:
    return repr(raw[:20])


def not_a_date(key: str, raw: str) -> str:
    return _("%(field)s: not a date (YYYY-MM-DD): %(value)s", field=_field(key), value=_typed(raw))


def out_of_range(key: str, raw: str, first: date, last: date) -> str:
    return _("%(field)s: out of range (%(first)s – %(last)s): %(value)s", field=_field(key), first=str(first),
             last=str(last), value=_typed(raw))


def not_one_of(key: str, raw: str, allowed: Sequence[str] | Mapping[str, str]) -> str:
    """The choices by the names the page's select shows them by (``allowed``: key → name, or keys
    the stored-key labels know): the stored keys were English words on the Chinese page."""
    names = list(allowed.values()) if isinstance(allowed, Mapping) else [label(k) for k in allowed]
    return _("%(field)s: one of %(allowed)s, not %(value)s", field=_field(key), allowed=", ".join(names),
             value=_typed(raw))


def backwards(first: date, last: date) -> str:
    return _("The start date %(first)s is after the end date %(last)s: nothing can match.", first=str(first),
             last=str(last))


def not_digits(key: str, raw: str) -> str:
    return _("%(field)s: digits only, not %(value)s", field=_field(key), value=_typed(raw))


def range_cut(days: int) -> str:
    return _("The date range is longer than a year: cut to %(days)s days.", days=days)
