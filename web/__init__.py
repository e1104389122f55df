"""The panel: a Flask app for agents, quality inspectors and supervisors, plus the JSON API.

``create_app(settings=None, **overrides)`` builds it; every metric it shows comes from
``hotline.metrics``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, redirect, request, session, url_for
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from hotline import settings as settings_mod
from hotline.db import open_db
from hotline.settings import Settings

LANGUAGES = ("zh", "en")
csrf = CSRFProtect()


def _locale() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    s = settings or settings_mod.load()
    if overrides:
        s = s.replace(**overrides)
    app = Flask(__name__)
    engine, Session = open_db(s)
    app.config.update(
        SECRET_KEY=s.secret("web_secret_key"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_TRANSLATION_DIRECTORIES=str(_compiled_translations(s)),
        MAX_CONTENT_LENGTH=1 << 20,
    )
    app.extensions["hotline"] = {"settings": s, "engine": engine, "Session": Session}
    csrf.init_app(app)
    Babel(app, locale_selector=_locale)

    from web import agent, api, auth, inspector, supervisor, wallboard
    from web.view import register_filters

    auth.init(app)
    for bp in (auth.bp, agent.bp, inspector.bp, supervisor.bp, api.bp, wallboard.bp):
        app.register_blueprint(bp)
    csrf.exempt(api.bp)  # token-authenticated, read-only
    register_filters(app)

    @app.before_request
    def _no_nul_bytes() -> Any:
        # No field of this panel takes a NUL byte, and PostgreSQL refuses one in a query
        # parameter: a clear 400 here instead of a database error later.
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    return {"error": f"field {key.replace(chr(0), '')[:40]!r}: NUL byte not allowed"}, 400
        return None

    @app.teardown_appcontext
    def _close_db(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.after_request
    def _headers(resp: Any) -> Any:
        # Caller-ID names and IVR text are attacker-controlled: besides escaping, no inline
        # script runs and nothing is loaded from elsewhere.
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; media-src 'self'; object-src 'none'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    @app.get("/")
    def index() -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        role = current_user.role
        if role == "agent":
            return redirect(url_for("agent.home"))
        if role == "inspector":
            return redirect(url_for("inspector.search"))
        return redirect(url_for("supervisor.team"))

    @app.get("/lang/<code>")
    def set_lang(code: str) -> Any:
        if code in LANGUAGES:
            session["lang"] = code
        nxt = request.referrer or url_for("index")
        return redirect(nxt if nxt.startswith(request.host_url) else url_for("index"))

    return app


def _compiled_translations(s: Settings) -> Any:
    """Compile web/translations/*.po into runtime_dir (no binary .mo files in the repository)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    src = Path(__file__).parent / "translations"
    dst = s.runtime_dir / "cache" / "translations"
    for po in src.glob("*/LC_MESSAGES/messages.po"):
        mo = dst / po.relative_to(src).with_suffix(".mo")
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
