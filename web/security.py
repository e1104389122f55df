"""What every request and response goes through: CSRF on every form, the NUL-byte guard, and the
headers that keep attacker-controlled text (caller-ID names, IVR input) inert."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                           "form-action 'self'")


def init(app: Flask) -> None:
    app.config.update(WTF_CSRF_TIME_LIMIT=None)  # the token lives as long as the session
    csrf.init_app(app)
    app.before_request(refuse_nul_bytes)
    app.after_request(add_headers)


def refuse_nul_bytes() -> Any:
    """No field of this panel takes a NUL byte, and PostgreSQL refuses one in a query parameter:
    a clear 400 here instead of a database error later."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return {"error": f"field {key.replace(chr(0), '')[:40]!r}: NUL byte not allowed"}, 400
    return None


def add_headers(resp: Response) -> Response:
    # besides escaping, no inline script runs and nothing is loaded from elsewhere
    resp.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    return resp
