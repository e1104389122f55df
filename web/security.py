"""What every request and response goes through: the client's address through trusted reverse
proxies, CSRF on every form, the NUL-byte guard, session cookies (Secure when set), and the
headers that keep attacker-controlled text (caller-ID names, IVR input) inert and personal data
out of caches."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.settings import Settings

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                           "form-action 'self'")


def init(app: Flask, s: Settings) -> None:
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=s.web_secure_cookies,
        REMEMBER_COOKIE_SECURE=s.web_secure_cookies,
    )
    if s.web_trusted_proxies > 0:
        # request.remote_addr (login limit, listen audit, logs) and the scheme become what the
        # proxies saw: only as many X-Forwarded-For hops as there are proxies we trust
        n = s.web_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
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
    if request.endpoint != "static" and "no-store" not in (resp.headers.get("Cache-Control") or ""):
        # pages, exports and API answers carry numbers, names and recordings: no browser or proxy
        # keeps a copy (the back button after logout shows nothing)
        resp.headers["Cache-Control"] = "no-store"
    return resp
