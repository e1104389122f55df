"""The panel: a Flask app for agents, quality inspectors and supervisors, plus the JSON API.

``create_app(settings=None, **overrides)`` builds it (Flask's application-factory pattern),
``close_app(app)`` releases what it holds (database watcher, connections); every
metric it shows comes from ``hotline.metrics``. One blueprint per feature (web/blueprints.py), its
templates in ``web/templates/<feature>/``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from hotline import settings as settings_mod
from hotline.db import open_db
from hotline.settings import Settings


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    from web import busy, errors, i18n, security
    from web.auth.access import init_login
    from web.blueprints import register_blueprints
    from web.view import register_filters

    s = settings or settings_mod.load()
    if overrides:
        s = s.replace(**overrides)
    app = Flask(__name__)
    engine, Session = open_db(s)
    app.config.update(SECRET_KEY=s.secret("web_secret_key"), MAX_CONTENT_LENGTH=1 << 20)
    app.extensions["hotline"] = {"settings": s, "engine": engine, "Session": Session}
    security.init(app, s)
    i18n.init(app, s)
    init_login(app)
    register_blueprints(app)
    register_filters(app)
    app.teardown_appcontext(_close_db)
    busy.init(app)
    errors.init(app)
    return app


def close_app(app: Flask) -> None:
    """Release what the app holds: its database watcher (``hotline.live_signal``), which would
    otherwise keep reconnecting to a database that is gone, and its engine's connections."""
    from hotline import live_signal

    ext = app.extensions["hotline"]
    live_signal.stop_watching(ext["settings"].db_url)
    ext["engine"].dispose()


def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
