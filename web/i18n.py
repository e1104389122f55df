"""The panel's languages: Simplified Chinese by default, English on request (``/lang/<code>``).
Messages come from web/translations (compiled at start, no binary .mo in the repository); metric
labels from the metric catalogue (``hotline.metrics``), the one source of their names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, get_locale

from hotline import metrics
from hotline.settings import Settings

LANGUAGES = ("zh", "en")
SOURCE = Path(__file__).parent / "translations"
bp = Blueprint("i18n", __name__)


def init(app: Flask, s: Settings) -> None:
    app.config.update(BABEL_DEFAULT_LOCALE="zh", BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations(s)))
    Babel(app, locale_selector=locale)


def locale() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def lang() -> str:
    """The page's language code."""
    loc = get_locale()
    return loc.language if loc else "zh"


def metric_label(key: str) -> str:
    """The catalogue's label (hotline.metrics.METRICS) in the page's language."""
    return metrics.label(key, lang())


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
