"""The panel's languages: Simplified Chinese by default, English on request (``/lang/<code>``).
Messages come from web/translations (compiled at start, no binary .mo in the repository); metric
labels from the metric catalogue (``hotline.metrics``), the one source of their names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, get_locale, gettext
from jinja2 import pass_context
from jinja2.runtime import Context

from hotline import metrics
from hotline.errors import N_
from hotline.field.events import ACTIONS as ORDER_ACTIONS
from hotline.field.events import FieldEscalation
from hotline.models import AREAS, OUTAGE_CAUSES, REPORT_STATUSES, ROLES
from hotline.models.callbacks import (
    ATTEMPT_OUTCOMES,
    COMPLAINT_KINDS,
    ESCALATION_KINDS,
    TASK_CLOSE_REASONS,
    TASK_REASONS,
    TASK_STATUSES,
)
from hotline.models.field import ORDER_STATUSES
from hotline.models.notifications import OUTBOX_STATUSES
from hotline.notifications.templates import Template
from hotline.settings import Settings
from hotline.vocabulary import AgentState, AttemptResult, Disposition, HangupParty, TransferKind

LANGUAGES = ("zh", "en")
SOURCE = Path(__file__).parent / "translations"
bp = Blueprint("i18n", __name__)


def init(app: Flask, s: Settings) -> None:
    app.config.update(BABEL_DEFAULT_LOCALE="zh", BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations(s)))
    Babel(app, locale_selector=locale)
    app.jinja_env.filters["label"] = _label_filter
    app.jinja_env.filters["subject"] = _subject_filter


def locale() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def lang() -> str:
    """The page's language code."""
    loc = get_locale()
    return loc.language if loc else "zh"


# The stored values a page names through the catalogue: fixed lists of the models and the typed
# vocabulary. Anything else (a row written by hand, a future value) is shown as it is, escaped.
KNOWN_LABELS: frozenset[str] = frozenset(
    {str(v) for enum in (Disposition, AttemptResult, HangupParty, TransferKind, AgentState) for v in enum}
    | set(ROLES) | set(TASK_REASONS) | set(TASK_STATUSES) | set(TASK_CLOSE_REASONS) | set(ATTEMPT_OUTCOMES)
    | set(COMPLAINT_KINDS)
    | set(ESCALATION_KINDS) | set(OUTAGE_CAUSES) | set(AREAS) | set(REPORT_STATUSES) | {"solution", "progress"}
    # issue 15: work orders' states and the field service's escalations
    | set(ORDER_STATUSES) | {str(k) for k in FieldEscalation}
    # the steps of an order's history (its page; "urged": the caller's 催单 through the IVR)
    | ORDER_ACTIONS
    # the SMS outbox's states and templates (/field/outbox)
    | set(OUTBOX_STATUSES) | {str(t) for t in Template})


def label(value: object) -> str:
    """A stored key in the page's language (the ``label`` filter). Jinja marks what ``_()``
    returns as safe, so ``_(stored value)`` would print stored HTML as HTML: known keys are
    translated, anything else comes back as plain text for the template to escape."""
    text = "" if value is None else str(value)
    if text not in KNOWN_LABELS:
        return text
    said = gettext(text)
    # the English page has no catalogue: a key says itself in words (task_overdue → task overdue;
    # lower case, as labels are also said inside sentences: "inspector may not edit …")
    return said.replace("_", " ") if said == text and text.isascii() and text.islower() else said


# what a stored reference ("task:12", the escalations' and a case's follow-up's subject) names; the
# wallboard's stream sends the reference, its page carries these words (wallboard.js subjectText)
SUBJECTS = {"task": N_("Callback task"), "complaint": N_("Complaint"), "order": N_("Work order")}


def subject_label(subject: str) -> str:
    """A stored reference as people read it: ``task:12`` → 回访/回呼任务 #12 (the ``subject``
    filter); a subject of another form (an outage suggestion's, written in words) as it is."""
    kind, sep, ref = subject.partition(":")
    return f"{gettext(SUBJECTS[kind])} #{ref}" if sep and kind in SUBJECTS and ref.isdigit() else subject


@pass_context
def _label_filter(_ctx: Context, value: object) -> str:
    """:func:`label` as the templates' filter. Taking the context keeps Jinja from folding
    ``{{ 'general'|label }}`` into the compiled template, which would keep the language of the
    request that compiled it for every later page."""
    return label(value)


@pass_context
def _subject_filter(_ctx: Context, value: object) -> str:
    """:func:`subject_label` as a filter (the context: as :func:`_label_filter`)."""
    return subject_label(str(value))


def metric_label(key: str) -> str:
    """The catalogue's label (hotline.metrics.METRICS) in the page's language."""
    return metrics.label(key, lang())


def setting_phrase(key: str, s: Settings) -> str:
    """A setting as a reader finds it: its name in the page's language and, for a single value,
    the value now in force with its unit (服务水平时限(当前 20 秒)). The one way a page cites a
    setting in words; the key itself is the admin's (hotline.toml), not the reader's."""
    name = gettext(metrics.SETTING_TERMS[key])
    value = getattr(s, key)
    if isinstance(value, list | tuple | dict):
        return name
    n = f"{value:g}" if isinstance(value, float) else str(value)
    unit = {"s": gettext("%(n)s s", n=n), "min": gettext("%(n)s min", n=n), "h": gettext("%(n)s h", n=n)}
    return gettext("%(name)s (now %(value)s)", name=name, value=unit.get(key.rpartition("_")[2], n))


@bp.get("/lang/<code>")
def set_lang(code: str) -> Any:
    if code in LANGUAGES:
        session["lang"] = code
    nxt = request.referrer or url_for("home.index")
    return redirect(nxt if nxt.startswith(request.host_url) else url_for("home.index"))


def compiled_translations(s: Settings) -> Path:
    """Compile web/translations/*.po into runtime_dir when newer than the compiled file."""
    dst = s.runtime_dir / "cache" / "translations"
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo = dst / po.relative_to(SOURCE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)
    return dst
