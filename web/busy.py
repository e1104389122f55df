"""A request the database was too busy for: another writer held SQLite's one write lock past the
busy timeout (``db_busy_timeout_s``; ``hotline.db.is_busy``). Nothing of the request was written
(its transaction is rolled back), so the answer is the same request again in a moment: a 503 with
``Retry-After`` that says so in the page's language, and one line in the log, not a traceback.
Any other database error stays a 500 with its traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from hotline.db import HeldUp, is_busy
from web.errors import wants_json
from web.refusal import body

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def init(app: Flask) -> None:
    app.register_error_handler(OperationalError, _busy)
    app.register_error_handler(HeldUp, _busy)  # a presence change held up by another (presence_lock)


def _busy(exc: OperationalError | HeldUp) -> Any:
    if not is_busy(exc):
        raise exc  # not ours to say: Flask logs it and answers 500
    db = g.get("db")
    if db is not None:
        db.rollback()
    who = getattr(current_user, "username", None) or "-"
    log.warning("database busy: %s %s by %s refused with 503, nothing written (%s)", request.method,
                request.path, who, getattr(exc, "orig", exc))
    text = _("The database is busy: nothing was saved. Try again in a moment.")
    resp: Response
    if wants_json():
        resp = jsonify(body("db_busy", text))  # the panel's one refusal shape (web/refusal.py)
    else:
        resp = Response(text, mimetype="text/plain")
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER_S)
    return resp
