"""Why the core refused something, in the page's language: a ``hotline.errors.DomainError``'s
template through the catalogue, its params filled in. A param that names a stored key (a case's
status or kind, a task's or work order's status, a role, a task's reason) is shown by its label;
a time (a ``datetime``, e.g. a refused dial's ``at``) as the operator's local time; anything
else — a number, a name, what the user typed — as plain text, which the page escapes (nothing
here is marked safe). Any other exception is said as its own text."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext

from hotline.cases import tree
from hotline.errors import DomainError
from hotline.vocabulary import CaseKind
from web.cases.forms import STATUS_LABELS
from web.context import settings
from web.i18n import label, lang
from web.view import local_time

# params holding a key of web.i18n.KNOWN_LABELS; the core names its params accordingly
LABELLED = frozenset({"status", "role", "task_reason"})


def _case_kind(value: str) -> str:
    try:
        return tree(settings())[CaseKind(value)].label(lang())
    except (ValueError, KeyError):
        return value


def _shown(name: str, value: object) -> str:
    if isinstance(value, Exception):  # a refusal inside another (a list's "line 3: …")
        return reason(value)
    if isinstance(value, datetime):
        return local_time(value, "%Y-%m-%d %H:%M")
    text = "" if value is None else str(value)
    if name == "case_status":
        zh, en = STATUS_LABELS.get(text, (text, text))
        return zh if lang() == "zh" else en
    if name == "case_kind":
        return _case_kind(text)
    return label(text) if name in LABELLED else text


def reason(exc: Exception) -> str:
    """``exc`` as the user reads it: a DomainError in the page's language, else its text."""
    if not isinstance(exc, DomainError):
        return str(exc)
    return gettext(exc.template, **{k: _shown(k, v) for k, v in exc.params.items()})
